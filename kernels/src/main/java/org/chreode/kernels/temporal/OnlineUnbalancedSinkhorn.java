package org.chreode.kernels.temporal;

import java.util.Arrays;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;
import org.chreode.kernels.linalg.Workers;

/**
 * Unbalanced entropic OT of one temporal pair without the n × m cost (spec {@code unbalanced_temporal_ot.md} §1.1
 * and §9): the same problem, iteration, stopping rule and fixed point as {@link UnbalancedSinkhorn}, but only the
 * potentials f, g are kept and every half-iteration recomputes the cost tiles from the coordinates of a
 * {@link PointCloudCost}.
 *
 * <p><b>Iteration</b> (identical to the dense solver, τ = λ/(λ+ε), moscot semantics):
 * <pre>
 *   g_j ← τ_b ( ε log b_j − ε LSE_i((f_i − C_ij)/ε) )
 *   f_i ← τ_a ( ε log a_i − ε LSE_j((g_j − C_ij)/ε) )        (uses the new g)
 * </pre>
 * With C_ij = (‖x_i‖² + ‖y_j‖² − 2 x_i·y_j)/s the row term ‖y_j‖²/s leaves the log-sum-exp over i, so one
 * half-iteration is a {@link TileLogSumExp} of w_ji = (f_i − ‖x_i‖²/s) + (2/s) y_j·x_i: blocked products and a
 * vectorised exp, (max, sum) accumulated per column tile in float64. Cost of one iteration: 2·n·m·(d + 1) flops and
 * 2·n·m exponentials; memory O((n + m)·d), no n × m array at any time.
 *
 * <p><b>Stopping rule</b>: err = max(‖Δf‖∞, ‖Δg‖∞) after every iteration, stop when err &lt; {@code tolerance}
 * (as {@link UnbalancedSinkhorn}). Marginal errors are computed at the end by one more pair of tile reductions.
 * <b>When it does not converge</b>: see {@link UnbalancedSinkhorn}; NaN/∞ throws
 * {@link NumericalInstabilityException} naming the iteration and ε.
 *
 * <p>Immutable settings; all state lives inside {@link #solve}.
 *
 * @since 0.2
 */
public final class OnlineUnbalancedSinkhorn {

    /** Rows per parallel chunk: enough work per task (rows × all columns) to amortise the scheduling. */
    static final int CHUNK_ROWS = 64;

    private final UnbalancedSinkhorn settings;
    private final int threads;

    /**
     * @param epsilon       ε &gt; 0 in units of the normalised cost
     * @param tauA          τ_a ∈ (0, 1]
     * @param tauB          τ_b ∈ (0, 1]
     * @param tolerance     stop when max(‖Δf‖∞, ‖Δg‖∞) &lt; tolerance
     * @param maxIterations iteration cap ≥ 1
     * @param threads       worker threads ≥ 1
     */
    public OnlineUnbalancedSinkhorn(double epsilon, double tauA, double tauB, double tolerance, int maxIterations,
                                    int threads) {
        this.settings = new UnbalancedSinkhorn(epsilon, tauA, tauB, tolerance, maxIterations);
        this.threads = InvalidInputException.requireAtLeast("threads", threads, 1);
    }

    public double epsilon() {
        return settings.epsilon();
    }

    public int threads() {
        return threads;
    }

    /** Name of the tile primitive in use ("vector-api(8x64)" or "scalar"), for logs and benchmarks. */
    public static String implementation() {
        return TileLogSumExp.get().name();
    }

    /**
     * Solves the pair.
     *
     * @param cost     the point-cloud cost
     * @param a        source weights (n entries ≥ 0, some &gt; 0)
     * @param b        target weights (m entries ≥ 0, some &gt; 0)
     * @param listener one check per iteration (phase {@code "online unbalanced sinkhorn"}); may be null
     * @return the same result type as the dense solver (f, g, convergence, marginal errors, mass)
     */
    public UnbalancedSinkhorn.Result solve(PointCloudCost cost, double[] a, double[] b, IterationListener listener) {
        requireWeights("a", a, cost.sourceCount());
        requireWeights("b", b, cost.targetCount());
        IterationListener progress = listener == null ? IterationListener.NONE : listener;
        try (Workers workers = new Workers(threads)) {
            return new Run(cost, a, b, workers, progress).iterate();
        }
    }

    private static void requireWeights(String name, double[] w, int expected) {
        if (w == null || w.length != expected) {
            throw new InvalidInputException("Marginal " + name + " has " + (w == null ? 0 : w.length)
                    + " entries; the cost has " + expected + ".");
        }
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            if (!(w[i] >= 0) || Double.isInfinite(w[i])) {
                throw InvalidInputException.parameter("marginal " + name + "[" + i + "]", w[i],
                        "weights must be finite and >= 0");
            }
            s += w[i];
        }
        if (!(s > 0)) {
            throw InvalidInputException.parameter("marginal " + name, "all zeros", "needs at least one weight > 0");
        }
    }

    /**
     * One log-sum-exp sweep: for every row r of {@code side}, LSE_c((pot_c − C_rc)/ε) over its columns, written
     * into {@code out} (−∞ when every column is excluded). Shared by the solver and {@link TileCoupling}.
     */
    static void logSumExp(TileSide tiles, double[] columnPotential, double epsilon, Workers workers, double[] out) {
        logSumExp(tiles, columnPotential, epsilon, workers, out, null);
    }

    /** As above; {@code rowMax}, when not null, receives max_c (pot_c − C_rc)/ε per row. */
    static void logSumExp(TileSide tiles, double[] columnPotential, double epsilon, Workers workers, double[] out,
                          double[] rowMax) {
        int rows = tiles.rowCount();
        int cols = tiles.columnCount();
        int padded = PointCloudCost.padded(cols);
        double[] h = new double[padded];
        Arrays.fill(h, Double.NEGATIVE_INFINITY);
        for (int c = 0; c < cols; c++) {
            h[c] = columnPotential[c] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY
                    : columnPotential[c] - tiles.columnNorms()[c] * tiles.inverseScale();
        }
        double[] max = new double[rows];
        double[] sum = new double[rows];
        TileLogSumExp lse = TileLogSumExp.get();
        double invEps = 1.0 / epsilon;
        int chunks = (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
        workers.forEachChunk(chunks, chunk -> {
            int from = chunk * CHUNK_ROWS;
            int to = Math.min(rows, from + CHUNK_ROWS);
            lse.rows(tiles.scaledRows(), tiles.dimension(), from, to, tiles.columnsT(), padded, h, invEps, max,
                    sum);
        });
        for (int r = 0; r < rows; r++) {
            out[r] = max[r] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY
                    : (max[r] - tiles.rowNorms()[r] * tiles.inverseScale()) * invEps + Math.log(sum[r]);
            if (rowMax != null) {
                rowMax[r] = max[r] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY
                        : (max[r] - tiles.rowNorms()[r] * tiles.inverseScale()) * invEps;
            }
        }
    }

    /** Mutable state of one solve. */
    private final class Run {
        private final TileSide rowsAreSources;
        private final TileSide rowsAreTargets;
        private final double[] a;
        private final double[] b;
        private final double[] logA;
        private final double[] logB;
        private final Workers workers;
        private final IterationListener listener;

        Run(PointCloudCost cost, double[] a, double[] b, Workers workers, IterationListener listener) {
            this.rowsAreSources = TileSide.of(cost.sources(), cost.scale(), cost.dimension());
            this.rowsAreTargets = TileSide.of(cost.targets(), cost.scale(), cost.dimension());
            this.a = a;
            this.b = b;
            this.logA = logs(a);
            this.logB = logs(b);
            this.workers = workers;
            this.listener = listener;
        }

        private double[] logs(double[] w) {
            double[] out = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                out[i] = w[i] > 0 ? Math.log(w[i]) : Double.NEGATIVE_INFINITY;
            }
            return out;
        }

        UnbalancedSinkhorn.Result iterate() {
            double epsilon = settings.epsilon();
            int maxIterations = settings.maxIterations();
            long start = System.nanoTime();
            int n = a.length;
            int m = b.length;
            double[] f = new double[n];
            double[] g = new double[m];
            for (int i = 0; i < n; i++) {
                f[i] = a[i] > 0 ? 0.0 : Double.NEGATIVE_INFINITY;
            }
            for (int j = 0; j < m; j++) {
                g[j] = b[j] > 0 ? 0.0 : Double.NEGATIVE_INFINITY;
            }
            double[] fNew = new double[n];
            double[] gNew = new double[m];
            double[] lse = new double[Math.max(n, m)];
            double[] history = new double[Math.min(maxIterations, 1 << 16)];
            int recorded = 0;
            int iterations = 0;
            double error = Double.NaN;
            Convergence.Status status = Convergence.Status.MAX_ITERATIONS;
            for (int it = 0; it < maxIterations; it++) {
                update(rowsAreTargets, f, logB, settings.tauB(), lse, gNew);
                update(rowsAreSources, gNew, logA, settings.tauA(), lse, fNew);
                error = Math.max(change(f, fNew), change(g, gNew));
                double[] swap = f;
                f = fNew;
                fNew = swap;
                swap = g;
                g = gNew;
                gNew = swap;
                iterations = it + 1;
                if (recorded == history.length) {
                    history = Arrays.copyOf(history, Math.min(maxIterations, history.length * 2));
                }
                history[recorded++] = error;
                listener.onCheck("online unbalanced sinkhorn", iterations, maxIterations, error, epsilon,
                        System.nanoTime() - start);
                if (!Double.isFinite(error)) {
                    throw new NumericalInstabilityException("Online unbalanced Sinkhorn produced non-finite"
                            + " potentials at iteration " + iterations + " (epsilon = " + epsilon + "); normalise"
                            + " the cost or use a larger epsilon.", iterations, epsilon);
                }
                if (error < settings.tolerance()) {
                    status = Convergence.Status.CONVERGED;
                    break;
                }
            }
            TileCoupling coupling = new TileCoupling(rowsAreSources, rowsAreTargets, f, g, epsilon, workers);
            double[] rows = coupling.rowSums();
            double[] cols = coupling.columnSums();
            double total = 0;
            for (double r : rows) {
                total += r;
            }
            double rowError = marginalError(rows, a, f, settings.tauA(), epsilon);
            double colError = marginalError(cols, b, g, settings.tauB(), epsilon);
            Convergence convergence = new Convergence(status, iterations, recorded, error,
                    Math.max(rowError, colError), epsilon, Arrays.copyOf(history, recorded));
            return new UnbalancedSinkhorn.Result(f, g, epsilon, settings.tauA(), settings.tauB(), convergence,
                    rowError, colError, l1(rows, a), l1(cols, b), total);
        }

        /** out_r = τ (ε logW_r − ε LSE_c((other_c − C_rc)/ε)) (−∞ where logW_r = −∞). */
        private void update(TileSide side, double[] other, double[] logW, double tau, double[] lse, double[] out) {
            double epsilon = settings.epsilon();
            logSumExp(side, other, epsilon, workers, lse);
            for (int r = 0; r < out.length; r++) {
                out[r] = logW[r] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY
                        : tau * (epsilon * logW[r] - epsilon * lse[r]);
            }
        }
    }

    static double marginalError(double[] marginal, double[] w, double[] pot, double tau, double epsilon) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            double target = w[i] > 0 ? w[i] * Math.exp(-pot[i] * (1 - tau) / (tau * epsilon)) : 0.0;
            s += Math.abs(marginal[i] - target);
        }
        return s;
    }

    static double l1(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += Math.abs(x[i] - y[i]);
        }
        return s;
    }

    static double change(double[] old, double[] now) {
        double d = 0;
        for (int i = 0; i < old.length; i++) {
            if (old[i] != Double.NEGATIVE_INFINITY || now[i] != Double.NEGATIVE_INFINITY) {
                double x = Math.abs(now[i] - old[i]);
                if (Double.isNaN(x)) {
                    return Double.NaN;
                }
                d = Math.max(d, x);
            }
        }
        return d;
    }

    /**
     * A side of the pair prepared for {@link TileLogSumExp}: rows pre-scaled by 2/s, plus the norms and the
     * transposed columns of the other side.
     */
    record TileSide(int rowCount, int columnCount, int dimension, double[] scaledRows, double[] rowNorms,
                    double[] columnsT, double[] columnNorms, double inverseScale) {

        static TileSide of(PointCloudCost.TileSide side, double scale, int d) {
            double[] scaled = side.rows().clone();
            double factor = 2.0 / scale;
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] *= factor;
            }
            return new TileSide(side.rowCount(), side.columnCount(), d, scaled, side.rowNorms(), side.columnsT(),
                    side.columnNorms(), 1.0 / scale);
        }
    }
}
