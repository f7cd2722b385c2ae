package org.chreode.kernels.lowrank;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;

import static org.chreode.kernels.lowrank.LatentCouplingSteps.exp;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.filled;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.frobeniusDistance;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.l1;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.l1Rows;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.lambda;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.log;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.massMatched;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.maxAbs;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.mixWithProduct;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.randomCost;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.rankOneCorrection;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.relax;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.scaled;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.step;

/**
 * Hidden-Markov OT (HM-OT; Halmos, Gold, Liu, Raphael, bioRxiv 10.1101/2025.02.14.638351; spec
 * {@code shared/specs/lowrank.md} §5): latent cell types at every time point and the transitions between them, by the
 * forward–backward scheme of the reference's {@code HM_OT.gamma_smoothing}.
 *
 * <p><b>Model</b> (§5.1). Time points t = 1…N with cells X_t, uniform weights a_t = 𝟙/n_t, factors
 * Q_t ∈ Π(a_t, g_t) (n_t × r_t) and latent couplings T^{(t,t+1)} ∈ Π(g_t, g_{t+1}):
 * <pre>
 *   P^{(t,t+1)} = Q_t diag(1/g_t) T^{(t,t+1)} diag(1/g_{t+1}) Q_{t+1}ᵀ = Q_t Λ_t Q_{t+1}ᵀ,
 *   min Σ_{t=1}^{N−1} ⟨C^{(t,t+1)}, P^{(t,t+1)}⟩,   C^{(t,t+1)}_ij = ‖x_i − y_j‖² (factored, never formed).
 * </pre>
 * Each Q_t is shared by two consecutive pairs. The solver works on Ĉ = C / s with one s for all pairs, the largest
 * entry of any C^{(t,t+1)} ({@link LowRankGeometry#costScale()}), so the pairs keep their relative weight and the
 * stopping rule is scale-free.
 *
 * <p><b>Building block</b> (§5.2, the FRLC step of {@link FrlcSolver} with freezing): mirror descent on a window of
 * consecutive time points lo…hi whose free factors F ⊆ {lo…hi} are updated together (Jacobi), then every latent
 * coupling of the window. One iteration:
 * <pre>
 *   ∇Q_t = [t &gt; lo] Ĉ^{(t−1,t)ᵀ} Q_{t−1} Λ_{t−1} + [t &lt; hi] Ĉ^{(t,t+1)} Q_{t+1} Λ_tᵀ − 𝟙 w_tᵀ,
 *          w_t[z] = (Q_tᵀ ∇Q_t)_zz / g_t[z]                                  (full_grad rank-1 term), t ∈ F
 *   ε = max_{t∈F} ‖∇Q_t‖∞ / γ
 *   Q_t ← Proj(∇Q_t − ε log Q_t; rows a_t hard, columns g_t with ρ; ε; K_rel)
 *          ρ = 1 if g_t is fixed, else τ_in/(τ_in + ε)
 *   g_t ← Q_tᵀ𝟙 (unless fixed)
 *   ∇T_t = diag(1/g_t) (Q_tᵀ Ĉ^{(t,t+1)} Q_{t+1}) diag(1/g_{t+1}),   ε_t = ‖∇T_t‖∞ / γ
 *   T_t ← Proj(∇T_t − ε_t log T_t; g_t, g_{t+1}; ε_t; balanced; K_lat)               for every pair of the window
 * </pre>
 * Proj is the log-domain Sinkhorn projection of {@link FrlcSolver} (warm-started duals within a window, factors kept
 * as logarithms so no entry underflows to an absorbing zero). Stopping rule: after iteration k,
 * Δ_k = Σ_{t∈F} ε² ‖Q_t^k − Q_t^{k−1}‖_F + Σ_t ε_t² ‖T_t^k − T_t^{k−1}‖_F; CONVERGED when k ≥ minIterations and
 * Δ_k ≤ tolerance, MAX_ITERATIONS at k = maxIterations.
 *
 * <p>Initial values of every window: a free Q_t is a random Sinkhorn coupling Proj(U; a_t, g⁰_t; 1/γ; balanced), U
 * uniform on [0, 1), g⁰_t = the fixed proportions or 𝟙/r_t; each T_t is the warm start scaled onto (g_t, g_{t+1})
 * when one is given, else a random Sinkhorn coupling on (g_t, g_{t+1}); then X ← 0.99 X + 0.01 (X𝟙)(Xᵀ𝟙)ᵀ/ΣX for every
 * initial X (the reference's 1 % product mix, so no entry starts at zero). Frozen factors are exact one-hot/n_t
 * matrices: never updated, never mixed. Every window draws from its own split of one seeded generator.
 *
 * <p><b>Forward–backward</b> (§5.3, 1-based):
 * <pre>
 *   N = 2: one window {1, 2}, F = unfrozen of {1, 2}; return.
 *   α-pass: window {1,2} with F = unfrozen of {1,2};
 *           then for t = 2…N−2: window {t, t+1}, Q_t = α-Q_t fixed, F = {t+1} if unfrozen
 *   β-pass: window {N−1,N} with F = unfrozen;
 *           then for t = N−2…1: window {t, t+1}, Q_{t+1} = β-Q_{t+1} fixed, F = {t} if unfrozen
 *   smoothing: Q̂_1 = α-Q_1, Q̂_N = β-Q_N; interior t: frozen → its labels, else window {t−1, t, t+1} with
 *              Q_{t−1} = α-Q_{t−1}, Q_{t+1} = β-Q_{t+1} fixed and F = {t} (the 3-marginal solver)
 *   transitions: for every t, window {t, t+1} with Q̂_t, Q̂_{t+1} fixed and F = ∅ → T̂^{(t,t+1)}
 * </pre>
 * When every time point is frozen only the last step runs (the reference's {@code impute_annotated_transitions}, the
 * "supervised differentiation map"): with Q fixed, ∇T is constant, so k iterations give the entropic OT between
 * types at ε = ‖∇T‖∞/(kγ) — the exact type-level OT for large k.
 *
 * <p><b>Restarts</b>: the scheme runs {@link #withRestarts restarts} times from seeds seed, seed + 1, … and the
 * result with the lowest objective Σ_t L_t is returned (all objectives in
 * {@link HiddenMarkovOtResult#restartObjectives()}): the problem is non-convex and a single random start may end in a
 * local optimum (spec §5.3 has one start).
 *
 * <p><b>Deliberate changes from the reference</b>: (1) with fixed proportions the Q projection is balanced onto g_t
 * (the reference keeps it relaxed toward g with τ_in), so the latent types have exactly the given proportions;
 * (2) one cost scale for all pairs (the reference normalises each pair's cost separately), which keeps Σ_t L_t the
 * objective; (3) the Δ rule sums per-block ε² terms; (4) no warm-up stage: a warm start is given as transitions.
 *
 * <p><b>Defaults</b> (the HM-OT notebooks, spec §2.7): γ = {@value #DEFAULT_GAMMA}, τ_in =
 * {@value #DEFAULT_INNER_MARGINAL_WEIGHT}, iterations {@value #DEFAULT_MIN_ITERATIONS}…{@value #DEFAULT_MAX_ITERATIONS}
 * per window, tolerance {@value #DEFAULT_TOLERANCE}, K_rel = {@value #DEFAULT_FACTOR_ITERATIONS}, K_lat =
 * {@value #DEFAULT_LATENT_ITERATIONS}.
 *
 * <p><b>When it does not converge</b>: a window at its cap is reported with status MAX_ITERATIONS in
 * {@link HiddenMarkovOtResult#stages()} and the result is usable; raise maxIterations or lower γ. NaN or ∞ throws
 * {@link NumericalInstabilityException} naming the stage and iteration: lower γ. The problem is non-convex: another
 * seed, fixed proportions or labels at some time points pin the latent types down.
 *
 * <p>Per iteration of a window O(Σ_t n_t·(d + 2)·r + n_t·r·K_rel + r²·K_lat). Immutable settings; state lives in
 * {@link #solve}.
 *
 * @since 0.1
 */
public final class HiddenMarkovOtSolver {

    /** Mirror-descent step scale γ (HM-OT notebooks: 80; the class default is 90). */
    public static final double DEFAULT_GAMMA = 80;
    /**
     * τ_in: KL weight pulling free inner marginals toward their previous value (FRLC repository 50, HM-OT 1e-4);
     * 5–10 scored best on the branching toy (docs/hmot.md): 50 keeps g near 1/r, ≤ 1 lets types drift or collapse.
     */
    public static final double DEFAULT_INNER_MARGINAL_WEIGHT = 5;
    /** Iteration cap per window. */
    public static final int DEFAULT_MAX_ITERATIONS = 200;
    /** Iterations per window before the stopping rule may fire (the Δ rule fires early: this sets the run length). */
    public static final int DEFAULT_MIN_ITERATIONS = 50;
    /** Threshold on Δ_k. */
    public static final double DEFAULT_TOLERANCE = 5e-6;
    /** Sinkhorn cap per Q projection (early exit on the dual change). */
    public static final int DEFAULT_FACTOR_ITERATIONS = 300;
    /** Sinkhorn cap per T projection and initial projection. */
    public static final int DEFAULT_LATENT_ITERATIONS = 2000;
    /**
     * Complete runs from consecutive seeds, the lowest objective kept. On the branching toy with fixed proportions,
     * 2 of 5 single seeds found the true types (the others a local optimum with a higher objective).
     */
    public static final int DEFAULT_RESTARTS = 4;
    /** Weight of the product coupling in the initial mix X ← (1 − μ) X + μ (X𝟙)(Xᵀ𝟙)ᵀ/ΣX. */
    public static final double INIT_PRODUCT_MIX = 0.01;

    private final double gamma;
    private final double innerMarginalWeight;
    private final int maxIterations;
    private final int minIterations;
    private final double tolerance;
    private final int factorIterations;
    private final int latentIterations;
    private final long seed;
    private final int restarts;

    /** Defaults and seed 0. */
    public HiddenMarkovOtSolver() {
        this(DEFAULT_GAMMA, DEFAULT_INNER_MARGINAL_WEIGHT, DEFAULT_MAX_ITERATIONS, DEFAULT_MIN_ITERATIONS,
                DEFAULT_TOLERANCE, DEFAULT_FACTOR_ITERATIONS, DEFAULT_LATENT_ITERATIONS, 0L, DEFAULT_RESTARTS);
    }

    private HiddenMarkovOtSolver(double gamma, double innerMarginalWeight, int maxIterations, int minIterations,
                                 double tolerance, int factorIterations, int latentIterations, long seed,
                                 int restarts) {
        this.gamma = InvalidInputException.requirePositive("gamma", gamma);
        if (!(innerMarginalWeight > 0)) {
            throw InvalidInputException.parameter("innerMarginalWeight", innerMarginalWeight,
                    "must be > 0 (Infinity = inner marginals fixed at 1/r)");
        }
        this.innerMarginalWeight = innerMarginalWeight;
        this.maxIterations = InvalidInputException.requireAtLeast("maxIterations", maxIterations, 1);
        this.minIterations = InvalidInputException.requireAtLeast("minIterations", minIterations, 0);
        if (minIterations > maxIterations) {
            throw InvalidInputException.parameter("minIterations", minIterations,
                    "must be <= maxIterations = " + maxIterations);
        }
        this.tolerance = InvalidInputException.requirePositive("tolerance", tolerance);
        this.factorIterations = InvalidInputException.requireAtLeast("factorIterations", factorIterations, 1);
        this.latentIterations = InvalidInputException.requireAtLeast("latentIterations", latentIterations, 1);
        this.seed = seed;
        this.restarts = InvalidInputException.requireAtLeast("restarts", restarts, 1);
    }

    /** Step scale γ &gt; 0. */
    public HiddenMarkovOtSolver withGamma(double newGamma) {
        return new HiddenMarkovOtSolver(newGamma, innerMarginalWeight, maxIterations, minIterations, tolerance,
                factorIterations, latentIterations, seed, restarts);
    }

    /** τ_in &gt; 0 for free proportions ({@code Double.POSITIVE_INFINITY}: g fixed at 1/r). */
    public HiddenMarkovOtSolver withInnerMarginalWeight(double tauIn) {
        return new HiddenMarkovOtSolver(gamma, tauIn, maxIterations, minIterations, tolerance, factorIterations,
                latentIterations, seed, restarts);
    }

    /** Per-window minimum and cap of the mirror-descent iterations. */
    public HiddenMarkovOtSolver withIterations(int newMinIterations, int newMaxIterations) {
        return new HiddenMarkovOtSolver(gamma, innerMarginalWeight, newMaxIterations, newMinIterations, tolerance,
                factorIterations, latentIterations, seed, restarts);
    }

    /** Threshold on Δ_k. */
    public HiddenMarkovOtSolver withTolerance(double newTolerance) {
        return new HiddenMarkovOtSolver(gamma, innerMarginalWeight, maxIterations, minIterations, newTolerance,
                factorIterations, latentIterations, seed, restarts);
    }

    /** Sinkhorn caps K_rel (Q projections) and K_lat (T and initial projections). */
    public HiddenMarkovOtSolver withProjectionIterations(int newFactorIterations, int newLatentIterations) {
        return new HiddenMarkovOtSolver(gamma, innerMarginalWeight, maxIterations, minIterations, tolerance,
                newFactorIterations, newLatentIterations, seed, restarts);
    }

    /** Seed of the random initial couplings. */
    public HiddenMarkovOtSolver withSeed(long newSeed) {
        return new HiddenMarkovOtSolver(gamma, innerMarginalWeight, maxIterations, minIterations, tolerance,
                factorIterations, latentIterations, newSeed, restarts);
    }

    /**
     * Number of complete runs, from seeds seed, seed + 1, …; the run with the lowest objective is returned (1 = a
     * single run). Ignored when every time point is frozen (then the problem is convex in T).
     */
    public HiddenMarkovOtSolver withRestarts(int newRestarts) {
        return new HiddenMarkovOtSolver(gamma, innerMarginalWeight, maxIterations, minIterations, tolerance,
                factorIterations, latentIterations, seed, newRestarts);
    }

    public int restarts() {
        return restarts;
    }

    public double gamma() {
        return gamma;
    }

    public double innerMarginalWeight() {
        return innerMarginalWeight;
    }

    public int maxIterations() {
        return maxIterations;
    }

    public int minIterations() {
        return minIterations;
    }

    public double tolerance() {
        return tolerance;
    }

    public long seed() {
        return seed;
    }

    /** {@link #solve(HiddenMarkovOtProblem, IterationListener)} without a listener. */
    public HiddenMarkovOtResult solve(HiddenMarkovOtProblem problem) {
        return solve(problem, IterationListener.NONE);
    }

    /**
     * Runs the forward–backward scheme.
     *
     * @param problem  clouds, ranks and what is fixed
     * @param listener receives every iteration of every window (phase = the stage name, error Δ_k, step ε in input
     *                 cost units)
     * @throws NumericalInstabilityException on NaN or ∞
     */
    public HiddenMarkovOtResult solve(HiddenMarkovOtProblem problem, IterationListener listener) {
        if (problem == null) {
            throw new InvalidInputException("HM-OT needs a problem (got null).");
        }
        IterationListener sink = listener == null ? IterationListener.NONE : listener;
        boolean allFrozen = true;
        for (int k = 0; k < problem.timePoints(); k++) {
            allFrozen &= problem.isFrozen(k);
        }
        int runs = allFrozen ? 1 : restarts;
        double[] objectives = new double[runs];
        HiddenMarkovOtResult best = null;
        int bestRun = 0;
        for (int i = 0; i < runs; i++) {
            String prefix = runs > 1 ? "restart " + (i + 1) + "/" + runs + " " : "";
            HiddenMarkovOtResult r = new Run(problem, sink, seed + i, prefix).scheme();
            objectives[i] = r.objective();
            if (best == null || r.objective() < best.objective()) {
                best = r;
                bestRun = i;
            }
        }
        return best.withRestarts(objectives, bestRun);
    }

    /** One solve's state: the current factors, their logarithms, inner marginals and latent couplings. */
    private final class Run {
        private final HiddenMarkovOtProblem problem;
        private final IterationListener listener;
        private final int steps;
        private final int[] ranks;
        private final LowRankGeometry[] geo;
        private final double scale;
        private final double[][] a;
        private final double[][] fixedG;
        private final double[][][] q;
        private final double[][][] logQ;
        private final double[][] g;
        private final double[][][] t;
        private final double[][][] logT;
        private final SplittableRandom root;
        private final String prefix;
        private final List<HiddenMarkovOtResult.Stage> stages = new ArrayList<>();

        Run(HiddenMarkovOtProblem problem, IterationListener listener, long runSeed, String prefix) {
            this.prefix = prefix;
            this.problem = problem;
            this.listener = listener;
            this.steps = problem.timePoints();
            this.ranks = problem.ranks();
            this.geo = new LowRankGeometry[steps - 1];
            double s = 0;
            for (int p = 0; p < steps - 1; p++) {
                geo[p] = LowRankGeometry.squaredEuclidean(problem.cloudRef(p), problem.cloudRef(p + 1));
                s = Math.max(s, geo[p].costScale());
            }
            this.scale = s > 0 && Double.isFinite(s) ? s : 1;
            this.a = new double[steps][];
            this.fixedG = new double[steps][];
            this.q = new double[steps][][];
            this.logQ = new double[steps][][];
            this.g = new double[steps][];
            this.t = new double[steps - 1][][];
            this.logT = new double[steps - 1][][];
            for (int k = 0; k < steps; k++) {
                a[k] = filled(problem.cells(k), 1.0 / problem.cells(k));
                fixedG[k] = problem.fixedMarginal(k);
            }
            this.root = new SplittableRandom(runSeed);
        }

        HiddenMarkovOtResult scheme() {
            boolean[] frozen = new boolean[steps];
            boolean allFrozen = true;
            for (int k = 0; k < steps; k++) {
                frozen[k] = problem.isFrozen(k);
                if (frozen[k]) {
                    setFactor(k, oneHot(k));
                }
                allFrozen &= frozen[k];
            }
            int last = steps - 1;
            if (allFrozen) {
                for (int p = 0; p < last; p++) {
                    window("transitions " + p + "→" + (p + 1), p, p + 1, new boolean[] {false, false});
                }
                return result();
            }
            if (steps == 2) {
                window("pair 0→1", 0, 1, new boolean[] {!frozen[0], !frozen[1]});
                return result();
            }
            double[][][] alpha = new double[steps][][];
            window("forward 0→1", 0, 1, new boolean[] {!frozen[0], !frozen[1]});
            alpha[0] = q[0];
            alpha[1] = q[1];
            for (int k = 1; k <= steps - 3; k++) {
                setFactor(k, alpha[k]);
                window("forward " + k + "→" + (k + 1), k, k + 1, new boolean[] {false, !frozen[k + 1]});
                alpha[k + 1] = q[k + 1];
            }
            double[][][] beta = new double[steps][][];
            window("backward " + (last - 1) + "→" + last, last - 1, last,
                    new boolean[] {!frozen[last - 1], !frozen[last]});
            beta[last] = q[last];
            beta[last - 1] = q[last - 1];
            for (int k = last - 2; k >= 0; k--) {
                setFactor(k + 1, beta[k + 1]);
                window("backward " + k + "→" + (k + 1), k, k + 1, new boolean[] {!frozen[k], false});
                beta[k] = q[k];
            }
            double[][][] smooth = new double[steps][][];
            smooth[0] = alpha[0];
            smooth[last] = beta[last];
            for (int k = 1; k < last; k++) {
                if (frozen[k]) {
                    smooth[k] = oneHot(k);
                    continue;
                }
                setFactor(k - 1, alpha[k - 1]);
                setFactor(k + 1, beta[k + 1]);
                window("smoothing " + k, k - 1, k + 1, new boolean[] {false, true, false});
                smooth[k] = q[k];
            }
            for (int k = 0; k < steps; k++) {
                setFactor(k, smooth[k]);
            }
            for (int p = 0; p < last; p++) {
                window("transitions " + p + "→" + (p + 1), p, p + 1, new boolean[] {false, false});
            }
            return result();
        }

        private HiddenMarkovOtResult result() {
            double[] costs = new double[steps - 1];
            for (int p = 0; p < steps - 1; p++) {
                costs[p] = pairCost(p);
            }
            double[][][] qOut = new double[steps][][];
            for (int k = 0; k < steps; k++) {
                qOut[k] = LowRankGeometry.deepCopy(q[k]);
            }
            double[][][] tOut = new double[steps - 1][][];
            for (int p = 0; p < steps - 1; p++) {
                tOut[p] = LowRankGeometry.deepCopy(t[p]);
            }
            return new HiddenMarkovOtResult(qOut, tOut, costs, scale, stages);
        }

        /** Q_k := value (not copied: callers pass matrices no longer updated in place), with its log and g. */
        private void setFactor(int k, double[][] value) {
            q[k] = value;
            logQ[k] = log(value);
            g[k] = fixedG[k] != null ? fixedG[k].clone() : FrlcResult.columnSums(value);
        }

        private double[][] oneHot(int k) {
            int[] labels = problem.labelsRef(k);
            double[][] out = new double[labels.length][ranks[k]];
            for (int i = 0; i < labels.length; i++) {
                out[i][labels[i]] = a[k][i];
            }
            return out;
        }

        /** Mirror descent on time points lo…hi; free[k − lo] says whether Q_k is updated. Updates the state. */
        private void window(String stage, int lo, int hi, boolean[] free) {
            String name = prefix + stage;
            long start = System.nanoTime();
            SplittableRandom rng = root.split();
            double eps0 = 1 / gamma;
            for (int k = lo; k <= hi; k++) {
                if (free[k - lo]) {
                    double[] g0 = fixedG[k] != null ? fixedG[k] : filled(ranks[k], 1.0 / ranks[k]);
                    double[][] init = FrlcSolver.project(randomCost(rng, a[k].length, ranks[k], eps0), eps0, a[k], g0,
                            1, 1, latentIterations, new double[a[k].length], new double[ranks[k]], 0);
                    setFactor(k, mixWithProduct(exp(init), 1 - INIT_PRODUCT_MIX, INIT_PRODUCT_MIX));
                }
            }
            for (int p = lo; p < hi; p++) {
                double[] target = massMatched(g[p + 1], g[p]);
                double[][] warm = problem.warmTransitionRef(p);
                double[][] logInit;
                double epsInit;
                if (warm != null) {
                    logInit = log(warm);  // a kernel with ε = 1: scaled onto the marginals, zeros kept
                    epsInit = 1;
                } else {
                    logInit = randomCost(rng, ranks[p], ranks[p + 1], eps0);
                    epsInit = eps0;
                }
                double[][] init = FrlcSolver.project(logInit, epsInit, g[p], target, 1, 1, latentIterations,
                        new double[ranks[p]], new double[ranks[p + 1]], 0);
                t[p] = mixWithProduct(exp(init), 1 - INIT_PRODUCT_MIX, INIT_PRODUCT_MIX);
                logT[p] = log(t[p]);
            }

            double[][] fQ = new double[steps][];
            double[][] hQ = new double[steps][];
            for (int k = lo; k <= hi; k++) {
                fQ[k] = new double[a[k].length];
                hQ[k] = new double[ranks[k]];
            }
            double[][] fT = new double[steps][];
            double[][] hT = new double[steps][];
            for (int p = lo; p < hi; p++) {
                fT[p] = new double[ranks[p]];
                hT[p] = new double[ranks[p + 1]];
            }
            boolean anyFree = false;
            for (boolean f : free) {
                anyFree |= f;
            }
            List<Double> history = new ArrayList<>();
            Convergence.Status status = Convergence.Status.MAX_ITERATIONS;
            double eps = Double.NaN;
            int k = 0;
            while (k < maxIterations) {
                k++;
                double delta = 0;
                if (anyFree) {
                    double[][][] grad = new double[steps][][];
                    double norm = 0;
                    for (int s = lo; s <= hi; s++) {
                        if (free[s - lo]) {
                            grad[s] = factorGradient(s, lo, hi);
                            norm = Math.max(norm, maxAbs(grad[s]));
                        }
                    }
                    if (!Double.isFinite(norm)) {
                        throw instability(name, "factor gradient", k, eps);
                    }
                    if (norm > 0) {
                        eps = norm / gamma;
                        for (int s = lo; s <= hi; s++) {
                            if (!free[s - lo]) {
                                continue;
                            }
                            double rhoCol = fixedG[s] != null ? 1 : relax(innerMarginalWeight, eps);
                            double[][] newLog = FrlcSolver.project(step(logQ[s], grad[s], eps), eps, a[s], g[s], 1,
                                    rhoCol, factorIterations, fQ[s], hQ[s], k);
                            double[][] newQ = exp(newLog);
                            delta += eps * eps * frobeniusDistance(newQ, q[s]);
                            q[s] = newQ;
                            logQ[s] = newLog;
                            g[s] = fixedG[s] != null ? fixedG[s].clone() : FrlcResult.columnSums(newQ);
                        }
                    }
                }
                for (int p = lo; p < hi; p++) {
                    double[][] gradT = scaled(geo[p].bilinear(q[p], q[p + 1]), scale);
                    for (int z = 0; z < ranks[p]; z++) {
                        for (int l = 0; l < ranks[p + 1]; l++) {
                            gradT[z][l] /= g[p][z] * g[p + 1][l];
                        }
                    }
                    double normT = maxAbs(gradT);
                    if (!Double.isFinite(normT)) {
                        throw instability(name, "transition gradient", k, eps);
                    }
                    if (normT == 0) {
                        continue;
                    }
                    double epsT = normT / gamma;
                    double[][] newLog = FrlcSolver.project(step(logT[p], gradT, epsT), epsT, g[p],
                            massMatched(g[p + 1], g[p]), 1, 1, latentIterations, fT[p], hT[p], k);
                    double[][] newT = exp(newLog);
                    delta += epsT * epsT * frobeniusDistance(newT, t[p]);
                    t[p] = newT;
                    logT[p] = newLog;
                    if (!anyFree) {
                        eps = epsT;
                    }
                }
                if (!Double.isFinite(delta)) {
                    throw instability(name, "iteration", k, eps);
                }
                history.add(delta);
                listener.onCheck(name, k, maxIterations, delta, eps * scale, System.nanoTime() - start);
                if (k >= minIterations && delta <= tolerance) {
                    status = Convergence.Status.CONVERGED;
                    break;
                }
            }
            double[] hist = history.stream().mapToDouble(Double::doubleValue).toArray();
            double marginalError = 0;
            for (int s = lo; s <= hi; s++) {
                marginalError = Math.max(marginalError, l1Rows(q[s], a[s]));
                if (fixedG[s] != null) {
                    marginalError = Math.max(marginalError, l1(FrlcResult.columnSums(q[s]), fixedG[s]));
                }
            }
            for (int p = lo; p < hi; p++) {
                marginalError = Math.max(marginalError, l1Rows(t[p], g[p]));
                marginalError = Math.max(marginalError, l1(FrlcResult.columnSums(t[p]), massMatched(g[p + 1], g[p])));
            }
            double objective = 0;
            for (int p = lo; p < hi; p++) {
                objective += pairCost(p);
            }
            Convergence c = new Convergence(status, k, hist.length, hist.length == 0 ? Double.NaN
                    : hist[hist.length - 1], marginalError, eps * scale, hist);
            stages.add(new HiddenMarkovOtResult.Stage(name, c, objective));
        }

        /** ∇Q_s on the window lo…hi (normalised cost), with the rank-one correction. */
        private double[][] factorGradient(int s, int lo, int hi) {
            double[][] grad = new double[a[s].length][ranks[s]];
            if (s > lo) {
                int p = s - 1;
                double[][] lambda = lambda(t[p], g[p], g[s]);
                double[][] ctq = geo[p].rightTimes(geo[p].leftProject(q[p]));     // Cᵀ Q_{s−1}, n_s × r_{s−1}
                for (int i = 0; i < grad.length; i++) {
                    for (int z = 0; z < ranks[p]; z++) {
                        double v = ctq[i][z];
                        for (int l = 0; l < ranks[s]; l++) {
                            grad[i][l] += v * lambda[z][l];
                        }
                    }
                }
            }
            if (s < hi) {
                double[][] lambda = lambda(t[s], g[s], g[s + 1]);
                double[][] cr = geo[s].leftTimes(geo[s].rightProject(q[s + 1]));  // C Q_{s+1}, n_s × r_{s+1}
                for (int i = 0; i < grad.length; i++) {
                    for (int z = 0; z < ranks[s]; z++) {
                        double acc = 0;
                        for (int l = 0; l < ranks[s + 1]; l++) {
                            acc += cr[i][l] * lambda[z][l];
                        }
                        grad[i][z] += acc;
                    }
                }
            }
            scaled(grad, scale);
            rankOneCorrection(grad, q[s], g[s]);
            return grad;
        }

        /** ⟨C^{(p,p+1)}, P^{(p,p+1)}⟩ in input units for the current Q_p, T_p, Q_{p+1}. */
        private double pairCost(int p) {
            if (q[p] == null || q[p + 1] == null || t[p] == null) {
                return Double.NaN;
            }
            double[][] lambda = lambda(t[p], FrlcResult.columnSums(q[p]), FrlcResult.columnSums(q[p + 1]));
            double[][] qcq = geo[p].bilinear(q[p], q[p + 1]);
            double cost = 0;
            for (int z = 0; z < qcq.length; z++) {
                for (int l = 0; l < qcq[z].length; l++) {
                    cost += qcq[z][l] * lambda[z][l];
                }
            }
            return cost;
        }
    }

    private static NumericalInstabilityException instability(String stage, String where, int iteration, double eps) {
        return new NumericalInstabilityException("HM-OT met NaN or infinity in the " + where + " of stage '" + stage
                + "' at iteration " + iteration + " (step epsilon " + eps + " on the normalised cost); lower gamma"
                + " or check the features.", iteration, eps);
    }
}
