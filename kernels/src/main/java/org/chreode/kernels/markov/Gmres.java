package org.chreode.kernels.markov;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;

/**
 * Restarted GMRES(m) for a square, possibly nonsymmetric system {@code A x = b} given matrix-free as a
 * {@link LinearOperator} (Saad &amp; Schultz 1986).
 *
 * <p><b>Method.</b> Each restart cycle starts from the current iterate x, computes r = b − A x and builds an
 * orthonormal basis V of the Krylov space K_m(Â, r̂) by the Arnoldi process with <em>modified</em> Gram-Schmidt,
 * giving the Hessenberg relation Â V_j = V_{j+1} H̄_j. The least-squares problem min ‖β e₁ − H̄_j y‖ is kept in upper
 * triangular form by Givens rotations, so that its residual |g_{j+1}| is known after every step without forming x.
 * At the end of the cycle (after m steps or when the stopping rule holds) y is obtained by back substitution and x is
 * updated. With a preconditioner M⁻¹ (any {@link LinearOperator}, e.g. {@link #jacobi(double[]) Jacobi}):
 * <ul>
 *   <li>{@link Side#RIGHT}: Â = A M⁻¹, r̂ = r, x ← x + M⁻¹ V y. The Givens estimate is the true residual norm
 *       ‖b − A x‖ (up to rounding).</li>
 *   <li>{@link Side#LEFT}: Â = M⁻¹ A, r̂ = M⁻¹ r, x ← x + V y. The Givens estimate is the preconditioned residual
 *       ‖M⁻¹(b − A x)‖; a cycle stops when it is ≤ tolerance·‖M⁻¹ b‖.</li>
 * </ul>
 *
 * <p><b>Stopping rule.</b> Converged when the <em>true</em> relative residual ‖b − A x‖₂ / ‖b‖₂ ≤ {@code tolerance}.
 * The inner (Givens) estimate only ends a cycle early; the true residual is recomputed with one extra application of
 * A after every cycle, and that recomputed value is the one reported in {@link KrylovResult#relativeResidual()}.
 * b = 0 returns x = 0 at once (0 iterations, residual 0). {@link KrylovResult#iterations()} counts Arnoldi steps
 * (one application of A, and of M⁻¹ if any, each), capped by {@code maxIterations}; the residual recomputations are
 * not counted.
 *
 * <p><b>When it does not converge</b> (the result has {@code converged = false}): increase {@code restart} (up to
 * the dimension, which is full GMRES and converges in at most n steps in exact arithmetic), increase
 * {@code maxIterations}, or supply a preconditioner.
 *
 * <p>Instances are immutable settings objects and thread-safe; all working storage lives in {@link #solve}.
 *
 * <p>References: Y. Saad, M. H. Schultz, "GMRES: A generalized minimal residual algorithm for solving nonsymmetric
 * linear systems", SIAM J. Sci. Stat. Comput. 7(3):856–869 (1986); Y. Saad, <i>Iterative Methods for Sparse Linear
 * Systems</i>, 2nd ed., SIAM (2003), §6.5 and §9.3.
 *
 * @since 0.1
 */
public final class Gmres {

    /** Krylov dimension per cycle: larger converges in fewer cycles but costs O(m·n) memory and O(m²·n) work. */
    public static final int DEFAULT_RESTART = 50;
    /** Relative true residual ‖b − A x‖/‖b‖ to reach. */
    public static final double DEFAULT_TOLERANCE = 1e-12;
    /** Cap on Arnoldi steps over all cycles. */
    public static final int DEFAULT_MAX_ITERATIONS = 10_000;

    /** On which side the preconditioner M⁻¹ is applied. */
    public enum Side {
        /** Solve A M⁻¹ u = b, x = M⁻¹ u: the monitored residual is the true one. */
        RIGHT,
        /** Solve M⁻¹ A x = M⁻¹ b: the monitored residual is the preconditioned one. */
        LEFT
    }

    private final int restart;
    private final double tolerance;
    private final int maxIterations;
    private final LinearOperator preconditioner;
    private final Side side;

    /** GMRES with the default settings and no preconditioner. */
    public Gmres() {
        this(DEFAULT_RESTART, DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS, null, Side.RIGHT);
    }

    /**
     * @param restart        Krylov dimension m per cycle, ≥ 1
     * @param tolerance      relative true residual to reach, &gt; 0
     * @param maxIterations  cap on Arnoldi steps, ≥ 1
     * @param preconditioner M⁻¹ applied as an operator, or {@code null} for none
     * @param side           where M⁻¹ is applied (ignored without a preconditioner)
     * @throws InvalidInputException on a parameter outside its range
     */
    public Gmres(int restart, double tolerance, int maxIterations, LinearOperator preconditioner, Side side) {
        this.restart = InvalidInputException.requireAtLeast("restart", restart, 1);
        this.tolerance = InvalidInputException.requirePositive("tolerance", tolerance);
        this.maxIterations = InvalidInputException.requireAtLeast("maxIterations", maxIterations, 1);
        if (side == null) {
            throw InvalidInputException.parameter("side", null, "must be RIGHT or LEFT");
        }
        this.preconditioner = preconditioner;
        this.side = side;
    }

    public int restart() {
        return restart;
    }

    public double tolerance() {
        return tolerance;
    }

    public int maxIterations() {
        return maxIterations;
    }

    public Side side() {
        return side;
    }

    /** The preconditioner M⁻¹, or {@code null}. */
    public LinearOperator preconditioner() {
        return preconditioner;
    }

    public Gmres withRestart(int value) {
        return new Gmres(value, tolerance, maxIterations, preconditioner, side);
    }

    public Gmres withTolerance(double value) {
        return new Gmres(restart, value, maxIterations, preconditioner, side);
    }

    public Gmres withMaxIterations(int value) {
        return new Gmres(restart, tolerance, value, preconditioner, side);
    }

    /** The same settings with preconditioner M⁻¹ ({@code null} for none) applied on {@code where}. */
    public Gmres withPreconditioner(LinearOperator inverse, Side where) {
        return new Gmres(restart, tolerance, maxIterations, inverse, where);
    }

    /**
     * The Jacobi preconditioner M⁻¹ = diag(d)⁻¹.
     *
     * @param diagonal the diagonal d of A (copied); every entry must be finite and non-zero
     * @throws InvalidInputException on a zero or non-finite entry
     */
    public static LinearOperator jacobi(double[] diagonal) {
        double[] inverse = new double[diagonal.length];
        for (int i = 0; i < diagonal.length; i++) {
            if (diagonal[i] == 0 || !Double.isFinite(diagonal[i])) {
                throw InvalidInputException.parameter("diagonal[" + i + "]", diagonal[i],
                        "a Jacobi preconditioner needs finite non-zero diagonal entries");
            }
            inverse[i] = 1.0 / diagonal[i];
        }
        return new LinearOperator() {
            @Override
            public int dimension() {
                return inverse.length;
            }

            @Override
            public void apply(double[] x, double[] y) {
                for (int i = 0; i < inverse.length; i++) {
                    y[i] = inverse[i] * x[i];
                }
            }
        };
    }

    /** {@link #solve(LinearOperator, double[], double[], IterationListener, String)} without progress events. */
    public KrylovResult solve(LinearOperator a, double[] b, double[] x0) {
        return solve(a, b, x0, IterationListener.NONE, "gmres");
    }

    /**
     * Solves A x = b.
     *
     * @param a        the operator A
     * @param b        right-hand side (not modified)
     * @param x0       initial guess (not modified), or {@code null} for 0
     * @param listener receives the true relative residual after every restart cycle
     * @param phase    the phase name passed to the listener
     * @return the iterate with its recomputed true relative residual
     * @throws InvalidInputException on a dimension mismatch or a non-finite right-hand side
     */
    public KrylovResult solve(LinearOperator a, double[] b, double[] x0, IterationListener listener, String phase) {
        int n = a.dimension();
        requireLength("b", b, n);
        if (x0 != null) {
            requireLength("x0", x0, n);
        }
        if (preconditioner != null && preconditioner.dimension() != n) {
            throw new InvalidInputException("GMRES preconditioner has dimension " + preconditioner.dimension()
                    + " but the operator has dimension " + n + ".");
        }
        double bNorm = norm(b);
        if (!Double.isFinite(bNorm)) {
            throw new InvalidInputException("GMRES right-hand side b contains NaN or infinite entries.");
        }
        if (bNorm == 0) {
            return new KrylovResult(new double[n], 0, 0.0, true);
        }
        long start = System.nanoTime();
        IterationListener progress = listener == null ? IterationListener.NONE : listener;
        double[] x = x0 == null ? new double[n] : x0.clone();
        double[] r = new double[n];
        double residual = trueResidual(a, b, x, r) / bNorm;
        boolean left = preconditioner != null && side == Side.LEFT;
        // Inner target for the monitored residual: ||r|| (right/none) or ||M^-1 r|| (left).
        double innerTarget = tolerance * (left ? norm(precondition(b, new double[n])) : bNorm);
        int m = Math.min(restart, n);
        Workspace w = new Workspace(n, m);
        int iterations = 0;
        while (residual > tolerance && iterations < maxIterations) {
            int steps = cycle(a, x, r, w, Math.min(m, maxIterations - iterations), innerTarget, left);
            iterations += steps;
            residual = trueResidual(a, b, x, r) / bNorm;
            progress.onCheck(phase, iterations, maxIterations, residual, Double.NaN, System.nanoTime() - start);
            if (steps == 0 || !Double.isFinite(residual)) {
                break;
            }
        }
        return new KrylovResult(x, iterations, residual, residual <= tolerance);
    }

    /** Arrays of one restart cycle, reused across cycles. */
    private static final class Workspace {
        final double[][] v;
        final double[][] h;
        final double[] cs;
        final double[] sn;
        final double[] g;
        final double[] z;
        final double[] t;

        Workspace(int n, int m) {
            v = new double[m + 1][n];
            h = new double[m + 1][m];
            cs = new double[m];
            sn = new double[m];
            g = new double[m + 1];
            z = new double[n];
            t = new double[n];
        }
    }

    /** One GMRES cycle of at most {@code m} steps from residual r = b − A x; updates x, returns steps taken. */
    private int cycle(LinearOperator a, double[] x, double[] r, Workspace w, int m, double innerTarget,
                      boolean left) {
        double[] r0 = left ? precondition(r, w.t) : r;
        double beta = norm(r0);
        if (beta == 0) {
            return 0;
        }
        scaleInto(r0, 1.0 / beta, w.v[0]);
        java.util.Arrays.fill(w.g, 0.0);
        w.g[0] = beta;
        int j = 0;
        while (j < m) {
            double[] next = w.v[j + 1];
            applyPreconditioned(a, w.v[j], next, w, left);
            for (int i = 0; i <= j; i++) {          // modified Gram-Schmidt
                double hij = dot(next, w.v[i]);
                w.h[i][j] = hij;
                axpy(-hij, w.v[i], next);
            }
            double hNext = norm(next);
            w.h[j + 1][j] = hNext;
            for (int i = 0; i < j; i++) {           // previous rotations on the new column
                double hi = w.h[i][j];
                double hk = w.h[i + 1][j];
                w.h[i][j] = w.cs[i] * hi + w.sn[i] * hk;
                w.h[i + 1][j] = -w.sn[i] * hi + w.cs[i] * hk;
            }
            double rho = Math.hypot(w.h[j][j], hNext);
            w.cs[j] = rho == 0 ? 1.0 : w.h[j][j] / rho;
            w.sn[j] = rho == 0 ? 0.0 : hNext / rho;
            w.h[j][j] = rho;
            w.h[j + 1][j] = 0.0;
            w.g[j + 1] = -w.sn[j] * w.g[j];
            w.g[j] = w.cs[j] * w.g[j];
            j++;
            if (Math.abs(w.g[j]) <= innerTarget || hNext == 0 || rho == 0) {
                break;                               // converged estimate or lucky breakdown
            }
            scaleInto(next, 1.0 / hNext, next);
        }
        double[] y = new double[j];                  // back substitution H y = g
        for (int i = j - 1; i >= 0; i--) {
            double s = w.g[i];
            for (int k = i + 1; k < j; k++) {
                s -= w.h[i][k] * y[k];
            }
            y[i] = w.h[i][i] == 0 ? 0.0 : s / w.h[i][i];
        }
        java.util.Arrays.fill(w.z, 0.0);
        for (int i = 0; i < j; i++) {
            axpy(y[i], w.v[i], w.z);
        }
        double[] dx = preconditioner != null && !left ? precondition(w.z, w.t) : w.z;
        axpy(1.0, dx, x);
        return j;
    }

    /** out = Â v: A M⁻¹ v (right), M⁻¹ A v (left) or A v. */
    private void applyPreconditioned(LinearOperator a, double[] v, double[] out, Workspace w, boolean left) {
        if (preconditioner == null) {
            a.apply(v, out);
        } else if (left) {
            a.apply(v, w.t);
            preconditioner.apply(w.t, out);
        } else {
            preconditioner.apply(v, w.t);
            a.apply(w.t, out);
        }
    }

    private double[] precondition(double[] v, double[] out) {
        preconditioner.apply(v, out);
        return out;
    }

    /** r = b − A x; returns ‖r‖. */
    private static double trueResidual(LinearOperator a, double[] b, double[] x, double[] r) {
        a.apply(x, r);
        for (int i = 0; i < r.length; i++) {
            r[i] = b[i] - r[i];
        }
        return norm(r);
    }

    private static void requireLength(String name, double[] v, int n) {
        if (v == null || v.length != n) {
            throw new InvalidInputException("GMRES " + name + " has length " + (v == null ? "null" : v.length)
                    + " but the operator has dimension " + n + ".");
        }
    }

    static double norm(double[] v) {
        double scale = 0;
        for (double e : v) {
            scale = Math.max(scale, Math.abs(e));
        }
        if (scale == 0 || !Double.isFinite(scale)) {
            return scale;
        }
        double s = 0;
        for (double e : v) {
            double q = e / scale;
            s += q * q;
        }
        return scale * Math.sqrt(s);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += alpha * x[i];
        }
    }

    private static void scaleInto(double[] x, double alpha, double[] out) {
        for (int i = 0; i < x.length; i++) {
            out[i] = alpha * x[i];
        }
    }
}
