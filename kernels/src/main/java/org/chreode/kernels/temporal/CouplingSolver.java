package org.chreode.kernels.temporal;

import java.io.Serializable;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.KernelMode;

/**
 * The solve of one temporal pair on a fixed cost, for any marginals (spec {@code unbalanced_temporal_ot.md} §3, §9):
 * what {@link GrowthIterations} re-runs with a new source marginal each round, and what the temporal job runs in a
 * Spark task. Implementations: {@link #stored} (dense cost matrix, {@link UnbalancedSinkhorn}), {@link #online}
 * (coordinates only, {@link OnlineUnbalancedSinkhorn}) and the low-rank FRLC solve.
 *
 * @since 0.2
 */
public interface CouplingSolver {

    int sourceCount();

    int targetCount();

    /**
     * Solves for marginals a (n entries ≥ 0) and b (m entries ≥ 0).
     *
     * @param listener progress; may be null
     */
    Solution solve(double[] a, double[] b, IterationListener listener);

    /**
     * One solve.
     *
     * @param coupling    P as an operator (growth, tables, push/pull, sparse export)
     * @param convergence iterations, final error, marginal error
     * @param potentials  the entropic solvers' potentials (null for the low-rank solver)
     */
    record Solution(CouplingOperator coupling, Convergence convergence, UnbalancedSinkhorn.Result potentials)
            implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** Bytes of the stored path for an n × m pair: the cost and the coupling, 8 bytes per entry each. */
    static long storedBytes(long n, long m) {
        return 16 * n * m;
    }

    /**
     * The mode an n × m pair runs in: {@code requested} unless it is auto, which becomes stored when
     * {@link #storedBytes storedBytes(n, m)} ≤ budgetBytes and online otherwise.
     *
     * @throws InvalidInputException for {@code distributed} (a snapshot-only mode)
     */
    static KernelMode resolve(KernelMode requested, long n, long m, long budgetBytes) {
        return switch (requested) {
            case STORED, ONLINE -> requested;
            case AUTO -> storedBytes(n, m) <= budgetBytes ? KernelMode.STORED : KernelMode.ONLINE;
            case DISTRIBUTED -> throw new InvalidInputException("Temporal pairs run stored or online; the"
                    + " distributed kernel is for one large snapshot.");
        };
    }

    /**
     * The stored path: the n × m cost in memory, P formed densely after the solve (2·n·m doubles in all).
     *
     * @param cost   normalised cost (not modified)
     * @param solver settings (ε, τ_a, τ_b, tolerance, iteration cap)
     */
    static CouplingSolver stored(double[][] cost, UnbalancedSinkhorn solver) {
        return new CouplingSolver() {
            @Override
            public int sourceCount() {
                return cost.length;
            }

            @Override
            public int targetCount() {
                return cost[0].length;
            }

            @Override
            public Solution solve(double[] a, double[] b, IterationListener listener) {
                UnbalancedSinkhorn.Result r = solver.solve(cost, a, b, listener);
                return new Solution(new DenseCoupling(r.coupling(cost)), r.convergence(), r);
            }
        };
    }

    /**
     * The online path: coordinates only, the kernel recomputed tile by tile ({@link TileCoupling}); memory
     * O((n + m)·d).
     *
     * @param cost    point-cloud cost
     * @param solver  settings (ε, τ, tolerance, cap, threads, over-relaxation, …)
     */
    static CouplingSolver online(PointCloudCost cost, OnlineUnbalancedSinkhorn solver) {
        return new CouplingSolver() {
            @Override
            public int sourceCount() {
                return cost.sourceCount();
            }

            @Override
            public int targetCount() {
                return cost.targetCount();
            }

            @Override
            public Solution solve(double[] a, double[] b, IterationListener listener) {
                UnbalancedSinkhorn.Result r = solver.solve(cost, a, b, listener);
                return new Solution(new TileCoupling(cost, r, solver.threads()), r.convergence(), r);
            }
        };
    }
}
