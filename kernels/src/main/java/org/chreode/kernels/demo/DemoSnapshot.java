package org.chreode.kernels.demo;

import org.chreode.kernels.snapshot.SnapshotInput;

/**
 * A synthetic snapshot together with its ground truth, as made by {@link BranchingSnapshotGenerator}. Arrays are
 * held by reference, like {@link SnapshotInput}'s: the generator hands them over and nobody modifies them.
 *
 * @param input                 the snapshot to analyse (ids {@code c0..c{N-1}}, features, roles, fates of terminals)
 * @param fateLabels            {@code F1..FK} in sorted (String) order, the column order of the fate results
 * @param trueFateProbabilities N x K; row i is the fraction of cell i's simulated futures that ended in each fate,
 *                              columns in {@code fateLabels} order; rows sum to 1; null when generated with
 *                              no futures
 * @param trueProgress          how far each cell has come down the landscape (its latent distance from the
 *                              progenitor state), increasing along every branch (compare ranks with a pseudotime)
 * @since 0.1
 */
public record DemoSnapshot(SnapshotInput input, String[] fateLabels, double[][] trueFateProbabilities,
                           double[] trueProgress) implements java.io.Serializable {

    public int cellCount() {
        return input.cellCount();
    }
}
