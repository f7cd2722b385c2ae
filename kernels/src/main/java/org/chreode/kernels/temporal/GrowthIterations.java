package org.chreode.kernels.temporal;

import java.util.ArrayList;
import java.util.List;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;

/**
 * WOT's growth iterations (spec {@code unbalanced_temporal_ot.md} §4.3, WOT {@code growth_iters}): solve the
 * unbalanced problem k times, each time replacing the growth budget by the one the previous coupling learned.
 *
 * <p>Round r = 1…k, starting from the prior budget G₁ = G (see {@link GrowthPrior}):
 * <pre>
 *   a_r = G_r / ΣG_r,   b fixed (GrowthPrior#targetMarginal)
 *   P_r = UnbalancedSinkhorn(C, a_r, b)
 *   G_{r+1} = (P_r 𝟙) · ΣG                    (learned budget; ΣG = total of the prior, the same in every round)
 *   learned rate_r = G_{r+1}^{1/Δt}           (moscot posterior_growth_rates of round r: (a_post · ΣG)^{1/Δt})
 * </pre>
 * k = 1 is a single solve with the prior. With a hard source marginal (τ_a = 1) P𝟙 = a, so G_{r+1} = G_r: the
 * iterations are a fixed point and learn nothing (WOT uses τ_a &lt; 1 for this).
 *
 * <p>Why ΣG of the prior and not of G_r: a moscot-scale coupling does not conserve total mass even without growth
 * (with the entropy ε Σ P(log P − 1) its total is typically ≠ Σa, e.g. 1.35 on the moscot fixture), so rescaling by
 * ΣG_r would compound that global factor from round to round. The couplings do not depend on this choice (a_r is
 * normalised); only the reported scale of the learned rates does.
 *
 * <p>Immutable settings; thread-safe.
 *
 * @since 0.1
 */
public final class GrowthIterations {

    /** WOT default {@code growth_iters = 1}: one solve with the prior. */
    public static final int DEFAULT_ROUNDS = 1;

    private final UnbalancedSinkhorn solver;
    private final int rounds;

    /**
     * @param solver the per-round dense solver ({@link #solve(double[][], GrowthPrior, IterationListener)})
     * @param rounds k ≥ 1
     */
    public GrowthIterations(UnbalancedSinkhorn solver, int rounds) {
        if (solver == null) {
            throw new InvalidInputException("Growth iterations need a solver.");
        }
        this.solver = solver;
        this.rounds = InvalidInputException.requireAtLeast("growthIters", rounds, 1);
    }

    /** k rounds of any {@link CouplingSolver} ({@link #solve(CouplingSolver, GrowthPrior, IterationListener)}). */
    public GrowthIterations(int rounds) {
        this.solver = null;
        this.rounds = InvalidInputException.requireAtLeast("growthIters", rounds, 1);
    }

    public int rounds() {
        return rounds;
    }

    /**
     * One round.
     *
     * @param solution       the solve of this round
     * @param sourceMarginal a_r used in the solve
     * @param learnedBudget  G_{r+1} = (P_r𝟙)·ΣG (ΣG of the prior)
     * @param learnedRates   G_{r+1}^{1/Δt}
     */
    public record Round(CouplingSolver.Solution solution, double[] sourceMarginal, double[] learnedBudget,
                        double[] learnedRates) {
    }

    /** All rounds, first to last; {@link #last()} holds the coupling to report. */
    public record Result(List<Round> rounds) {
        public Result {
            rounds = List.copyOf(rounds);
        }

        public Round last() {
            return rounds.get(rounds.size() - 1);
        }
    }

    /**
     * Runs the k rounds on a dense cost with the solver given at construction.
     *
     * @param cost     n × m normalised cost (not modified)
     * @param prior    the prior budget of the n source cells
     * @param listener receives every check of every round; may be null
     * @throws InvalidInputException if the prior's size differs from the cost's rows, or a round learns zero mass
     */
    public Result solve(double[][] cost, GrowthPrior prior, IterationListener listener) {
        if (solver == null) {
            throw new IllegalStateException("built without a dense solver: use solve(CouplingSolver, ...)");
        }
        if (cost == null || cost.length == 0) {
            throw new InvalidInputException("The cost matrix is empty.");
        }
        return solve(CouplingSolver.stored(cost, solver), prior, listener);
    }

    /**
     * Runs the k rounds.
     *
     * @param pair     the pair's solver (dense, online or low-rank)
     * @param prior    the prior budget of the n source cells
     * @param listener receives every check of every round (phase suffixed "(growth round r/k)" when k &gt; 1); may be
     *                 null
     * @throws InvalidInputException if the prior's size differs from the pair's sources, or a round learns zero mass
     */
    public Result solve(CouplingSolver pair, GrowthPrior prior, IterationListener listener) {
        if (pair.sourceCount() != prior.size()) {
            throw new InvalidInputException("The growth prior has " + prior.size() + " cells but the pair has "
                    + pair.sourceCount() + " source cells.");
        }
        double[] b = prior.targetMarginal(pair.targetCount());
        double[] budget = prior.budget();
        double scale = 0;
        for (double g : budget) {
            scale += g;
        }
        List<Round> out = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double[] a = GrowthPrior.normalized(budget);
            IterationListener perRound = listener;
            if (listener != null && rounds > 1) {
                String round = " (growth round " + (r + 1) + "/" + rounds + ")";
                perRound = (phase, iteration, max, error, eps, elapsed) -> listener.onCheck(phase + round, iteration,
                        max, error, eps, elapsed);
            }
            CouplingSolver.Solution solution = pair.solve(a, b, perRound);
            double[] rows = solution.coupling().rowSums();
            double[] learned = new double[rows.length];
            double learnedTotal = 0;
            for (int i = 0; i < rows.length; i++) {
                learned[i] = rows[i] * scale;
                learnedTotal += learned[i];
            }
            if (!(learnedTotal > 0)) {
                throw new InvalidInputException("Growth iteration " + (r + 1) + " learned zero mass for every source"
                        + " cell; use a larger --tau-a or --epsilon.");
            }
            out.add(new Round(solution, a, learned, GrowthPrior.ratesOf(learned, prior.deltaT())));
            budget = learned;
        }
        return new Result(out);
    }
}
