package org.chreode.kernels.markov;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;

/**
 * Absorption probabilities and mean absorption times of an absorbing Markov chain, solved matrix-free with
 * {@link Gmres}.
 *
 * <p>Order the states as transient T and absorbing S, P = [[Q, R_full], [0, I]] with Q the (row-substochastic)
 * transient-to-transient block. Group the absorbing states into K classes (e.g. lineages) and let
 * R_k = Σ_{s ∈ class k} P[T, s] be the aggregated one-step absorption vector of class k. Then
 * <ul>
 *   <li>the probability of absorption in class k, Z_k (a vector over T), solves (I − Q) Z_k = R_k
 *       (Z = (I − Q)⁻¹ R = N R with the fundamental matrix N);</li>
 *   <li>the mean number of steps before absorption, m, solves (I − Q) m = 𝟙.</li>
 * </ul>
 * One GMRES solve is run per class (as {@code statot.keops.compute_fate_probs} does), warm-started from 0. Only Q's
 * action is used: no dense matrix is formed here. I − Q is non-singular exactly when absorption is certain from
 * every transient state.
 *
 * <p><b>Failure policy.</b> A solve that does not reach the tolerance is retried once from its last iterate with
 * restart min(n, 2·restart), 2·maxIterations and a 100× tighter tolerance (more Krylov directions per cycle is the
 * usual cure for stagnation); if the retry also misses the <em>original</em> tolerance a
 * {@link NumericalInstabilityException} names the class and the residual.
 *
 * <p>References: J. G. Kemeny, J. L. Snell, <i>Finite Markov Chains</i>, Springer (1976), ch. III; spec
 * stationaryot.md §1.3 and §6.
 *
 * @since 0.1
 */
public final class AbsorbingChain {

    private final Gmres gmres;

    /** Absorption with {@link Gmres} default settings and no preconditioner. */
    public AbsorbingChain() {
        this(new Gmres());
    }

    /** @param gmres the solver settings used for every class (its preconditioner, if any, is used as given) */
    public AbsorbingChain(Gmres gmres) {
        if (gmres == null) {
            throw InvalidInputException.parameter("gmres", null, "must not be null");
        }
        this.gmres = gmres;
    }

    public Gmres gmres() {
        return gmres;
    }

    /**
     * Solutions of (I − Q) Z_k = R_k for k = 1..K, one column per right-hand side. Immutable: arrays are copied in
     * and out.
     *
     * @param values     nTransient × K solution matrix (row = transient state, column = right-hand side)
     * @param iterations GMRES iterations per column (both attempts added up)
     * @param residuals  true relative residual ‖R_k − (I − Q) Z_k‖/‖R_k‖ per column
     * @param converged  whether every column met the tolerance (always true for a returned result, since a miss
     *                   throws; kept for reporting)
     */
    public record Result(double[][] values, int[] iterations, double[] residuals, boolean converged) {
        public Result {
            values = deepCopy(values);
            iterations = iterations.clone();
            residuals = residuals.clone();
        }

        @Override
        public double[][] values() {
            return deepCopy(values);
        }

        @Override
        public int[] iterations() {
            return iterations.clone();
        }

        @Override
        public double[] residuals() {
            return residuals.clone();
        }

        /** Column k of {@link #values()} (a fresh array). */
        public double[] column(int k) {
            double[] out = new double[values.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = values[i][k];
            }
            return out;
        }

        /** Number of transient states. */
        public int transientCount() {
            return values.length;
        }

        private static double[][] deepCopy(double[][] a) {
            double[][] out = new double[a.length][];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i].clone();
            }
            return out;
        }
    }

    /**
     * Absorption probabilities per class: Z_k = (I − Q)⁻¹ R_k.
     *
     * @param q        the transient-to-transient block Q as an operator
     * @param r        R aggregated per class, {@code r[k]} of length nTransient (not modified)
     * @param listener receives each solve's residual per cycle, phase {@code "gmres class k"}
     * @return Z (nTransient × K)
     * @throws InvalidInputException          on dimension mismatches or an empty class list
     * @throws NumericalInstabilityException  if a class does not reach the tolerance after one retry
     */
    public Result absorptionProbabilities(LinearOperator q, double[][] r, IterationListener listener) {
        if (r == null || r.length == 0) {
            throw new InvalidInputException("Absorbing chain needs at least one absorbing class (R has no rows).");
        }
        return solveAll(q, r, "class", listener);
    }

    /**
     * Mean absorption times m = (I − Q)⁻¹ 𝟙 (expected number of steps before absorption from each transient state).
     *
     * @return a one-column result
     * @throws NumericalInstabilityException if the solve does not reach the tolerance after one retry
     */
    public Result meanAbsorptionTimes(LinearOperator q, IterationListener listener) {
        double[] ones = new double[q.dimension()];
        java.util.Arrays.fill(ones, 1.0);
        return solveAll(q, new double[][] {ones}, "time", listener);
    }

    private Result solveAll(LinearOperator q, double[][] r, String what, IterationListener listener) {
        LinearOperator system = identityMinus(q);
        int n = system.dimension();
        double[][] values = new double[n][r.length];
        int[] iterations = new int[r.length];
        double[] residuals = new double[r.length];
        for (int k = 0; k < r.length; k++) {
            if (r[k] == null || r[k].length != n) {
                throw new InvalidInputException("Absorbing chain right-hand side " + k + " has length "
                        + (r[k] == null ? "null" : r[k].length) + " but Q has dimension " + n + ".");
            }
            String phase = "gmres " + what + " " + k;
            KrylovResult first = gmres.solve(system, r[k], null, listener, phase);
            KrylovResult result = first;
            if (!first.converged()) {
                Gmres retry = gmres.withRestart(Math.min(n, 2 * gmres.restart()))
                        .withMaxIterations(2 * gmres.maxIterations())
                        .withTolerance(gmres.tolerance() / 100);
                result = retry.solve(system, r[k], first.solution(), listener, phase + " retry");
                if (!(result.relativeResidual() <= gmres.tolerance())) {
                    throw new NumericalInstabilityException("Absorbing-chain solve (I - Q) z = r for " + what + " "
                            + k + " did not converge: relative residual " + result.relativeResidual()
                            + " > tolerance " + gmres.tolerance() + " after " + (first.iterations()
                            + result.iterations()) + " GMRES iterations (retried with restart "
                            + retry.restart() + "). Check that absorption is reachable from every transient state,"
                            + " or raise maxIterations/restart.", first.iterations() + result.iterations(), Double.NaN);
                }
            }
            double[] z = result.solution();
            for (int i = 0; i < n; i++) {
                values[i][k] = z[i];
            }
            iterations[k] = first == result ? first.iterations() : first.iterations() + result.iterations();
            residuals[k] = result.relativeResidual();
        }
        return new Result(values, iterations, residuals, true);
    }

    /** The operator x ↦ x − Q x. */
    static LinearOperator identityMinus(LinearOperator q) {
        if (q == null) {
            throw InvalidInputException.parameter("Q", null, "must not be null");
        }
        return new LinearOperator() {
            @Override
            public int dimension() {
                return q.dimension();
            }

            @Override
            public void apply(double[] x, double[] y) {
                q.apply(x, y);
                for (int i = 0; i < y.length; i++) {
                    y[i] = x[i] - y[i];
                }
            }
        };
    }
}
