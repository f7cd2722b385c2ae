package org.chreode.kernels.lowrank;

import org.chreode.kernels.common.NumericalInstabilityException;
import org.chreode.kernels.linalg.Workers;

/**
 * The Sinkhorn projection of FRLC's mirror-descent steps (spec {@code lowrank.md} §1.2): given a log-kernel
 * logK ∈ ℝ^{p×q}, ε, targets (rowTarget, colTarget) and relaxation factors (ρ_row, ρ_col), at most K alternating
 * dual updates, column first,
 * <pre>
 *   v_j ← ρ_col · (log colTarget_j − LSE_i(u_i + logK_ij))
 *   u_i ← ρ_row · (log rowTarget_i − LSE_j(v_j + logK_ij))
 *   output log P_ij = logK_ij + u_i + v_j
 * </pre>
 * (duals u = f/ε, v = h/ε; ρ = 1 a hard marginal, ρ = λ/(λ + ε) a KL-relaxed one). Stops early when
 * max(‖Δu‖∞, ‖Δv‖∞) &lt; tolerance/ε; when both sides are hard the duals are recentred every 30 updates (u −= mean u,
 * v += mean u, which leaves P unchanged).
 *
 * <p><b>Stabilised scaling form</b> (Schmitzer 2019, "absorption"). Evaluating the log-sum-exps directly costs 2pq
 * exponentials per update. Instead the kernel is stored once relative to reference duals (ū, v̄):
 * K̃_ij = exp(logK_ij + ū_i + v̄_j), and the current duals as scalings α_i = exp(u_i − ū_i), β_j = exp(v_j − v̄_j):
 * <pre>
 *   LSE_i(u_i + logK_ij) = log(Σ_i α_i K̃_ij) − v̄_j,     LSE_j(v_j + logK_ij) = log(Σ_j K̃_ij β_j) − ū_i
 * </pre>
 * so an update is two matrix–vector products instead of 2pq exponentials, the same iterates as the log domain up to
 * rounding. Both products read K̃ in one pass (row i's new α_i is formed from Σ_j K̃_ij β_j and at once added into the
 * next column sums Σ_i α_i K̃_ij), and with a hard row marginal α_i = rowTarget_i / Σ_j K̃_ij β_j needs no logarithm,
 * so the per-row work is 2q multiply-adds and one division (with this form and the FRLC changes that came with it,
 * Hierarchical Refinement at n = 16384 in 30-D needs 5.2× fewer CPU seconds, same result; docs/benchmarks.md). The reference duals are reset to the current ones ("absorbed", K̃ recomputed: pq
 * exponentials) when some |u_i − ū_i| or |v_j − v̄_j| exceeds {@value #ABSORB_BOUND}, so the scalings stay within
 * e^{±30} and no sum overflows; K̃ is first built after one log-domain update, when every row and column of K̃ already
 * carries about its target mass. Entries of K̃ that underflow are below 1e-308 of their row's mass and do not matter.
 * If a sum is nevertheless zero or not finite (an extreme kernel), that update is redone in the log domain and K̃
 * rebuilt, so the result never depends on the scaling form's range.
 *
 * <p>Rows are split into chunks over {@link Workers}; column sums are reduced in chunk order (deterministic for a
 * given thread count).
 */
final class SinkhornProjection {

    /** Largest |dual − reference dual| before the kernel is rebuilt: scalings stay within e^{±30} ≈ 1e±13. */
    static final double ABSORB_BOUND = 30;
    private static final double MAX_SCALING = Math.exp(ABSORB_BOUND);
    private static final int RECENTRE_EVERY = 30;
    /** Rows per parallel chunk (below this, one chunk: threads would cost more than they save). */
    private static final int MIN_CHUNK_ROWS = 4096;

    private SinkhornProjection() {
    }

    /**
     * Projects exp(logK) onto (rowTarget, colTarget); logK is overwritten by log P and returned. f, h are the duals in
     * cost units (f = ε u, h = ε v), warm-started and updated in place.
     *
     * @param tolerance early exit on the largest dual change, in cost units
     * @param iteration the outer iteration, for the error message
     * @throws NumericalInstabilityException when a dual becomes NaN or ∞
     */
    static double[][] project(double[][] logK, double eps, double[] rowTarget, double[] colTarget, double rhoRow,
                              double rhoCol, int maxIter, double[] f, double[] h, double tolerance, int iteration,
                              Workers workers) {
        int p = logK.length;
        int q = logK[0].length;
        double[] u = new double[p];
        double[] v = new double[q];
        double[] la = new double[p];
        double[] lb = new double[q];
        for (int i = 0; i < p; i++) {
            u[i] = f[i] / eps;
            la[i] = Math.log(rowTarget[i]);
        }
        for (int j = 0; j < q; j++) {
            v[j] = h[j] / eps;
            lb[j] = Math.log(colTarget[j]);
        }
        boolean balanced = rhoRow == 1 && rhoCol == 1;
        double threshold = tolerance / eps;
        Scaled scaled = null;
        for (int it = 1; it <= maxIter; it++) {
            double change = scaled == null ? -1 : scaled.update(rowTarget, la, lb, rhoRow, rhoCol);
            if (change < 0) {                                   // first update, or a sum out of range: log domain
                if (scaled != null) {
                    scaled.duals(u, v);
                }
                change = logDomainUpdate(logK, u, v, la, lb, rhoRow, rhoCol);
                scaled = Double.isFinite(change) ? new Scaled(logK, u, v, workers) : null;
            }
            if (!Double.isFinite(change)) {
                throw new NumericalInstabilityException("FRLC met NaN or infinity in the Sinkhorn projection at"
                        + " iteration " + iteration + " (step epsilon " + eps
                        + " on the normalised cost); lower gamma or check the cost.", iteration, eps);
            }
            if (balanced && it % RECENTRE_EVERY == 0) {
                scaled.recentre();
            }
            if (change < threshold) {
                break;
            }
            if (scaled.needsAbsorption()) {
                scaled.duals(u, v);
                scaled = new Scaled(logK, u, v, workers);
            }
        }
        scaled.duals(u, v);
        for (int i = 0; i < p; i++) {
            f[i] = u[i] * eps;
            double[] row = logK[i];
            for (int j = 0; j < q; j++) {
                row[j] += u[i] + v[j];
            }
        }
        for (int j = 0; j < q; j++) {
            h[j] = v[j] * eps;
        }
        return logK;
    }

    /** x·y with four independent accumulators (a plain loop is bound by the latency of one addition chain). */
    static double dot(double[] x, double[] y) {
        int n = x.length;
        int j = 0;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        for (; j + 3 < n; j += 4) {
            s0 += x[j] * y[j];
            s1 += x[j + 1] * y[j + 1];
            s2 += x[j + 2] * y[j + 2];
            s3 += x[j + 3] * y[j + 3];
        }
        for (; j < n; j++) {
            s0 += x[j] * y[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** One column-then-row update with explicit log-sum-exps; returns the largest dual change (NaN/∞ on failure). */
    private static double logDomainUpdate(double[][] logK, double[] u, double[] v, double[] la, double[] lb,
                                          double rhoRow, double rhoCol) {
        int p = logK.length;
        int q = v.length;
        double[] colMax = new double[q];
        double[] colSum = new double[q];
        java.util.Arrays.fill(colMax, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < p; i++) {
            double[] row = logK[i];
            double ui = u[i];
            for (int j = 0; j < q; j++) {
                colMax[j] = Math.max(colMax[j], ui + row[j]);
            }
        }
        for (int i = 0; i < p; i++) {
            double[] row = logK[i];
            double ui = u[i];
            for (int j = 0; j < q; j++) {
                colSum[j] += Math.exp(ui + row[j] - colMax[j]);
            }
        }
        double change = 0;
        for (int j = 0; j < q; j++) {
            double nv = rhoCol * (lb[j] - colMax[j] - Math.log(colSum[j]));
            change = Math.max(change, Math.abs(nv - v[j]));
            v[j] = nv;
        }
        for (int i = 0; i < p; i++) {
            double[] row = logK[i];
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < q; j++) {
                mx = Math.max(mx, v[j] + row[j]);
            }
            double s = 0;
            for (int j = 0; j < q; j++) {
                s += Math.exp(v[j] + row[j] - mx);
            }
            double nu = rhoRow * (la[i] - mx - Math.log(s));
            change = Math.max(change, Math.abs(nu - u[i]));
            u[i] = nu;
        }
        return change;
    }

    /**
     * K̃ = exp(logK + ū𝟙ᵀ + 𝟙v̄ᵀ) with its reference duals ū, v̄ and the scalings α = exp(u − ū), β = exp(v − v̄) of
     * the current duals; also the column sums Σ_i α_i K̃_ij of the current α, accumulated during the previous row
     * pass, so that one update reads K̃ once.
     */
    private static final class Scaled {
        private final double[][] kernel;
        private final double[] uRef;
        private final double[] vRef;
        private double[] alpha;
        private final double[] beta;
        private final Workers workers;
        private final int chunks;
        private double[][] columnSums;                  // per chunk, for the current alpha
        private double[][] nextColumnSums;
        private double[] nextAlpha;
        private final double[] minRatio;
        private final double[] maxRatio;
        private final boolean[] failed;
        private final boolean[] outOfRange;

        Scaled(double[][] logK, double[] u, double[] v, Workers workers) {
            int p = logK.length;
            int q = v.length;
            this.uRef = u.clone();
            this.vRef = v.clone();
            this.kernel = new double[p][q];
            this.alpha = new double[p];
            this.nextAlpha = new double[p];
            this.beta = new double[q];
            this.workers = workers;
            this.chunks = Math.max(1, Math.min(workers.threads(), p / MIN_CHUNK_ROWS));
            this.columnSums = new double[chunks][q];
            this.nextColumnSums = new double[chunks][q];
            this.minRatio = new double[chunks];
            this.maxRatio = new double[chunks];
            this.failed = new boolean[chunks];
            this.outOfRange = new boolean[chunks];
            java.util.Arrays.fill(alpha, 1);
            java.util.Arrays.fill(beta, 1);
            workers.forEachChunk(chunks, c -> {
                double[] sums = columnSums[c];
                for (int i = from(c); i < from(c + 1); i++) {
                    double[] row = logK[i];
                    double[] out = kernel[i];
                    double ui = uRef[i];
                    for (int j = 0; j < q; j++) {
                        out[j] = Math.exp(row[j] + ui + vRef[j]);
                        sums[j] += out[j];
                    }
                }
            });
        }

        private int from(int chunk) {
            return (int) ((long) kernel.length * chunk / chunks);
        }

        /**
         * Column then row update (α, β replaced); returns the largest dual change max(‖Δu‖∞, ‖Δv‖∞), or −1 when a
         * sum is zero or not finite, leaving the state unchanged (the caller falls back to the log domain). With a
         * hard row marginal α_i = rowTarget_i / Σ_j K̃_ij β_j needs no logarithm; |Δu_i| = |log(α_new/α_old)| is taken
         * from the extreme ratios.
         */
        double update(double[] rowTarget, double[] la, double[] lb, double rhoRow, double rhoCol) {
            int q = beta.length;
            double[] newBeta = new double[q];
            double change = 0;
            for (int j = 0; j < q; j++) {
                double s = 0;
                for (int c = 0; c < chunks; c++) {
                    s += columnSums[c][j];
                }
                if (!(s > 0) || s == Double.POSITIVE_INFINITY) {
                    return -1;
                }
                double oldV = vRef[j] + Math.log(beta[j]);
                double newV = rhoCol * (lb[j] - Math.log(s) + vRef[j]);
                change = Math.max(change, Math.abs(newV - oldV));
                newBeta[j] = Math.exp(newV - vRef[j]);
            }
            boolean hardRows = rhoRow == 1;
            workers.forEachChunk(chunks, c -> {
                double[] sums = nextColumnSums[c];
                java.util.Arrays.fill(sums, 0);
                double lo = Double.POSITIVE_INFINITY;
                double hi = 0;
                boolean range = false;
                for (int i = from(c); i < from(c + 1); i++) {
                    double[] row = kernel[i];
                    double t = dot(row, newBeta);
                    if (!(t > 0) || t == Double.POSITIVE_INFINITY) {
                        failed[c] = true;
                        return;
                    }
                    double a = hardRows ? rowTarget[i] / t : Math.exp(rhoRow * (la[i] - Math.log(t) + uRef[i]) - uRef[i]);
                    double ratio = a / alpha[i];
                    lo = Math.min(lo, ratio);
                    hi = Math.max(hi, ratio);
                    range |= a > MAX_SCALING || a < 1 / MAX_SCALING;
                    nextAlpha[i] = a;
                    for (int j = 0; j < q; j++) {
                        sums[j] += a * row[j];
                    }
                }
                minRatio[c] = lo;
                maxRatio[c] = hi;
                outOfRange[c] = range;
            });
            for (int c = 0; c < chunks; c++) {
                if (failed[c]) {
                    java.util.Arrays.fill(failed, false);
                    return -1;
                }
                change = Math.max(change, Math.max(Math.abs(Math.log(minRatio[c])), Math.abs(Math.log(maxRatio[c]))));
            }
            System.arraycopy(newBeta, 0, beta, 0, q);
            double[] swapAlpha = alpha;
            alpha = nextAlpha;
            nextAlpha = swapAlpha;
            double[][] swapSums = columnSums;
            columnSums = nextColumnSums;
            nextColumnSums = swapSums;
            return change;
        }

        /** u = ū + log α, v = v̄ + log β. */
        void duals(double[] u, double[] v) {
            for (int i = 0; i < u.length; i++) {
                u[i] = uRef[i] + Math.log(alpha[i]);
            }
            for (int j = 0; j < v.length; j++) {
                v[j] = vRef[j] + Math.log(beta[j]);
            }
        }

        /** u −= mean u, v += mean u (P unchanged): done on the references, so K̃, α, β stay as they are. */
        void recentre() {
            double mean = 0;
            for (int i = 0; i < uRef.length; i++) {
                mean += uRef[i] + Math.log(alpha[i]);
            }
            mean /= uRef.length;
            for (int i = 0; i < uRef.length; i++) {
                uRef[i] -= mean;
            }
            for (int j = 0; j < vRef.length; j++) {
                vRef[j] += mean;
            }
        }

        /** Some scaling left [e^−30, e^30]: time to rebuild K̃ around the current duals. */
        boolean needsAbsorption() {
            for (boolean b : outOfRange) {
                if (b) {
                    return true;
                }
            }
            for (double b : beta) {
                if (b > MAX_SCALING || b < 1 / MAX_SCALING) {
                    return true;
                }
            }
            return false;
        }
    }
}
