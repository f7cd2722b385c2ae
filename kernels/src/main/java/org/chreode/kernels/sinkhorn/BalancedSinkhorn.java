package org.chreode.kernels.sinkhorn;

import java.util.Arrays;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;

/**
 * Balanced entropic optimal transport on a dense cost matrix, by log-stabilised Sinkhorn iterations.
 *
 * <p><b>Problem.</b> γ = argmin ⟨C, γ⟩ − ε H(γ) subject to γ𝟙 = a, γᵀ𝟙 = b, γ ≥ 0, with H(γ) = −Σ γ_ij (log γ_ij − 1)
 * and Σa = Σb. The solution is γ_ij = exp((f_i + g_j − C_ij)/ε) for dual potentials f, g (f = ε log u, g = ε log v in
 * terms of the Sinkhorn scalings of γ = diag(u) K diag(v), K = exp(−C/ε)).
 *
 * <p><b>Iteration</b> (the order of POT's {@code sinkhorn_knopp}): one iteration is
 * <pre>
 *   g_j ← ε log b_j − ε log Σ_i exp((f_i − C_ij)/ε)      (v = b ⊘ Kᵀu)
 *   f_i ← ε log a_i − ε log Σ_j exp((g_j − C_ij)/ε)      (u = a ⊘ K v)
 * </pre>
 * Zero-mass entries are explicit: a_i = 0 gives f_i = −∞ (u_i = 0) and row i is excluded from every sum, likewise
 * b_j = 0; 1/a is never formed (spec stationaryot.md §1.2 and §6). The updates are evaluated in the absorption form
 * of Schmitzer (2019): the kernel K̃_ij = exp((f̂_i + ĝ_j − C_ij)/ε) is stored for reference potentials (f̂, ĝ), and
 * the iteration runs on scalings u, v relative to them (f = f̂ + ε log u). When a scaling leaves
 * [1/{@value #ABSORPTION_THRESHOLD}, {@value #ABSORPTION_THRESHOLD}] it is absorbed into (f̂, ĝ) and K̃ is rebuilt. If
 * a kernel sum underflows to 0 (or overflows), that half-step is redone exactly in the log domain with a max-shifted
 * log-sum-exp over C, so small ε never produces 0·∞. Per iteration the cost is two dense mat-vecs (parallel over rows).
 *
 * <p><b>Stopping rule</b> (POT semantics): at iterations 0, k, 2k, … (k = {@code checkInterval}, 0-based) the
 * column-marginal error err = ‖γᵀ𝟙 − b‖₂ of the current iterate is computed; the loop stops when
 * err &lt; {@code tolerance}·Σa. Row marginals are exact (up to rounding) after every iteration. One iteration = one
 * g-update plus one f-update.
 *
 * <p><b>When it does not converge</b>: the result has status {@link Convergence.Status#MAX_ITERATIONS}; increase
 * {@code maxIterations} or ε (iterations grow roughly like 1/ε). NaN in the iteration throws
 * {@link NumericalInstabilityException} naming ε and the iteration: use a larger ε or normalise the cost.
 *
 * <p>Instances are immutable, thread-safe settings; all state lives in {@link #solve}.
 *
 * <p>References: M. Cuturi, "Sinkhorn distances", NeurIPS 2013; B. Schmitzer, "Stabilized sparse scaling algorithms
 * for entropy regularized transport problems", SIAM J. Sci. Comput. 41(3):A1443–A1481 (2019); G. Peyré, M. Cuturi,
 * <i>Computational Optimal Transport</i> (2019) §4.4; POT {@code ot.bregman.sinkhorn_knopp} (0.8.2).
 *
 * @since 0.1
 */
public final class BalancedSinkhorn {

    /** Relative stopping threshold on the L2 column-marginal error (statot's default {@code tol}). */
    public static final double DEFAULT_TOLERANCE = 1e-9;
    /** Iteration cap (statot's default {@code maxiter}). */
    public static final int DEFAULT_MAX_ITERATIONS = 5000;
    /** Iterations between error checks (POT checks every 10): a check costs one extra mat-vec. */
    public static final int DEFAULT_CHECK_INTERVAL = 10;
    /** Scalings beyond this factor (or below its inverse) are absorbed into the potentials and K̃ is rebuilt. */
    public static final double ABSORPTION_THRESHOLD = 1e6;


    private final double epsilon;
    private final double tolerance;
    private final int maxIterations;
    private final int checkInterval;

    /** Sinkhorn with default tolerance, iteration cap and check interval. */
    public BalancedSinkhorn(double epsilon) {
        this(epsilon, DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS, DEFAULT_CHECK_INTERVAL);
    }

    /**
     * @param epsilon       entropic regularisation ε &gt; 0, in the units of the cost
     * @param tolerance     relative threshold: stop when ‖γᵀ𝟙 − b‖₂ &lt; tolerance·Σa; &gt; 0
     * @param maxIterations iteration cap, ≥ 1
     * @param checkInterval iterations between error checks, ≥ 1
     * @throws InvalidInputException on a parameter outside its range
     */
    public BalancedSinkhorn(double epsilon, double tolerance, int maxIterations, int checkInterval) {
        this.epsilon = InvalidInputException.requirePositive("epsilon", epsilon);
        this.tolerance = InvalidInputException.requirePositive("tolerance", tolerance);
        this.maxIterations = InvalidInputException.requireAtLeast("maxIterations", maxIterations, 1);
        this.checkInterval = InvalidInputException.requireAtLeast("checkInterval", checkInterval, 1);
    }

    public double epsilon() {
        return epsilon;
    }

    public double tolerance() {
        return tolerance;
    }

    public int maxIterations() {
        return maxIterations;
    }

    public int checkInterval() {
        return checkInterval;
    }

    /**
     * The solved problem: potentials, their regularisation and how the loop ended. Immutable; arrays are copied in
     * and out. The coupling is built only on request, from the same cost matrix.
     *
     * @param f                   row potentials f_i = ε log u_i (−∞ on zero-mass rows)
     * @param g                   column potentials g_j = ε log v_j (−∞ on zero-mass columns)
     * @param epsilon             ε
     * @param convergence         status, iterations, error history (L2 column error at every check)
     * @param rowMarginalError    ‖γ𝟙 − a‖₂ of the returned potentials
     * @param columnMarginalError ‖γᵀ𝟙 − b‖₂ of the returned potentials
     */
    public record Result(double[] f, double[] g, double epsilon, Convergence convergence, double rowMarginalError,
                         double columnMarginalError) {
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
         * The dense coupling γ_ij = exp((f_i + g_j − C_ij)/ε) (0 on zero-mass rows and columns).
         *
         * @param cost the cost matrix the potentials were solved for (not modified)
         * @throws InvalidInputException if its shape differs from the potentials'
         */
        public double[][] coupling(double[][] cost) {
            return DenseEntropicPlans.fromPotentials(cost, f, g, epsilon);
        }
    }

    /**
     * Solves the balanced entropic problem for cost C and marginals a, b.
     *
     * @param cost     n × m cost matrix, finite (not modified)
     * @param a        source marginal, n non-negative finite entries, Σa &gt; 0 (zeros allowed)
     * @param b        target marginal, m non-negative finite entries with Σb = Σa (relative 1e-9)
     * @param listener receives every check (phase {@code "sinkhorn"}, L2 column error)
     * @return potentials and convergence; status MAX_ITERATIONS when the cap was reached first
     * @throws InvalidInputException         on shapes, negative or non-finite masses, unbalanced totals
     * @throws NumericalInstabilityException on NaN during the iteration
     */
    public Result solve(double[][] cost, double[] a, double[] b, IterationListener listener) {
        validate(cost, a, b);
        return new Run(cost, a, b, listener == null ? IterationListener.NONE : listener).iterate();
    }

    private static void validate(double[][] cost, double[] a, double[] b) {
        if (a == null || b == null || a.length == 0 || b.length == 0) {
            throw new InvalidInputException("Sinkhorn needs non-empty marginals a and b.");
        }
        if (cost == null || cost.length != a.length) {
            throw new InvalidInputException("Sinkhorn cost has " + (cost == null ? "no" : cost.length)
                    + " rows but a has " + a.length + " entries.");
        }
        for (int i = 0; i < cost.length; i++) {
            if (cost[i] == null || cost[i].length != b.length) {
                throw new InvalidInputException("Sinkhorn cost row " + i + " has "
                        + (cost[i] == null ? "no" : cost[i].length) + " columns but b has " + b.length + " entries.");
            }
            for (int j = 0; j < b.length; j++) {
                if (!Double.isFinite(cost[i][j])) {
                    throw new InvalidInputException("Sinkhorn cost[" + i + "][" + j + "] = " + cost[i][j]
                            + " is not finite.");
                }
            }
        }
        double sa = mass("a", a);
        double sb = mass("b", b);
        if (!(sa > 0) || Math.abs(sa - sb) > 1e-9 * sa) {
            throw new InvalidInputException("Balanced Sinkhorn needs equal positive total masses: sum(a) = " + sa
                    + ", sum(b) = " + sb + ".");
        }
    }

    private static double mass(String name, double[] w) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            if (!(w[i] >= 0) || Double.isInfinite(w[i])) {
                throw InvalidInputException.parameter(name + "[" + i + "]", w[i], "masses must be finite and >= 0");
            }
            s += w[i];
        }
        return s;
    }


    /** Mutable state of one solve (never shared, never stored in the settings object). */
    private final class Run {
        private final double[][] cost;
        private final double[] a;
        private final double[] b;
        private final IterationListener listener;
        private final int n;
        private final int m;
        private final double[] fHat;
        private final double[] gHat;
        private final double[] u;
        private final double[] v;
        private final double[][] k;
        private final double[][] kt;

        Run(double[][] cost, double[] a, double[] b, IterationListener listener) {
            this.cost = cost;
            this.a = a;
            this.b = b;
            this.listener = listener;
            n = a.length;
            m = b.length;
            fHat = new double[n];
            gHat = new double[m];
            u = new double[n];
            v = new double[m];
            k = new double[n][m];
            kt = new double[m][n];
            for (int i = 0; i < n; i++) {
                fHat[i] = a[i] > 0 ? 0.0 : Double.NEGATIVE_INFINITY;
                u[i] = a[i] > 0 ? 1.0 : 0.0;
            }
            for (int j = 0; j < m; j++) {
                gHat[j] = b[j] > 0 ? 0.0 : Double.NEGATIVE_INFINITY;
                v[j] = b[j] > 0 ? 1.0 : 0.0;
            }
            rebuild();
        }

        Result iterate() {
            long start = System.nanoTime();
            double total = Arrays.stream(a).sum();
            double threshold = tolerance * total;
            double[] history = new double[maxIterations / checkInterval + 1];
            int checks = 0;
            int iterations = 0;
            double error = Double.NaN;
            Convergence.Status status = Convergence.Status.MAX_ITERATIONS;
            for (int it = 0; it < maxIterations; it++) {
                if (!scale(kt, u, b, v)) {          // v = b ⊘ K̃ᵀu, else exact log step on g
                    absorb(u, fHat, a);
                    logStep(false);
                }
                if (!scale(k, v, a, u)) {           // u = a ⊘ K̃ v, else exact log step on f
                    absorb(v, gHat, b);
                    logStep(true);
                }
                if (outOfRange(u, a) || outOfRange(v, b)) {
                    absorb(u, fHat, a);
                    absorb(v, gHat, b);
                    rebuild();
                }
                iterations = it + 1;
                if (it % checkInterval == 0) {
                    error = columnError();
                    history[checks++] = error;
                    listener.onCheck("sinkhorn", iterations, maxIterations, error, epsilon, System.nanoTime() - start);
                    if (Double.isNaN(error)) {
                        throw unstable(iterations);
                    }
                    if (error < threshold) {
                        status = Convergence.Status.CONVERGED;
                        break;
                    }
                }
            }
            double columnError = columnError();
            double rowError = rowError();
            if (Double.isNaN(columnError) || Double.isNaN(rowError)) {
                throw unstable(iterations);
            }
            double[] f = potentials(fHat, u);
            double[] g = potentials(gHat, v);
            Convergence convergence = new Convergence(status, iterations, checks, error,
                    Math.max(rowError, columnError), epsilon, Arrays.copyOf(history, checks));
            return new Result(f, g, epsilon, convergence, rowError, columnError);
        }

        /**
         * out_r = target_r / Σ_c kern[r][c]·in_c (0 where target_r = 0). Returns false if a positive-mass entry got
         * a zero, infinite or NaN denominator (out is then unusable).
         */
        private boolean scale(double[][] kern, double[] in, double[] target, double[] out) {
            DenseEntropicPlans.forEachRow(kern.length, in.length, r -> {
                if (target[r] == 0) {
                    out[r] = 0.0;
                } else {
                    double[] row = kern[r];
                    double s = 0;
                    for (int c = 0; c < row.length; c++) {
                        s += row[c] * in[c];
                    }
                    out[r] = target[r] / s;
                }
            });
            for (int r = 0; r < out.length; r++) {
                if (target[r] > 0 && !(out[r] > 0 && out[r] < Double.POSITIVE_INFINITY)) {
                    return false;
                }
            }
            return true;
        }

        /** potentials += ε log(scaling); scaling ← 1 on positive-mass entries. */
        private void absorb(double[] scaling, double[] potentials, double[] mass) {
            for (int i = 0; i < scaling.length; i++) {
                if (mass[i] > 0) {
                    potentials[i] += epsilon * Math.log(scaling[i]);
                    scaling[i] = 1.0;
                }
            }
        }

        /**
         * Exact half-step in the log domain with a max-shifted log-sum-exp over C, for the rows' potentials
         * ({@code rows = true}: f from g) or the columns' (g from f); the other side must be absorbed (scaling 1).
         * Rebuilds K̃.
         */
        private void logStep(boolean rows) {
            double[] target = rows ? a : b;
            double[] other = rows ? gHat : fHat;
            double[] out = rows ? fHat : gHat;
            double[] scaling = rows ? u : v;
            int count = rows ? n : m;
            int len = rows ? m : n;
            DenseEntropicPlans.forEachRow(count, len, r -> {
                if (target[r] == 0) {
                    return;
                }
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < len; c++) {
                    max = Math.max(max, other[c] - (rows ? cost[r][c] : cost[c][r]));
                }
                double s = 0;
                for (int c = 0; c < len; c++) {
                    double z = other[c] - (rows ? cost[r][c] : cost[c][r]);
                    if (z != Double.NEGATIVE_INFINITY) {
                        s += Math.exp((z - max) / epsilon);
                    }
                }
                out[r] = epsilon * Math.log(target[r]) - max - epsilon * Math.log(s);
            });
            for (int r = 0; r < count; r++) {
                if (target[r] > 0) {
                    if (!Double.isFinite(out[r])) {
                        throw unstable(-1);
                    }
                    scaling[r] = 1.0;
                }
            }
            rebuild();
        }

        /** K̃_ij = exp((f̂_i + ĝ_j − C_ij)/ε), and its transpose. */
        private void rebuild() {
            DenseEntropicPlans.forEachRow(n, m, i -> {
                double[] row = k[i];
                for (int j = 0; j < m; j++) {
                    double z = fHat[i] + gHat[j];
                    row[j] = z == Double.NEGATIVE_INFINITY ? 0.0 : Math.exp((z - cost[i][j]) / epsilon);
                }
            });
            DenseEntropicPlans.forEachRow(m, n, j -> {
                double[] col = kt[j];
                for (int i = 0; i < n; i++) {
                    col[i] = k[i][j];
                }
            });
        }

        private boolean outOfRange(double[] scaling, double[] mass) {
            for (int i = 0; i < scaling.length; i++) {
                if (mass[i] > 0 && (scaling[i] > ABSORPTION_THRESHOLD || scaling[i] < 1 / ABSORPTION_THRESHOLD)) {
                    return true;
                }
            }
            return false;
        }

        /** ‖v ⊙ K̃ᵀu − b‖₂. */
        private double columnError() {
            return marginalError(kt, u, v, b);
        }

        /** ‖u ⊙ K̃ v − a‖₂. */
        private double rowError() {
            return marginalError(k, v, u, a);
        }

        private double marginalError(double[][] kern, double[] in, double[] outer, double[] target) {
            double[] diff = new double[kern.length];
            DenseEntropicPlans.forEachRow(kern.length, in.length, r -> {
                double[] row = kern[r];
                double s = 0;
                for (int c = 0; c < row.length; c++) {
                    s += row[c] * in[c];
                }
                diff[r] = outer[r] * s - target[r];
            });
            double sum = 0;
            for (double d : diff) {
                sum += d * d;
            }
            return Math.sqrt(sum);
        }

        private double[] potentials(double[] hat, double[] scaling) {
            double[] p = new double[hat.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = scaling[i] > 0 ? hat[i] + epsilon * Math.log(scaling[i]) : Double.NEGATIVE_INFINITY;
            }
            return p;
        }

        private NumericalInstabilityException unstable(int iteration) {
            return new NumericalInstabilityException("Sinkhorn produced NaN or infinite potentials"
                    + (iteration >= 0 ? " at iteration " + iteration : "") + " with epsilon = " + epsilon
                    + ": the kernel exp(-C/epsilon) under- or overflows; use a larger epsilon (or normalise the cost).",
                    iteration, epsilon);
        }
    }
}
