package org.chreode.kernels.temporal;

import java.util.Arrays;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.sinkhorn.DenseEntropicPlans;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;

/**
 * Unbalanced entropic optimal transport between two time points (Waddington-OT / moscot), on a dense cost
 * matrix, by log-domain (log-sum-exp stabilised) scaling iterations.
 *
 * <p><b>Problem</b> (spec {@code unbalanced_temporal_ot.md} §1, OTT/moscot convention):
 * <pre>
 *   min_{P ≥ 0}  ⟨C, P⟩ + ε Σ_ij P_ij (log P_ij − 1) + λ_a KL(P𝟙 | a) + λ_b KL(Pᵀ𝟙 | b)
 *   KL(x | y) = Σ x log(x/y) − x + y,      τ = λ / (λ + ε)  ⇔  λ = τ ε / (1 − τ)
 * </pre>
 * with τ_a, τ_b ∈ (0, 1]; τ = 1 is a hard (balanced) marginal. WOT's λ₁ (source) and λ₂ (target) map to τ_a, τ_b
 * by {@link #tauFromLambda}. The solution is P_ij = exp((f_i + g_j − C_ij)/ε) = diag(u)·K·diag(v), K = exp(−C/ε).
 *
 * <p><b>Iteration</b> (spec §1.1). Potentials start at f = g = 0 (−∞ on zero-mass entries, which are then excluded
 * from every sum); one iteration is
 * <pre>
 *   g_j ← τ_b · ( ε log b_j − ε LSE_i( (f_i − C_ij)/ε ) )
 *   f_i ← τ_a · ( ε log a_i − ε LSE_j( (g_j − C_ij)/ε ) )        (uses the new g)
 * </pre>
 * with a max-shifted log-sum-exp, so no kernel entry ever under- or overflows. Cost per iteration: two passes over
 * the n × m cost (parallel over rows for large problems); the cost and its transpose are held in memory (an online
 * variant that recomputes cost tiles is later work).
 *
 * <p><b>Stopping rule</b>: after every iteration, err = max(‖Δf‖∞, ‖Δg‖∞) (change of the potentials over that
 * iteration, in cost units, zero-mass entries skipped); stop when err &lt; {@code tolerance}. (moscot/OTT use a
 * relative change with threshold 1e-3; parity with its stored couplings needs a much tighter absolute rule, see
 * spec §7.1, hence {@link #DEFAULT_TOLERANCE}.)
 *
 * <p><b>Marginal errors</b> reported by the result: the fixed point satisfies P𝟙 = a ⊙ exp(−f/λ_a) (and
 * Pᵀ𝟙 = b ⊙ exp(−g/λ_b)); for τ = 1 this is P𝟙 = a. The row (column) marginal error is the L1 distance
 * ‖P𝟙 − a ⊙ exp(−f/λ_a)‖₁; it tends to 0 at convergence for every τ. {@link Convergence#marginalError()} is the
 * larger of the two. The mass actually created or destroyed is ‖P𝟙 − a‖₁ (see {@link Result#rowMassChange}).
 *
 * <p><b>When it does not converge</b>: the result carries status {@link Convergence.Status#MAX_ITERATIONS}; raise
 * {@code maxIterations}, raise ε (iterations grow roughly like 1/ε), or normalise the cost ({@link TemporalCost}).
 * Smaller τ (stronger relaxation) converges faster. NaN or infinity in the potentials throws
 * {@link NumericalInstabilityException} naming the iteration and ε.
 *
 * <p>Instances are immutable, thread-safe settings; all state lives inside {@link #solve}.
 *
 * <p>References: L. Chizat, G. Peyré, B. Schmitzer, F.-X. Vialard, "Scaling algorithms for unbalanced optimal
 * transport problems", Math. Comp. 87 (2018); G. Schiebinger et al., Cell 176:928 (2019) (WOT); D. Klein et al.,
 * Nature 638:1065 (2025) (moscot); OTT-JAX {@code sinkhorn} with {@code lse_mode=True}.
 *
 * @since 0.1
 */
public final class UnbalancedSinkhorn {

    /** Absolute threshold on max(‖Δf‖∞, ‖Δg‖∞): reproduces the moscot fixture (spec §7.1) in ≈ 47 iterations. */
    public static final double DEFAULT_TOLERANCE = 1e-10;
    /** Iteration cap; one iteration costs two passes over the cost. */
    public static final int DEFAULT_MAX_ITERATIONS = 10_000;


    private final double epsilon;
    private final double tauA;
    private final double tauB;
    private final double tolerance;
    private final int maxIterations;

    /** Solver with {@link #DEFAULT_TOLERANCE} and {@link #DEFAULT_MAX_ITERATIONS}. */
    public UnbalancedSinkhorn(double epsilon, double tauA, double tauB) {
        this(epsilon, tauA, tauB, DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS);
    }

    /**
     * @param epsilon       entropic regularisation ε &gt; 0, in units of the (already normalised) cost
     * @param tauA          source relaxation τ_a ∈ (0, 1], 1 = hard source marginal
     * @param tauB          target relaxation τ_b ∈ (0, 1], 1 = hard target marginal
     * @param tolerance     stop when max(‖Δf‖∞, ‖Δg‖∞) &lt; tolerance; &gt; 0
     * @param maxIterations iteration cap, ≥ 1
     * @throws InvalidInputException on a parameter outside its range
     */
    public UnbalancedSinkhorn(double epsilon, double tauA, double tauB, double tolerance, int maxIterations) {
        this.epsilon = InvalidInputException.requirePositive("epsilon", epsilon);
        this.tauA = requireTau("tauA", tauA);
        this.tauB = requireTau("tauB", tauB);
        this.tolerance = InvalidInputException.requirePositive("tolerance", tolerance);
        this.maxIterations = InvalidInputException.requireAtLeast("maxIterations", maxIterations, 1);
    }

    /** τ = λ/(λ + ε) for a WOT marginal penalty λ &gt; 0 (λ = +∞ gives 1). */
    public static double tauFromLambda(double lambda, double epsilon) {
        InvalidInputException.requirePositive("epsilon", epsilon);
        if (!(lambda > 0)) {
            throw InvalidInputException.parameter("lambda", lambda, "must be > 0 (use +Infinity for a hard marginal)");
        }
        return Double.isInfinite(lambda) ? 1.0 : lambda / (lambda + epsilon);
    }

    /** λ = τ ε/(1 − τ) (+∞ for τ = 1). */
    public static double lambdaFromTau(double tau, double epsilon) {
        requireTau("tau", tau);
        InvalidInputException.requirePositive("epsilon", epsilon);
        return tau == 1.0 ? Double.POSITIVE_INFINITY : tau * epsilon / (1 - tau);
    }

    /**
     * Factor converting a moscot-convention coupling with uniform marginals into WOT's tmap scale (spec §3.3):
     * tmap_WOT = n·(n·m)^(−κ)·P, κ = (1−τ_a)(1−τ_b)/(1−τ_aτ_b) (κ = 0, factor n, when either marginal is hard).
     */
    public static double wotScaleFactor(int n, int m, double tauA, double tauB) {
        InvalidInputException.requireAtLeast("n", n, 1);
        InvalidInputException.requireAtLeast("m", m, 1);
        requireTau("tauA", tauA);
        requireTau("tauB", tauB);
        double kappa = tauA * tauB == 1.0 ? 0.0 : (1 - tauA) * (1 - tauB) / (1 - tauA * tauB);
        return n * Math.pow((double) n * m, -kappa);
    }

    private static double requireTau(String name, double tau) {
        if (!(tau > 0 && tau <= 1)) {
            throw InvalidInputException.parameter(name, tau,
                    "must lie in (0, 1] (1 = balanced marginal; tau = lambda / (lambda + epsilon))");
        }
        return tau;
    }

    public double epsilon() {
        return epsilon;
    }

    public double tauA() {
        return tauA;
    }

    public double tauB() {
        return tauB;
    }

    public double tolerance() {
        return tolerance;
    }

    public int maxIterations() {
        return maxIterations;
    }

    /** True when both marginals are hard (τ_a = τ_b = 1). */
    public boolean isBalanced() {
        return tauA == 1.0 && tauB == 1.0;
    }

    /**
     * The solved problem. Immutable; arrays are copied in and out. The coupling is built on request from the cost
     * the potentials were solved for.
     *
     * @param f                   source potentials (−∞ on zero-mass rows)
     * @param g                   target potentials (−∞ on zero-mass columns)
     * @param epsilon             ε
     * @param tauA                τ_a
     * @param tauB                τ_b
     * @param convergence         status, iterations, history of max(‖Δf‖∞, ‖Δg‖∞) (one entry per iteration)
     * @param rowMarginalError    ‖P𝟙 − a ⊙ exp(−f/λ_a)‖₁
     * @param columnMarginalError ‖Pᵀ𝟙 − b ⊙ exp(−g/λ_b)‖₁
     * @param rowMassChange       ‖P𝟙 − a‖₁ (0 for a hard source marginal, up to the marginal error)
     * @param columnMassChange    ‖Pᵀ𝟙 − b‖₁
     * @param totalMass           ΣP
     */
    public record Result(double[] f, double[] g, double epsilon, double tauA, double tauB, Convergence convergence,
                         double rowMarginalError, double columnMarginalError, double rowMassChange,
                         double columnMassChange, double totalMass) {
        public Result {
            f = f.clone();
            g = g.clone();
        }

        @Override
        public double[] f() {
            return f.clone();
        }

        @Override
        public double[] g() {
            return g.clone();
        }

        /**
         * The dense coupling P_ij = exp((f_i + g_j − C_ij)/ε) (0 on zero-mass rows and columns).
         *
         * @param cost the n × m cost matrix the potentials were solved for (not modified)
         * @throws InvalidInputException if its shape differs from the potentials'
         */
        public double[][] coupling(double[][] cost) {
            return DenseEntropicPlans.fromPotentials(cost, f, g, epsilon);
        }

        /** The coupling with row (source) and column (target) ids. */
        public TransportMap transportMap(double[][] cost, String[] sourceIds, String[] targetIds) {
            return new TransportMap(sourceIds, targetIds, coupling(cost));
        }
    }

    /**
     * Solves the unbalanced problem for cost C and marginals a, b (totals may differ).
     *
     * @param cost     n × m cost matrix with finite entries (not modified)
     * @param a        source weights: n finite entries ≥ 0, at least one &gt; 0
     * @param b        target weights: m finite entries ≥ 0, at least one &gt; 0
     * @param listener receives every check (phase {@code "unbalanced sinkhorn"}); may be null
     * @return potentials, marginal errors and convergence (MAX_ITERATIONS when the cap came first)
     * @throws InvalidInputException         on shapes, negative or non-finite entries, all-zero marginals
     * @throws NumericalInstabilityException on NaN or infinite potentials
     */
    public Result solve(double[][] cost, double[] a, double[] b, IterationListener listener) {
        validate(cost, a, b);
        return new Run(cost, a, b, listener == null ? IterationListener.NONE : listener).iterate();
    }

    /** Uniform marginals a = 𝟙/n, b = 𝟙/m (moscot's default without a growth prior). */
    public Result solve(double[][] cost, IterationListener listener) {
        if (cost == null || cost.length == 0 || cost[0] == null || cost[0].length == 0) {
            throw new InvalidInputException("Unbalanced Sinkhorn needs a non-empty cost matrix.");
        }
        return solve(cost, uniform(cost.length), uniform(cost[0].length), listener);
    }

    static double[] uniform(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1.0 / n);
        return w;
    }

    private static void validate(double[][] cost, double[] a, double[] b) {
        if (a == null || b == null || a.length == 0 || b.length == 0) {
            throw new InvalidInputException("Unbalanced Sinkhorn needs non-empty marginals a and b.");
        }
        if (cost == null || cost.length != a.length) {
            throw new InvalidInputException("Unbalanced Sinkhorn cost has " + (cost == null ? "no" : cost.length)
                    + " rows but the source marginal a has " + a.length + " entries.");
        }
        for (int i = 0; i < cost.length; i++) {
            if (cost[i] == null || cost[i].length != b.length) {
                throw new InvalidInputException("Unbalanced Sinkhorn cost row " + i + " has "
                        + (cost[i] == null ? "no" : cost[i].length) + " columns but the target marginal b has "
                        + b.length + " entries.");
            }
            for (int j = 0; j < b.length; j++) {
                if (!Double.isFinite(cost[i][j])) {
                    throw new InvalidInputException("Unbalanced Sinkhorn cost[" + i + "][" + j + "] = " + cost[i][j]
                            + " is not finite.");
                }
            }
        }
        requireMass("a", a);
        requireMass("b", b);
    }

    private static void requireMass(String name, double[] w) {
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

    /** Mutable state of one solve. */
    private final class Run {
        private final double[][] cost;
        private final double[][] costT;
        private final double[] a;
        private final double[] b;
        private final double[] logA;
        private final double[] logB;
        private final IterationListener listener;
        private final int n;
        private final int m;

        Run(double[][] cost, double[] a, double[] b, IterationListener listener) {
            this.cost = cost;
            this.a = a;
            this.b = b;
            this.listener = listener;
            n = a.length;
            m = b.length;
            costT = new double[m][n];
            DenseEntropicPlans.forEachRow(m, n, j -> {
                for (int i = 0; i < n; i++) {
                    costT[j][i] = cost[i][j];
                }
            });
            logA = logs(a);
            logB = logs(b);
        }

        private double[] logs(double[] w) {
            double[] out = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                out[i] = w[i] > 0 ? Math.log(w[i]) : Double.NEGATIVE_INFINITY;
            }
            return out;
        }

        Result iterate() {
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
            PotentialIterationLog log = new PotentialIterationLog("Unbalanced Sinkhorn", "unbalanced sinkhorn",
                    maxIterations, epsilon, listener);
            int iterations = 0;
            double error = Double.NaN;
            Convergence.Status status = Convergence.Status.MAX_ITERATIONS;
            for (int it = 0; it < maxIterations; it++) {
                update(costT, f, logB, tauB, gNew);
                update(cost, gNew, logA, tauA, fNew);
                error = Math.max(change(f, fNew), change(g, gNew));
                double[] swap = f;
                f = fNew;
                fNew = swap;
                swap = g;
                g = gNew;
                gNew = swap;
                iterations = it + 1;
                if (log.record(iterations, error, tolerance)) {
                    status = Convergence.Status.CONVERGED;
                    break;
                }
            }
            double[] rows = new double[n];
            double[] cols = new double[m];
            double[] ff = f;
            double[] gg = g;
            DenseEntropicPlans.forEachRow(n, m, i -> {
                if (ff[i] == Double.NEGATIVE_INFINITY) {
                    return;
                }
                double s = 0;
                for (int j = 0; j < m; j++) {
                    if (gg[j] != Double.NEGATIVE_INFINITY) {
                        s += Math.exp((ff[i] + gg[j] - cost[i][j]) / epsilon);
                    }
                }
                rows[i] = s;
            });
            DenseEntropicPlans.forEachRow(m, n, j -> {
                if (gg[j] == Double.NEGATIVE_INFINITY) {
                    return;
                }
                double s = 0;
                for (int i = 0; i < n; i++) {
                    if (ff[i] != Double.NEGATIVE_INFINITY) {
                        s += Math.exp((ff[i] + gg[j] - costT[j][i]) / epsilon);
                    }
                }
                cols[j] = s;
            });
            double total = 0;
            for (double r : rows) {
                total += r;
            }
            double rowError = OnlineUnbalancedSinkhorn.marginalError(rows, a, f, tauA, epsilon);
            double colError = OnlineUnbalancedSinkhorn.marginalError(cols, b, g, tauB, epsilon);
            Convergence convergence = new Convergence(status, iterations, log.recorded(), error,
                    Math.max(rowError, colError), epsilon, log.history());
            return new Result(f, g, epsilon, tauA, tauB, convergence, rowError, colError,
                    OnlineUnbalancedSinkhorn.l1(rows, a), OnlineUnbalancedSinkhorn.l1(cols, b), total);
        }

        /**
         * out_r = τ (ε logW_r − ε LSE_c((other_c − C_rc)/ε)) over rows r of {@code c} (−∞ where logW_r = −∞).
         */
        private void update(double[][] c, double[] other, double[] logW, double tau, double[] out) {
            int len = other.length;
            DenseEntropicPlans.forEachRow(c.length, len, r -> {
                if (logW[r] == Double.NEGATIVE_INFINITY) {
                    out[r] = Double.NEGATIVE_INFINITY;
                    return;
                }
                double[] row = c[r];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < len; k++) {
                    max = Math.max(max, other[k] - row[k]);
                }
                double s = 0;
                for (int k = 0; k < len; k++) {
                    double z = other[k] - row[k];
                    if (z != Double.NEGATIVE_INFINITY) {
                        s += Math.exp((z - max) / epsilon);
                    }
                }
                out[r] = tau * (epsilon * logW[r] - max - epsilon * Math.log(s));
            });
        }

        private double change(double[] old, double[] now) {
            double d = 0;
            for (int i = 0; i < old.length; i++) {
                if (old[i] != Double.NEGATIVE_INFINITY || now[i] != Double.NEGATIVE_INFINITY) {
                    double x = Math.abs(now[i] - old[i]);
                    d = Double.isNaN(x) ? Double.NaN : Math.max(d, x);
                    if (Double.isNaN(d)) {
                        return d;
                    }
                }
            }
            return d;
        }
    }
}
