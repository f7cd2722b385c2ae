package org.chreode.jobs.cli;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelMode;
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

    /** Doc of {@code method}, shared with the Spark ML Param of the same name. */
    public static final String DOC_METHOD = "Fate model: multistage, stationary or idw.";
    /** Doc of {@code stages}, shared with the Spark ML Param of the same name. */
    public static final String DOC_STAGES = "Intermediate transport stages (the reference's n_groups, >= 2).";
    /** Doc of {@code epsilon}, shared with the Spark ML Param of the same name. */
    public static final String DOC_EPSILON = "Entropic regularisation in normalised cost units.";
    /** Doc of {@code epsilonTarget}, shared with the Spark ML Param of the same name. */
    public static final String DOC_EPSILON_TARGET = "Run the proximal-point loop down to this effective epsilon"
            + " (< --epsilon).";
    /** Doc of {@code outlierCost}, shared with the Spark ML Param of the same name. */
    public static final String DOC_OUTLIER_COST = "Enable auxiliary outlier states at this cost (normalised units);"
            + " adds p_unknown.";
    /** Doc of {@code tolerance}, shared with the Spark ML Param of the same name. */
    public static final String DOC_TOLERANCE = "Stop when max dual step + infeasibility <= TOL.";
    /** Doc of {@code maxIterations}, shared with the Spark ML Param of the same name. */
    public static final String DOC_MAX_ITERATIONS = "Cap on sweeps per Sinkhorn solve.";
    /** Doc of {@code checkInterval}, shared with the Spark ML Param of the same name. */
    public static final String DOC_CHECK_INTERVAL = "Sweeps between convergence checks (the reference's patience).";
    /** Doc of {@code costNormalization}, shared with the Spark ML Param of the same name. */
    public static final String DOC_COST_NORMALIZATION = "Cost scaling: median, mean, none, reference or auto (median for"
            + " multistage and idw, mean for stationary).";
    /** Doc of {@code referenceParity}, shared with the Spark ML Param of the same name. */
    public static final String DOC_REFERENCE_PARITY = "Reproduce the published MultistageOT code: its median (cost"
            + " normalisation 'reference') and plans from start-of-sweep scalings.";
    /** Doc of {@code kernelPrecision}, shared with the Spark ML Param of the same name. */
    public static final String DOC_KERNEL_PRECISION = "Storage precision of the stored kernel: float64 or float32.";
    /** Doc of {@code kernel}. */
    public static final String DOC_KERNEL = "Where MultistageOT's cell x cell kernel lives: stored (in memory), online"
            + " (recomputed in row tiles every sweep, nothing cell x cell held), distributed (tiles on the executors,"
            + " one large solve across the cluster; not with --partition-size) or auto (stored when it fits half the"
            + " heap per concurrent solve, else online); docs/kernel-modes.md.";
    /** Doc of {@code tileRows}. */
    public static final String DOC_TILE_ROWS = "Rows per tile of --kernel distributed (a float64 tile of R x R takes"
            + " 8 R^2 bytes).";
    /** Doc of {@code threads}, shared with the Spark ML Param of the same name. */
    public static final String DOC_THREADS = "Worker threads for kernel products.";
    /** Doc of {@code timeStep}, shared with the Spark ML Param of the same name. */
    public static final String DOC_TIME_STEP = "StationaryOT time step.";
    /** Doc of {@code idwGamma}, shared with the Spark ML Param of the same name. */
    public static final String DOC_IDW_GAMMA = "IDW exponent gamma.";

    @Option(names = "--method", paramLabel = "NAME", defaultValue = "multistage",
            description = DOC_METHOD + " Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--stages", paramLabel = "N", defaultValue = "" + SnapshotSettings.DEFAULT_STAGES,
            description = DOC_STAGES + " Default: ${DEFAULT-VALUE}.")
    int stages;

    @Option(names = "--epsilon", paramLabel = "E", defaultValue = "" + SnapshotSettings.DEFAULT_EPSILON,
            description = DOC_EPSILON + " Default: ${DEFAULT-VALUE}.")
    double epsilon;

    @Option(names = "--epsilon-target", paramLabel = "E",
            description = DOC_EPSILON_TARGET + " Default: off.")
    Double epsilonTarget;

    @Option(names = "--outlier-cost", paramLabel = "Q",
            description = DOC_OUTLIER_COST + " Default: off.")
    Double outlierCost;

    @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "" + SnapshotSettings.DEFAULT_TOLERANCE,
            description = DOC_TOLERANCE + " Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(names = "--max-iterations", paramLabel = "N", defaultValue = "" + SnapshotSettings.DEFAULT_MAX_ITERATIONS,
            description = DOC_MAX_ITERATIONS + " Default: ${DEFAULT-VALUE}.")
    int maxIterations;

    @Option(names = "--check-interval", paramLabel = "N", defaultValue = "" + SnapshotSettings.DEFAULT_CHECK_INTERVAL,
            description = DOC_CHECK_INTERVAL + " Default: ${DEFAULT-VALUE}.")
    int checkInterval;

    @Option(names = "--cost-normalization", paramLabel = "MODE", defaultValue = AUTO,
            description = DOC_COST_NORMALIZATION + " Default: ${DEFAULT-VALUE}.")
    String costNormalization;

    @Option(names = "--reference-parity",
            description = DOC_REFERENCE_PARITY + " Default: off.")
    boolean referenceParity;

    @Option(names = "--kernel-precision", paramLabel = "P", defaultValue = "float64",
            description = DOC_KERNEL_PRECISION + " Default: ${DEFAULT-VALUE}.")
    String kernelPrecision;

    @Option(names = "--kernel", paramLabel = "MODE", defaultValue = "auto",
            description = DOC_KERNEL + " Default: ${DEFAULT-VALUE}.")
    String kernel;

    @Option(names = "--tile-rows", paramLabel = "R", defaultValue = "" + SnapshotSettings.DEFAULT_TILE_ROWS,
            description = DOC_TILE_ROWS + " Default: ${DEFAULT-VALUE}.")
    Integer tileRows;

    @Option(names = "--threads", paramLabel = "N",
            description = DOC_THREADS + " Default: all available processors.")
    Integer threads;

    @Option(names = "--time-step", paramLabel = "DT", defaultValue = "" + SnapshotSettings.DEFAULT_TIME_STEP,
            description = DOC_TIME_STEP + " Default: ${DEFAULT-VALUE}.")
    double timeStep;

    @Option(names = "--idw-gamma", paramLabel = "G", defaultValue = "" + SnapshotSettings.DEFAULT_IDW_GAMMA,
            description = DOC_IDW_GAMMA + " Default: ${DEFAULT-VALUE}.")
    double idwGamma;

    /** The kernel settings these options describe; bad values fail with {@link InvalidInputException}. */
    public SnapshotSettings settings() {
        return settings(method, stages, epsilon, epsilonTarget == null ? Double.NaN : epsilonTarget,
                outlierCost == null ? Double.NaN : outlierCost, tolerance, maxIterations, checkInterval,
                costNormalization, referenceParity, kernelPrecision, threads == null ? 0 : threads, timeStep,
                idwGamma, kernel == null ? "auto" : kernel,
                tileRows == null ? SnapshotSettings.DEFAULT_TILE_ROWS : tileRows);
    }

    /**
     * The kernel settings for option values as the CLI and the Spark ML Params spell them: strings for the enums,
     * NaN for "off" ({@code epsilonTarget}, {@code outlierCost}) and {@code threads = 0} for all available
     * processors. Bad values fail with {@link InvalidInputException} naming the option.
     */
    public static SnapshotSettings settings(String method, int stages, double epsilon, double epsilonTarget,
                                            double outlierCost, double tolerance, int maxIterations,
                                            int checkInterval, String costNormalization, boolean referenceParity,
                                            String kernelPrecision, int threads, double timeStep, double idwGamma) {
        return settings(method, stages, epsilon, epsilonTarget, outlierCost, tolerance, maxIterations, checkInterval,
                costNormalization, referenceParity, kernelPrecision, threads, timeStep, idwGamma, "auto",
                SnapshotSettings.DEFAULT_TILE_ROWS);
    }

    /**
     * As above, plus the kernel memory strategy ({@code auto|stored|online|distributed}) and the distributed tile
     * size; a non-auto kernel with a method other than multistage is rejected (only MultistageOT has that kernel).
     */
    public static SnapshotSettings settings(String method, int stages, double epsilon, double epsilonTarget,
                                            double outlierCost, double tolerance, int maxIterations,
                                            int checkInterval, String costNormalization, boolean referenceParity,
                                            String kernelPrecision, int threads, double timeStep, double idwGamma,
                                            String kernel, int tileRows) {
        Method m = Method.parse(method);
        KernelMode mode = KernelMode.parse(kernel);
        if (mode != KernelMode.AUTO && m != Method.MULTISTAGE) {
            throw new InvalidInputException("--kernel " + mode.label() + " applies to --method multistage only;"
                    + " drop it for --method " + m.label() + ".");
        }
        SnapshotSettings.Builder b = SnapshotSettings.builder()
                .method(m)
                .stages(stages)
                .epsilon(epsilon)
                .epsilonTarget(epsilonTarget)
                .outlierCost(outlierCost)
                .tolerance(tolerance)
                .maxIterations(maxIterations)
                .checkInterval(checkInterval)
                .costNormalization(costNormalization(costNormalization, m))
                .kernelPrecision(KernelPrecision.parse(kernelPrecision))
                .timeStep(timeStep)
                .idwGamma(idwGamma)
                .kernelMode(mode)
                .tileRows(tileRows);
        if (threads > 0) {
            b.threads(threads);
        } else if (threads < 0) {
            throw InvalidInputException.parameter("threads", threads, "must be >= 1 (0 = all available processors)");
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

    private static CostNormalization costNormalization(String costNormalization, Method m) {
        if (AUTO.equalsIgnoreCase(costNormalization.trim())) {
            return m == Method.STATIONARY ? CostNormalization.MEAN : CostNormalization.MEDIAN;
        }
        return CostNormalization.parse(costNormalization);
    }
}
