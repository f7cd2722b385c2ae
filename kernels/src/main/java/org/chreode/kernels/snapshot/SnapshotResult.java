package org.chreode.kernels.snapshot;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-cell results of a snapshot analysis, in input row order, plus diagnostics for run.json.
 *
 * @param cellIds            as in the input
 * @param roles              as in the input
 * @param fateLabels         fate columns, sorted label order
 * @param fateProbabilities  N x K; each row sums to 1 together with {@code pUnknown}
 * @param pUnknown           probability of the auxiliary outlier fate, or null without outlier states
 * @param pseudotime         in [0, 1], 0 for initial cells; NaN where the method has no pseudotime
 * @param expectedStage      expected transport stage (MultistageOT), NaN for initial cells and other methods
 * @param potency            Shannon entropy (natural log) of the fate distribution
 * @param meanAbsorptionTime expected steps until absorption in a terminal state; NaN where not computed
 * @param diagnostics        ordered key/value tree: convergence, timings, scales (numbers, strings, lists, maps)
 */
public record SnapshotResult(String[] cellIds, Role[] roles, String[] fateLabels, double[][] fateProbabilities,
                             double[] pUnknown, double[] pseudotime, double[] expectedStage, double[] potency,
                             double[] meanAbsorptionTime, Map<String, Object> diagnostics) implements java.io.Serializable {

    public SnapshotResult {
        diagnostics = Collections.unmodifiableMap(new LinkedHashMap<>(diagnostics));
    }

    public int cellCount() {
        return cellIds.length;
    }

    public boolean hasOutlierFate() {
        return pUnknown != null;
    }
}
