package org.chreode.kernels.lowrank;

import java.util.List;

import org.chreode.kernels.common.Convergence;

/**
 * What {@link HiddenMarkovOtSolver} returns: the smoothed factors Q̂_t (n_t × r_t, joint cell–type mass), the
 * transitions T̂^{(t,t+1)} (r_t × r_{t+1}, joint type–type mass: the differentiation map), the convergence of every
 * stage of the forward–backward scheme and the objective Σ_t ⟨C^{(t,t+1)}, P^{(t,t+1)}⟩ (input cost units) after
 * each stage. Immutable; arrays are copied out.
 *
 * @since 0.1
 */
public final class HiddenMarkovOtResult {

    /**
     * One stage of the scheme: a name ("forward 1→2", "backward", "smoothing t=2", "transitions 1→2", ...), how its
     * mirror-descent loop ended, and the objective of the current factors after it (NaN while a factor is missing).
     */
    public record Stage(String name, Convergence convergence, double objective) {
    }

    private final double[][][] q;
    private final double[][][] t;
    private final double[] pairCosts;
    private final double costScale;
    private final List<Stage> stages;
    private final double[] restartObjectives;
    private final int bestRestart;

    HiddenMarkovOtResult(double[][][] q, double[][][] t, double[] pairCosts, double costScale, List<Stage> stages) {
        this(q, t, pairCosts, costScale, stages, null, 0);
    }

    private HiddenMarkovOtResult(double[][][] q, double[][][] t, double[] pairCosts, double costScale,
                                 List<Stage> stages, double[] restartObjectives, int bestRestart) {
        this.q = q;
        this.t = t;
        this.pairCosts = pairCosts;
        this.costScale = costScale;
        this.stages = List.copyOf(stages);
        this.restartObjectives = restartObjectives == null ? new double[] {objectiveOf(pairCosts)}
                : restartObjectives.clone();
        this.bestRestart = bestRestart;
    }

    /** This result as the best of several runs with these objectives. */
    HiddenMarkovOtResult withRestarts(double[] objectives, int best) {
        return new HiddenMarkovOtResult(q, t, pairCosts, costScale, stages, objectives, best);
    }

    /** The objective of every complete run (restart), in seed order; the returned run is the lowest. */
    public double[] restartObjectives() {
        return restartObjectives.clone();
    }

    /** Index (0-based) of the returned run among the restarts (seed = solver seed + this). */
    public int bestRestart() {
        return bestRestart;
    }

    private static double objectiveOf(double[] costs) {
        return LowRankProblem.sum(costs);
    }

    /** Number of time points N. */
    public int timePoints() {
        return q.length;
    }

    /** Q̂_t (n_t × r_t): Q̂_t 𝟙 = a_t = 𝟙/n_t. */
    public double[][] q(int time) {
        return LowRankGeometry.deepCopy(q[time]);
    }

    /** T̂^{(t,t+1)} (r_t × r_{t+1}), total mass 1: the joint type–type transition mass. */
    public double[][] transition(int pair) {
        return LowRankGeometry.deepCopy(t[pair]);
    }

    /** g_t = Q̂_tᵀ𝟙: the latent-type proportions at time t. */
    public double[] proportions(int time) {
        return FrlcResult.columnSums(q[time]);
    }

    /** Row-stochastic kernel diag(1/T𝟙) T: the probability of moving from type z at t to each type at t + 1. */
    public double[][] forwardKernel(int pair) {
        double[][] out = transition(pair);
        for (double[] row : out) {
            double s = 0;
            for (double v : row) {
                s += v;
            }
            for (int l = 0; l < row.length; l++) {
                row[l] = s > 0 ? row[l] / s : 0;
            }
        }
        return out;
    }

    /** argmax_z Q̂_t[i, z] per cell (first index on ties): the latent type of each cell at time t. */
    public int[] labels(int time) {
        double[][] f = q[time];
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            int best = 0;
            for (int z = 1; z < f[i].length; z++) {
                if (f[i][z] > f[i][best]) {
                    best = z;
                }
            }
            out[i] = best;
        }
        return out;
    }

    /** Membership probabilities Q̂_t[i, z] / (Q̂_t𝟙)_i: every row sums to 1. */
    public double[][] memberships(int time) {
        double[][] out = q(time);
        for (double[] row : out) {
            double s = 0;
            for (double v : row) {
                s += v;
            }
            for (int z = 0; z < row.length; z++) {
                row[z] /= s;
            }
        }
        return out;
    }

    /** ⟨C^{(t,t+1)}, P^{(t,t+1)}⟩ in input cost units for the returned factors. */
    public double pairCost(int pair) {
        return pairCosts[pair];
    }

    /** The HM-OT objective Σ_t ⟨C^{(t,t+1)}, P^{(t,t+1)}⟩ (input cost units). */
    public double objective() {
        double s = 0;
        for (double c : pairCosts) {
            s += c;
        }
        return s;
    }

    /** The cost normalisation s (max entry over all consecutive-pair costs): the solver works on C/s. */
    public double costScale() {
        return costScale;
    }

    /** Every stage of the returned run, in the order run. */
    public List<Stage> stages() {
        return stages;
    }

    /** Whether every stage met its stopping rule. */
    public boolean converged() {
        return stages.stream().allMatch(s -> s.convergence().converged());
    }

    /** Sum of the iterations of all stages of the returned run. */
    public int totalIterations() {
        return stages.stream().mapToInt(s -> s.convergence().iterations()).sum();
    }
}
