package org.chreode.jobs.ml;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.chreode.kernels.snapshot.SnapshotResult;

/**
 * What a {@link MultistageOt#fit} reports besides the per-cell results: the kernel's diagnostics tree (convergence,
 * cost scale, cell counts; the same tree as {@code run.json}'s {@code diagnostics}), the fate labels, the features
 * used, and timings. Immutable.
 */
public final class MultistageOtSummary implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int cellCount;
    private final List<String> fateLabels;
    private final boolean outlierFate;
    private final List<String> featureNames;
    private final Map<String, Object> diagnostics;
    private final double solveSeconds;
    private final double fitSeconds;

    MultistageOtSummary(SnapshotResult result, List<String> featureNames, double solveSeconds, double fitSeconds) {
        this(result.cellCount(), List.of(result.fateLabels()), result.hasOutlierFate(), featureNames,
                result.diagnostics(), solveSeconds, fitSeconds);
    }

    MultistageOtSummary(int cellCount, List<String> fateLabels, boolean outlierFate, List<String> featureNames,
                        Map<String, Object> diagnostics, double solveSeconds, double fitSeconds) {
        this.cellCount = cellCount;
        this.fateLabels = List.copyOf(fateLabels);
        this.outlierFate = outlierFate;
        this.featureNames = List.copyOf(featureNames);
        this.diagnostics = Collections.unmodifiableMap(new LinkedHashMap<>(diagnostics));
        this.solveSeconds = solveSeconds;
        this.fitSeconds = fitSeconds;
    }

    public int cellCount() {
        return cellCount;
    }

    /** Fate labels in column order ({@code fate_<label>}). */
    public List<String> fateLabels() {
        return fateLabels;
    }

    /** Whether the model has the auxiliary outlier fate ({@code p_unknown}). */
    public boolean hasOutlierFate() {
        return outlierFate;
    }

    public List<String> featureNames() {
        return featureNames;
    }

    /** The kernel's diagnostics: plain maps, lists, strings, numbers and booleans. */
    public Map<String, Object> diagnostics() {
        return diagnostics;
    }

    /**
     * True when every {@code converged} flag in the diagnostics is true, false when one is false, null when the
     * method reports none (IDW has no iterative solve).
     */
    public Boolean converged() {
        Boolean[] acc = {null};
        collectConverged(diagnostics, acc);
        return acc[0];
    }

    private static void collectConverged(Object node, Boolean[] acc) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if ("converged".equals(e.getKey()) && e.getValue() instanceof Boolean b) {
                    acc[0] = acc[0] == null ? b : acc[0] && b;
                } else {
                    collectConverged(e.getValue(), acc);
                }
            }
        } else if (node instanceof List<?> list) {
            for (Object o : list) {
                collectConverged(o, acc);
            }
        }
    }

    /** Seconds spent in the solve task. */
    public double solveSeconds() {
        return solveSeconds;
    }

    /** Seconds of the whole fit (read, validate, solve). */
    public double fitSeconds() {
        return fitSeconds;
    }

    /** This summary as a JSON-ready tree (persisted with the model). */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cells", cellCount);
        m.put("fate_labels", fateLabels);
        m.put("outlier_fate", outlierFate);
        m.put("feature_names", featureNames);
        m.put("solve_seconds", solveSeconds);
        m.put("fit_seconds", fitSeconds);
        m.put("diagnostics", diagnostics);
        return m;
    }

    @SuppressWarnings("unchecked")
    static MultistageOtSummary fromMap(Map<String, Object> m) {
        return new MultistageOtSummary(((Number) m.get("cells")).intValue(), (List<String>) m.get("fate_labels"),
                (Boolean) m.get("outlier_fate"), (List<String>) m.get("feature_names"),
                (Map<String, Object>) m.get("diagnostics"), number(m.get("solve_seconds")),
                number(m.get("fit_seconds")));
    }

    private static double number(Object v) {
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    @Override
    public String toString() {
        return "MultistageOtSummary" + toMap();
    }
}
