package org.chreode.jobs.cli;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.snapshot.Method;
import org.chreode.kernels.snapshot.SnapshotSettings;
import picocli.CommandLine.Option;

/**
 * The solver options shared by {@code snapshot} and {@code demo}: mechanical kebab-case spellings of the
 * {@link SnapshotSettings} fields, with its defaults.
 */
public final class SolverOptions {

    /** The {@code --cost-normalization} value that picks median for multistage and idw, mean for stationary. */
    public static final String AUTO = "auto";

    @Option(names = "--method", paramLabel = "NAME", defaultValue = "multistage",
            description = "Fate model: multistage, stationary or idw. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--stages", paramLabel = "N", defaultValue = "" + SnapshotSettings.DEFAULT_STAGES,
            description = "Intermediate transport stages (the reference's n_groups, >= 2). Default: ${DEFAULT-VALUE}.")
    int stages;

    @Option(names = "--epsilon", paramLabel = "E", defaultValue = "" + SnapshotSettings.DEFAULT_EPSILON,
            description = "Entropic regularisation in normalised cost units. Default: ${DEFAULT-VALUE}.")
    double epsilon;

    @Option(names = "--epsilon-target", paramLabel = "E",
            description = "Run the proximal-point loop down to this effective epsilon (< --epsilon). Default: off.")
    Double epsilonTarget;

    @Option(names = "--outlier-cost", paramLabel = "Q",
            description = "Enable auxiliary outlier states at this cost (normalised units); adds p_unknown. "
                    + "Default: off.")
    Double outlierCost;

    @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "" + SnapshotSettings.DEFAULT_TOLERANCE,
            description = "Stop when max dual step + infeasibility <= TOL. Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(names = "--max-iterations", paramLabel = "N", defaultValue = "" + SnapshotSettings.DEFAULT_MAX_ITERATIONS,
            description = "Cap on sweeps per Sinkhorn solve. Default: ${DEFAULT-VALUE}.")
    int maxIterations;

    @Option(names = "--check-interval", paramLabel = "N", defaultValue = "" + SnapshotSettings.DEFAULT_CHECK_INTERVAL,
            description = "Sweeps between convergence checks (the reference's patience). Default: ${DEFAULT-VALUE}.")
    int checkInterval;

    @Option(names = "--cost-normalization", paramLabel = "MODE", defaultValue = AUTO,
            description = "Cost scaling: median, mean, none, reference or auto (median for multistage and idw, mean"
                    + " for stationary). Default: ${DEFAULT-VALUE}.")
    String costNormalization;

    @Option(names = "--reference-parity",
            description = "Reproduce the published MultistageOT code: its median (cost normalisation 'reference') and"
                    + " plans from start-of-sweep scalings. Default: off.")
    boolean referenceParity;

    @Option(names = "--kernel-precision", paramLabel = "P", defaultValue = "float64",
            description = "Storage precision of the stored kernel: float64 or float32. Default: ${DEFAULT-VALUE}.")
    String kernelPrecision;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads for kernel products. Default: all available processors.")
    Integer threads;

    @Option(names = "--time-step", paramLabel = "DT", defaultValue = "" + SnapshotSettings.DEFAULT_TIME_STEP,
            description = "StationaryOT time step. Default: ${DEFAULT-VALUE}.")
    double timeStep;

    @Option(names = "--idw-gamma", paramLabel = "G", defaultValue = "" + SnapshotSettings.DEFAULT_IDW_GAMMA,
            description = "IDW exponent gamma. Default: ${DEFAULT-VALUE}.")
    double idwGamma;

    /** The kernel settings these options describe; bad values fail with {@link InvalidInputException}. */
    public SnapshotSettings settings() {
        Method m = Method.parse(method);
        SnapshotSettings.Builder b = SnapshotSettings.builder()
                .method(m)
                .stages(stages)
                .epsilon(epsilon)
                .epsilonTarget(epsilonTarget == null ? Double.NaN : epsilonTarget)
                .outlierCost(outlierCost == null ? Double.NaN : outlierCost)
                .tolerance(tolerance)
                .maxIterations(maxIterations)
                .checkInterval(checkInterval)
                .costNormalization(costNormalization(m))
                .kernelPrecision(KernelPrecision.parse(kernelPrecision))
                .timeStep(timeStep)
                .idwGamma(idwGamma);
        if (threads != null) {
            b.threads(threads);
        }
        if (referenceParity) {
            if (!AUTO.equalsIgnoreCase(costNormalization.trim())
                    && CostNormalization.parse(costNormalization) != CostNormalization.REFERENCE) {
                throw new InvalidInputException("--reference-parity uses the reference median; drop"
                        + " --cost-normalization " + costNormalization + " or set it to reference.");
            }
            b.referenceParity();
        }
        return b.build();
    }

    private CostNormalization costNormalization(Method m) {
        if (AUTO.equalsIgnoreCase(costNormalization.trim())) {
            return m == Method.STATIONARY ? CostNormalization.MEAN : CostNormalization.MEDIAN;
        }
        return CostNormalization.parse(costNormalization);
    }
}
