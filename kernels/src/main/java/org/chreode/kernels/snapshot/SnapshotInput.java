package org.chreode.kernels.snapshot;

import org.chreode.kernels.common.InvalidInputException;

/**
 * One snapshot of cells: identifiers, feature coordinates (cells x features, e.g. PCA components), roles and the
 * fate label of every terminal cell. Arrays are held by reference (no copy): callers hand over ownership.
 *
 * @param cellIds  unique cell identifiers, carried to every output
 * @param features row-major coordinates, {@code features[i]} is cell i
 * @param roles    role of every cell
 * @param fates    fate label per cell; used only for terminal cells (null or blank elsewhere)
 * @param featureNames names of the feature columns (for messages and plots)
 */
public record SnapshotInput(String[] cellIds, double[][] features, Role[] roles, String[] fates,
                            String[] featureNames) implements java.io.Serializable {

    public SnapshotInput {
        int n = cellIds.length;
        if (features.length != n || roles.length != n || fates.length != n) {
            throw new InvalidInputException("Snapshot arrays differ in length: " + n + " ids, " + features.length
                    + " feature rows, " + roles.length + " roles, " + fates.length + " fates.");
        }
    }

    public int cellCount() {
        return cellIds.length;
    }

    public int dimension() {
        return features.length == 0 ? 0 : features[0].length;
    }
}
