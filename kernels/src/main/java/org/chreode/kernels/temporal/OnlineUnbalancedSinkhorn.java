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
    private final int coarseCells;
    private final long seed;
    private final boolean translationInvariant;
    private final double overRelaxation;

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
        this(new UnbalancedSinkhorn(epsilon, tauA, tauB, tolerance, maxIterations),
                InvalidInputException.requireAtLeast("threads", threads, 1), 0, 0L, false, 1.0);
    }

    private OnlineUnbalancedSinkhorn(UnbalancedSinkhorn settings, int threads, int coarseCells, long seed,
                                     boolean translationInvariant, double overRelaxation) {
        this.overRelaxation = overRelaxation;
        this.settings = settings;
        this.threads = threads;
        this.coarseCells = coarseCells;
        this.seed = seed;
        this.translationInvariant = translationInvariant;
    }

    /**
     * A copy that adds the translation-invariant step of Séjourné et al. (2022) after every iteration: the dual is
     * maximised exactly along (f + t, g − t), which leaves f ⊕ g (so the kernel term) unchanged, and for KL
     * marginal penalties the optimum is closed-form,
     * <pre>
     *   t = ( LSE_i(log a_i − f_i/λ_a) − LSE_j(log b_j − g_j/λ_b) ) / (1/λ_a + 1/λ_b),     1/λ = (1 − τ)/(τ ε)
     * </pre>
     * (1/λ = 0 for a hard marginal; no step when both are hard). It is an exact ascent step on the same strictly
     * concave dual, so the fixed point is unchanged; it removes the slow global-mass mode that makes plain
     * unbalanced Sinkhorn take many iterations when τ is close to 1. Iteration counts then differ from
     * {@link UnbalancedSinkhorn}'s.
     */
    public OnlineUnbalancedSinkhorn withTranslationInvariance(boolean on) {
        return new OnlineUnbalancedSinkhorn(settings, threads, coarseCells, seed, on, overRelaxation);
    }

    /**
     * A copy with over-relaxed updates, f ← (1 − ω) f + ω T_f(g) and likewise for g (T = the plain update). Every
     * fixed point of the plain map is one of the relaxed map, so the answer is the same; ω ∈ [1, 2), 1 = plain.
     * Over-relaxation speeds up the linear convergence of Sinkhorn at small ε (Thibault et al. 2017; Lehmann,
     * von Renesse, Sambale, Uschmajew 2021).
     */
    public OnlineUnbalancedSinkhorn withOverRelaxation(double omega) {
        if (!(omega >= 1 && omega < 2)) {
            throw InvalidInputException.parameter("overRelaxation", omega, "must lie in [1, 2)");
        }
        return new OnlineUnbalancedSinkhorn(settings, threads, coarseCells, seed, translationInvariant, omega);
    }

    public double overRelaxation() {
        return overRelaxation;
    }

    public boolean translationInvariant() {
        return translationInvariant;
    }

    /**
     * A copy that starts from a coarse solve: {@code cells} sources and {@code cells} targets drawn uniformly
     * (seeded) are solved first (same ε, τ, tolerance; marginals rescaled to the full totals), and the full source
     * potentials start at the soft c-transform of the coarse target potentials,
     * <pre>
     *   f⁰_i = τ_a ( ε log a_i − ε [ log(m/|T|) + LSE_{j∈T}((g^T_j − C_ij)/ε) ] ),
     * </pre>
     * the sample standing for all m targets. Only the starting point changes, so the fixed point (and the stopping
     * rule) is the same; what it saves is the iterations the full problem spends in the first, coarse-scale phase.
     * Skipped when neither side has more than 2·cells cells.
     *
     * @param cells sample size per side, ≥ 1 (0 switches the coarse start off)
     * @param seed  sampling seed
     */
    public OnlineUnbalancedSinkhorn withCoarseStart(int cells, long seed) {
        return new OnlineUnbalancedSinkhorn(settings, threads,
                InvalidInputException.requireAtLeast("coarseCells", cells, 0), seed, translationInvariant,
                overRelaxation);
    }

    public int coarseCells() {
        return coarseCells;
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
        double[] initialF = coarseStart(cost, a, b, progress);
        try (Workers workers = new Workers(threads)) {
            return new Run(cost, a, b, workers, progress).iterate(initialF);
        }
    }

    /** f⁰ from a coarse solve (see {@link #withCoarseStart}), or null for the cold start f = 0. */
    private double[] coarseStart(PointCloudCost cost, double[] a, double[] b, IterationListener progress) {
        int n = a.length;
        int m = b.length;
        if (coarseCells == 0 || (n <= 2 * coarseCells && m <= 2 * coarseCells)) {
            return null;
        }
        java.util.Random rnd = new java.util.Random(seed);
        int[] sources = sample(n, coarseCells, rnd);
        int[] targets = sample(m, coarseCells, rnd);
        double[] aS = rescaled(a, sources);
        double[] bT = rescaled(b, targets);
        if (aS == null || bT == null) {
            return null;
        }
        long start = System.nanoTime();
        UnbalancedSinkhorn.Result coarse = new OnlineUnbalancedSinkhorn(settings, threads, 0, seed, translationInvariant,
                overRelaxation)
                .solve(cost.restricted(sources, targets), aS, bT, (phase, it, max, err, e, ns) ->
                        progress.onCheck("coarse start (" + sources.length + " x " + targets.length + ")", it, max,
                                err, e, ns));
        double[] gT = coarse.g();
        double epsilon = settings.epsilon();
        double[] lse = new double[n];
        PointCloudCost extension = cost.restricted(null, targets);
        try (Workers workers = new Workers(threads)) {
            logSumExp(TileSide.of(extension.sources(), extension.scale(), extension.dimension()), gT, epsilon,
                    workers, lse);
        }
        double logFactor = Math.log((double) m / targets.length);
        double[] f = new double[n];
        for (int i = 0; i < n; i++) {
            f[i] = a[i] > 0 && lse[i] != Double.NEGATIVE_INFINITY
                    ? settings.tauA() * (epsilon * Math.log(a[i]) - epsilon * (logFactor + lse[i]))
                    : Double.NEGATIVE_INFINITY;
        }
        progress.onNote("coarse start", String.format(java.util.Locale.ROOT,
                "coarse solve %d x %d: %d iterations, %s, %.1f s", sources.length, targets.length,
                coarse.convergence().iterations(), coarse.convergence().status(),
                (System.nanoTime() - start) / 1e9));
        return f;
    }

    /** size distinct indices of 0..count−1, sorted (all of them when count ≤ size). */
    private static int[] sample(int count, int size, java.util.Random rnd) {
        if (count <= size) {
            int[] all = new int[count];
            for (int i = 0; i < count; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] perm = new int[count];
        for (int i = 0; i < count; i++) {
            perm[i] = i;
        }
        for (int i = 0; i < size; i++) {
            int j = i + rnd.nextInt(count - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int[] out = Arrays.copyOf(perm, size);
        Arrays.sort(out);
        return out;
    }

    /** w restricted to idx and rescaled to w's total; null when the restriction has no mass. */
    private static double[] rescaled(double[] w, int[] idx) {
        double total = 0;
        for (double v : w) {
            total += v;
        }
        double part = 0;
        double[] out = new double[idx.length];
        for (int k = 0; k < idx.length; k++) {
            out[k] = w[idx[k]];
            part += out[k];
        }
        if (!(part > 0)) {
            return null;
        }
        for (int k = 0; k < out.length; k++) {
            out[k] *= total / part;
        }
        return out;
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

        UnbalancedSinkhorn.Result iterate(double[] initialF) {
            double epsilon = settings.epsilon();
            int maxIterations = settings.maxIterations();
            int n = a.length;
            int m = b.length;
            double[] f = new double[n];
            double[] g = new double[m];
            for (int i = 0; i < n; i++) {
                f[i] = a[i] > 0 ? (initialF == null ? 0.0 : initialF[i]) : Double.NEGATIVE_INFINITY;
            }
            for (int j = 0; j < m; j++) {
                g[j] = b[j] > 0 ? 0.0 : Double.NEGATIVE_INFINITY;
            }
            double[] fNew = new double[n];
            double[] gNew = new double[m];
            double[] lse = new double[Math.max(n, m)];
            PotentialIterationLog log = new PotentialIterationLog("Online unbalanced Sinkhorn",
                    "online unbalanced sinkhorn", maxIterations, epsilon, listener);
            int iterations = 0;
            double error = Double.NaN;
            Convergence.Status status = Convergence.Status.MAX_ITERATIONS;
            for (int it = 0; it < maxIterations; it++) {
                update(rowsAreTargets, f, logB, settings.tauB(), lse, gNew);
                relax(g, gNew);
                update(rowsAreSources, gNew, logA, settings.tauA(), lse, fNew);
                relax(f, fNew);
                if (translationInvariant) {
                    translate(fNew, gNew);
                }
                error = Math.max(change(f, fNew), change(g, gNew));
                double[] swap = f;
                f = fNew;
                fNew = swap;
                swap = g;
                g = gNew;
                gNew = swap;
                iterations = it + 1;
                if (log.record(iterations, error, settings.tolerance())) {
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
            Convergence convergence = new Convergence(status, iterations, log.recorded(), error,
                    Math.max(rowError, colError), epsilon, log.history());
            return new UnbalancedSinkhorn.Result(f, g, epsilon, settings.tauA(), settings.tauB(), convergence,
                    rowError, colError, l1(rows, a), l1(cols, b), total);
        }

        /** now ← (1 − ω) old + ω now on finite entries (no-op for ω = 1). */
        private void relax(double[] old, double[] now) {
            if (overRelaxation == 1.0) {
                return;
            }
            for (int i = 0; i < now.length; i++) {
                if (now[i] != Double.NEGATIVE_INFINITY && old[i] != Double.NEGATIVE_INFINITY) {
                    now[i] = (1 - overRelaxation) * old[i] + overRelaxation * now[i];
                }
            }
        }

        /** The exact dual ascent step along (f + t, g − t) (see {@link #withTranslationInvariance}). */
        private void translate(double[] f, double[] g) {
            double epsilon = settings.epsilon();
            double invLambdaA = (1 - settings.tauA()) / (settings.tauA() * epsilon);
            double invLambdaB = (1 - settings.tauB()) / (settings.tauB() * epsilon);
            if (invLambdaA + invLambdaB == 0) {
                return;
            }
            double t = (logMass(logA, f, invLambdaA) - logMass(logB, g, invLambdaB)) / (invLambdaA + invLambdaB);
            if (!Double.isFinite(t)) {
                return;
            }
            for (int i = 0; i < f.length; i++) {
                f[i] += t;
            }
            for (int j = 0; j < g.length; j++) {
                g[j] -= t;
            }
        }

        /** LSE_i(logW_i − pot_i/λ) over entries with mass. */
        private double logMass(double[] logW, double[] pot, double invLambda) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < pot.length; i++) {
                if (logW[i] != Double.NEGATIVE_INFINITY) {
                    max = Math.max(max, logW[i] - pot[i] * invLambda);
                }
            }
            double s = 0;
            for (int i = 0; i < pot.length; i++) {
                if (logW[i] != Double.NEGATIVE_INFINITY) {
                    s += Math.exp(logW[i] - pot[i] * invLambda - max);
                }
            }
            return max + Math.log(s);
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

    /** ‖marginal − w ⊙ exp(−pot/λ)‖₁ with pot/λ = pot·(1 − τ)/(τ ε) (0 for τ = 1); shared with the dense solver. */
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
                    double[] columnsT, double[] columnNorms, double inverseScale) implements java.io.Serializable {

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
