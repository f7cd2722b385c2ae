package org.chreode.kernels.snapshot;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.chreode.kernels.baselines.InverseDistanceWeighting;
import org.chreode.kernels.baselines.StationaryOt;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.metrics.FateMetrics;
import org.chreode.kernels.geometry.KernelMode;
import org.chreode.kernels.multistage.IntermediateKernelFactory;
import org.chreode.kernels.multistage.MultistageLayout;
import org.chreode.kernels.multistage.MultistageOtProblem;
import org.chreode.kernels.multistage.MultistageOtResult;
import org.chreode.kernels.multistage.MultistageOtSolver;

/**
 * The one entry point of a snapshot analysis, shared by the CLI and the Spark ML API: validates the input,
 * runs the model of {@link SnapshotSettings#method()} and assembles per-cell results (input row order).
 *
 * <p>Potency is the Shannon entropy (natural log) of each cell's fate distribution, the auxiliary outlier fate
 * included when present (MultistageOT paper, Fig. S.1). StationaryOT and IDW have no pseudotime: those columns are
 * NaN for them.
 */
public final class SnapshotInference {

    private SnapshotInference() {
    }

    /**
     * Runs the analysis.
     *
     * @throws InvalidInputException for bad input (the message names the cell, column or parameter)
     * @throws org.chreode.kernels.common.NumericalInstabilityException when the numbers under- or overflow
     */
    public static SnapshotResult run(SnapshotInput input, SnapshotSettings settings, IterationListener listener) {
        return run(input, settings, listener, null);
    }

    /**
     * Runs the analysis; a MultistageOT solve in {@code distributed} kernel mode takes its intermediate kernel from
     * {@code distributedKernel} (made by the Spark module; null elsewhere, where that mode is rejected).
     */
    public static SnapshotResult run(SnapshotInput input, SnapshotSettings settings, IterationListener listener,
                                     IntermediateKernelFactory distributedKernel) {
        validate(input);
        return switch (settings.method()) {
            case MULTISTAGE -> multistage(input, settings, listener, distributedKernel);
            case STATIONARY -> stationary(input, settings, listener);
            case IDW -> idw(input, settings);
        };
    }

    private static SnapshotResult multistage(SnapshotInput input, SnapshotSettings settings,
                                             IterationListener listener, IntermediateKernelFactory distributedKernel) {
        MultistageLayout layout = MultistageLayout.of(input.cellIds(), input.roles(), input.fates(),
                settings.stages());
        MultistageOtProblem problem = new MultistageOtProblem(input.features(), layout, settings.stages(),
                settings.costNormalization(), settings.outlierCost());
        MultistageOtSolver solver = new MultistageOtSolver(settings.epsilon(), settings.epsilonTarget(),
                settings.tolerance(), settings.maxIterations(), settings.checkInterval(), settings.referencePlans(),
                settings.kernelPrecision(), settings.threads());
        if (settings.kernelMode() == KernelMode.DISTRIBUTED && distributedKernel != null) {
            solver = solver.withDistributedKernel(distributedKernel);
        } else {
            solver = solver.withKernelMode(settings.kernelMode(),
                    KernelMode.defaultBudget(Runtime.getRuntime().maxMemory(), 1));
        }
        MultistageOtResult r = solver.solve(problem, listener);
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        diagnostics.put("method", Method.MULTISTAGE.label());
        diagnostics.put("cells", Map.of("initial", layout.initialCount(), "intermediate", layout.intermediateCount(),
                "terminal", layout.terminalCount()));
        diagnostics.putAll(r.diagnostics());
        return new SnapshotResult(input.cellIds(), input.roles(), r.fateLabels(), r.fateProbabilities(), r.pUnknown(),
                r.pseudotime(), r.expectedStage(), potency(r.fateProbabilities(), r.pUnknown()),
                r.meanAbsorptionTime(), diagnostics);
    }

    private static SnapshotResult stationary(SnapshotInput input, SnapshotSettings settings,
                                             IterationListener listener) {
        StationaryOt.Result r = StationaryOt.fit(input.features(), input.roles(), input.fates(), settings.epsilon(),
                settings.timeStep(), settings.costNormalization(), settings.tolerance(), settings.maxIterations(),
                listener);
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        diagnostics.put("method", Method.STATIONARY.label());
        diagnostics.put("cost_scale", r.costScale());
        diagnostics.put("converged", r.convergence().converged());
        diagnostics.putAll(r.diagnostics());
        return withoutPseudotime(input, r.fateLabels(), r.fateProbabilities(), diagnostics);
    }

    private static SnapshotResult idw(SnapshotInput input, SnapshotSettings settings) {
        InverseDistanceWeighting.Result r = InverseDistanceWeighting.fit(input.features(), input.roles(),
                input.fates(), settings.idwGamma(), null);
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        diagnostics.put("method", Method.IDW.label());
        diagnostics.put("idw_gamma", r.gamma());
        Map<String, Object> weights = new LinkedHashMap<>();
        for (int k = 0; k < r.fateLabels().length; k++) {
            weights.put(r.fateLabels()[k], r.weights()[k]);
        }
        diagnostics.put("fate_weights", weights);
        return withoutPseudotime(input, r.fateLabels(), r.fateProbabilities(), diagnostics);
    }

    private static SnapshotResult withoutPseudotime(SnapshotInput input, String[] labels, double[][] fates,
                                                    Map<String, Object> diagnostics) {
        int n = input.cellCount();
        double[] nan = new double[n];
        java.util.Arrays.fill(nan, Double.NaN);
        return new SnapshotResult(input.cellIds(), input.roles(), labels, fates, null, nan, nan.clone(),
                potency(fates, null), nan.clone(), diagnostics);
    }

    /** Shannon entropy of every row of [fates | pUnknown]. */
    static double[] potency(double[][] fates, double[] pUnknown) {
        double[] h = new double[fates.length];
        for (int i = 0; i < fates.length; i++) {
            double[] p = fates[i];
            if (pUnknown != null) {
                p = java.util.Arrays.copyOf(p, p.length + 1);
                p[p.length - 1] = pUnknown[i];
            }
            h[i] = FateMetrics.entropy(p);
        }
        return h;
    }

    /** Finite features, equal row lengths, unique ids: checked before any work, naming the cell and column. */
    static void validate(SnapshotInput input) {
        int n = input.cellCount();
        if (n == 0) {
            throw new InvalidInputException("The input has no cells.");
        }
        int d = input.dimension();
        if (d == 0) {
            throw new InvalidInputException("The input has no feature columns: give --features or numeric columns.");
        }
        String[] names = input.featureNames();
        Map<String, Integer> seen = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            String id = input.cellIds()[i];
            if (id == null || id.isBlank()) {
                throw new InvalidInputException("Row " + (i + 1) + " has an empty cell id.");
            }
            Integer previous = seen.put(id, i);
            if (previous != null) {
                throw new InvalidInputException("Duplicate cell id '" + id + "' (rows " + (previous + 1) + " and "
                        + (i + 1) + "): cell ids must be unique.");
            }
            double[] row = input.features()[i];
            if (row.length != d) {
                throw new InvalidInputException("Cell '" + id + "' has " + row.length + " features, expected " + d
                        + ".");
            }
            for (int k = 0; k < d; k++) {
                if (!Double.isFinite(row[k])) {
                    String column = names != null && k < names.length ? names[k] : "#" + (k + 1);
                    throw new InvalidInputException("Cell '" + id + "' has a non-finite value (" + row[k]
                            + ") in feature column '" + column + "': remove or impute it.");
                }
            }
        }
    }
}
