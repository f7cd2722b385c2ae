package org.chreode.kernels.snapshot;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelMode;
import org.chreode.kernels.geometry.KernelPrecision;

/**
 * Every setting of a snapshot analysis, in the project vocabulary (CLI {@code --max-iterations} is
 * {@code maxIterations} here and {@code max_iterations} in run.json). Immutable; build with {@link #builder()}.
 *
 * @param method            which fate model
 * @param stages            intermediate transport stages (the reference's {@code n_groups}); T = stages + 1
 * @param epsilon           entropic regularisation in normalised cost units
 * @param epsilonTarget     run the proximal-point loop down to this effective epsilon; NaN = no proximal loop
 * @param outlierCost       cost Q of the auxiliary outlier states, normalised units; NaN = no outlier states
 * @param tolerance         stop when max dual step + infeasibility &lt;= tolerance
 * @param maxIterations     cap on sweeps per Sinkhorn solve
 * @param checkInterval     sweeps between convergence checks (the reference's {@code patience})
 * @param costNormalization how costs are scaled
 * @param referencePlans    assemble plans with the start-of-sweep scalings like the published code (parity mode)
 * @param kernelPrecision   storage precision of the stored kernel
 * @param threads           worker threads for kernel products (&gt;= 1)
 * @param timeStep          StationaryOT time step (delta t)
 * @param idwGamma          IDW exponent gamma
 * @param kernelMode        where the intermediate kernel lives: auto, stored, online or distributed (MultistageOT)
 * @param tileRows          rows (and columns) per tile of the distributed kernel
 */
public record SnapshotSettings(Method method, int stages, double epsilon, double epsilonTarget, double outlierCost,
                               double tolerance, int maxIterations, int checkInterval,
                               CostNormalization costNormalization, boolean referencePlans,
                               KernelPrecision kernelPrecision, int threads, double timeStep, double idwGamma,
                               KernelMode kernelMode, int tileRows) implements java.io.Serializable {

    public static final int DEFAULT_STAGES = 10;
    public static final double DEFAULT_EPSILON = 0.05;
    /** The published notebooks' value: tight enough for fates to 1e-4, loose enough for large inputs. */
    public static final double DEFAULT_TOLERANCE = 1e-4;
    public static final int DEFAULT_MAX_ITERATIONS = 20_000;
    public static final int DEFAULT_CHECK_INTERVAL = 10;
    public static final double DEFAULT_TIME_STEP = 0.25;
    public static final double DEFAULT_IDW_GAMMA = 20;
    /** Rows per tile of {@code --kernel distributed}: a float64 tile of 2048 x 2048 is 32 MiB. */
    public static final int DEFAULT_TILE_ROWS = 2048;

    public SnapshotSettings {
        InvalidInputException.requireAtLeast("stages", stages, 2);
        InvalidInputException.requirePositive("epsilon", epsilon);
        if (!Double.isNaN(epsilonTarget)) {
            InvalidInputException.requirePositive("epsilon-target", epsilonTarget);
            if (epsilonTarget >= epsilon) {
                throw InvalidInputException.parameter("epsilon-target", epsilonTarget,
                        "must be smaller than epsilon = " + epsilon);
            }
        }
        if (!Double.isNaN(outlierCost)) {
            InvalidInputException.requirePositive("outlier-cost", outlierCost);
        }
        InvalidInputException.requirePositive("tolerance", tolerance);
        InvalidInputException.requireAtLeast("max-iterations", maxIterations, 1);
        InvalidInputException.requireAtLeast("check-interval", checkInterval, 1);
        InvalidInputException.requireAtLeast("threads", threads, 1);
        InvalidInputException.requirePositive("time-step", timeStep);
        if (kernelMode == null) {
            throw InvalidInputException.parameter("kernel", null, "must be auto, stored, online or distributed");
        }
        InvalidInputException.requireAtLeast("tile-rows", tileRows, 1);
        if (!(idwGamma >= 0) || Double.isInfinite(idwGamma)) {
            throw InvalidInputException.parameter("idw-gamma", idwGamma, "must be a finite number >= 0");
        }
    }

    public boolean proximal() {
        return !Double.isNaN(epsilonTarget);
    }

    public boolean outlierStates() {
        return !Double.isNaN(outlierCost);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().method(method).stages(stages).epsilon(epsilon).epsilonTarget(epsilonTarget)
                .outlierCost(outlierCost).tolerance(tolerance).maxIterations(maxIterations)
                .checkInterval(checkInterval).costNormalization(costNormalization).referencePlans(referencePlans)
                .kernelPrecision(kernelPrecision).threads(threads).timeStep(timeStep).idwGamma(idwGamma).kernelMode(kernelMode).tileRows(tileRows);
    }

    /** Fluent builder with the documented defaults. */
    public static final class Builder {
        private Method method = Method.MULTISTAGE;
        private int stages = DEFAULT_STAGES;
        private double epsilon = DEFAULT_EPSILON;
        private double epsilonTarget = Double.NaN;
        private double outlierCost = Double.NaN;
        private double tolerance = DEFAULT_TOLERANCE;
        private int maxIterations = DEFAULT_MAX_ITERATIONS;
        private int checkInterval = DEFAULT_CHECK_INTERVAL;
        private CostNormalization costNormalization = CostNormalization.MEDIAN;
        private boolean referencePlans = false;
        private KernelPrecision kernelPrecision = KernelPrecision.FLOAT64;
        private int threads = Runtime.getRuntime().availableProcessors();
        private double timeStep = DEFAULT_TIME_STEP;
        private double idwGamma = DEFAULT_IDW_GAMMA;
        private KernelMode kernelMode = KernelMode.AUTO;
        private int tileRows = DEFAULT_TILE_ROWS;

        public Builder method(Method v) { method = v; return this; }
        public Builder stages(int v) { stages = v; return this; }
        public Builder epsilon(double v) { epsilon = v; return this; }
        public Builder epsilonTarget(double v) { epsilonTarget = v; return this; }
        public Builder outlierCost(double v) { outlierCost = v; return this; }
        public Builder tolerance(double v) { tolerance = v; return this; }
        public Builder maxIterations(int v) { maxIterations = v; return this; }
        public Builder checkInterval(int v) { checkInterval = v; return this; }
        public Builder costNormalization(CostNormalization v) { costNormalization = v; return this; }
        public Builder referencePlans(boolean v) { referencePlans = v; return this; }
        public Builder kernelPrecision(KernelPrecision v) { kernelPrecision = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder timeStep(double v) { timeStep = v; return this; }
        public Builder idwGamma(double v) { idwGamma = v; return this; }
        public Builder kernelMode(KernelMode v) { kernelMode = v; return this; }
        public Builder tileRows(int v) { tileRows = v; return this; }

        /** Reference-parity mode: the published code's median and stale-scaling plans. */
        public Builder referenceParity() {
            return costNormalization(CostNormalization.REFERENCE).referencePlans(true);
        }

        public SnapshotSettings build() {
            return new SnapshotSettings(method, stages, epsilon, epsilonTarget, outlierCost, tolerance,
                    maxIterations, checkInterval, costNormalization, referencePlans, kernelPrecision, threads,
                    timeStep, idwGamma, kernelMode, tileRows);
        }
    }
}
