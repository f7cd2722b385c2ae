package org.chreode.kernels.lowrank;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;
import org.chreode.kernels.linalg.Workers;

import static org.chreode.kernels.lowrank.LatentCouplingSteps.exp;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.filled;
import static org.chreode.kernels.lowrank.LatentCouplingSteps.frobeniusDistance;
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
 * FRLC — low-rank optimal transport by factor relaxation with a latent coupling (Halmos, Liu, Gold, Raphael,
 * NeurIPS 2024; spec {@code shared/specs/lowrank.md} §1–2).
 *
 * <p><b>Problem.</b> min ⟨C, P⟩ over couplings in latent-coupling (LC) form
 * <pre>
 *   P = Q diag(1/g_Q) T diag(1/g_R) Rᵀ = Q Λ Rᵀ,   Q ∈ ℝ₊^{n×r}, R ∈ ℝ₊^{m×r₂}, T ∈ ℝ₊^{r×r₂},
 *   g_Q = Qᵀ𝟙,  g_R = Rᵀ𝟙,  Q𝟙 = a,  R𝟙 = b,  T ∈ Π(g_Q, g_R),
 * </pre>
 * for a factored cost C = A Bᵀ ({@link LowRankGeometry}); rank P ≤ min(r, r₂), nothing n × m is formed. The inner
 * marginals g_Q, g_R are free. With {@code tauA < 1} (or {@code tauB < 1}) the constraint Q𝟙 = a (R𝟙 = b) is replaced
 * by a KL penalty (semi-relaxed / unbalanced modes, {@link LowRankProblem}).
 *
 * <p><b>Cost normalisation.</b> The solver works on Ĉ = C / s with s = {@link LowRankGeometry#costScale()} (max |C_ij|,
 * exact up to 2²⁴ pairs), as the FRLC demo does; this makes the stopping rule below scale-free (spec §2.6, §9). The
 * reported primal cost and ε are in input units.
 *
 * <p><b>One iteration</b> (coordinate mirror descent, blocks (Q, R) then T; spec §2.2–2.4, {@code full_grad}):
 * <pre>
 *   ∇_Q = ĈR Λᵀ − 𝟙 w_Qᵀ,  w_Q[k] = (Qᵀ ĈR Λᵀ)_kk / g_Q[k];   ∇_R = ĈᵀQ Λ − 𝟙 w_Rᵀ,  w_R[l] = (Rᵀ ĈᵀQ Λ)_ll / g_R[l]
 *   ε_k = max(‖∇_Q‖∞, ‖∇_R‖∞) / γ                                   (adaptive step 1/ε_k, scale-free)
 *   Q ← Proj(∇_Q − ε_k log Q; rows a with ρ_a, columns g_Q with ρ_in; ε_k; K_rel)
 *   R ← Proj(∇_R − ε_k log R; rows b with ρ_b, columns g_R with ρ_in; ε_k; K_rel)
 *   g_Q ← Qᵀ𝟙,  g_R ← Rᵀ𝟙
 *   ∇_T = diag(1/g_Q) (Qᵀ Ĉ R) diag(1/g_R),  ε_T = ‖∇_T‖∞ / γ
 *   T ← Proj(∇_T − ε_T log T; rows g_Q, columns g_R·Σg_Q/Σg_R; ε_T; balanced; K_lat)
 * </pre>
 * Proj is the log-domain Sinkhorn projection of spec §1.2: P_ij = exp((f_i + g_j − G_ij)/ε) after at most K
 * alternating dual updates f ← ρ_row(f + ε(log rowTarget − LSE_j((f + g − G)/ε))) and likewise for g, where ρ = 1 is a
 * hard marginal and ρ = λ/(λ + ε) a KL-relaxed one with weight λ. Inner marginals use λ = τ_in
 * ({@link #innerMarginalWeight}); outer ones use λ_A = (tauA/(1 − tauA))/γ (so that ρ_a = tauA for a gradient of
 * sup-norm 1, the moscot meaning of tau), ρ = 1 when tau = 1. Duals are warm-started across iterations; a
 * projection stops early when max(‖Δf‖∞, ‖Δg‖∞) &lt; {@value #DUAL_TOLERANCE} (normalised cost units). Q, R and T are
 * kept as logarithms, so no entry underflows to an absorbing zero. The updates are evaluated in the stabilised scaling
 * form of {@link SinkhornProjection} (same iterates, matrix–vector products instead of exponentials).
 *
 * <p><b>Stopping rule</b> (spec §2.6, on the normalised cost): after iteration k (1-based),
 * Δ_k = ε_k² (‖Q_k − Q_{k−1}‖_F + ‖R_k − R_{k−1}‖_F + ‖T_k − T_{k−1}‖_F); stop with CONVERGED when k ≥ minIterations
 * and Δ_k ≤ tolerance, with MAX_ITERATIONS at k = maxIterations. Δ is small from the first iterations on, so in
 * practice the run length is about {@code minIterations}: raise it for a better optimum. The error history holds
 * Δ_k for every iteration.
 *
 * <p><b>Initialisation</b> ('Full', seeded): g = Σa/r·𝟙; Q = Proj(U_Q; a, g; 1/γ; balanced; K_lat) with U_Q uniform on
 * [0, 1), likewise R and T (onto Qᵀ𝟙, Rᵀ𝟙), then X ← 0.1 X + 0.9 (X𝟙)(Xᵀ𝟙)ᵀ/ΣX for X ∈ {Q, R, T} (FRLC repository
 * stabilisation; marginals unchanged). The same seed gives the same result.
 *
 * <p><b>Which reference variant, and why</b> (spec §2.8). This follows the <i>FRLC repository</i> copy: semi-relaxed
 * inner marginals with weight τ_in (the "factor relaxation" that defines FRLC and lets g_Q, g_R adapt to cluster
 * sizes — the HiRef copy freezes g = 1/r and the HM-OT copy drops the warm starts), warm-started duals, the 0.9
 * product-coupling stabilisation, full gradients. Deliberate changes: (1) dual recentring only in balanced
 * projections (the repository recentres everywhere, which rescales P when a side is relaxed, spec §1.2); (2) each
 * projection ends with the <i>row</i> update (the repository ends with the column update), so Q𝟙 = a, R𝟙 = b and
 * T𝟙 = g_Q hold to rounding after every iteration in balanced mode, hence P𝟙 = a exactly and
 * Pᵀ𝟙 = R diag(1/g_R) Tᵀ𝟙 ≈ b up to the (small, r × r₂) Sinkhorn residual of T — the repository's row marginals are
 * only as good as K allows (spec §7: L1 4e-2 at K = 100); (3) an explicit cost normalisation to max 1 makes the
 * stopping rule scale-free; (4) targets are not renormalised to mass 1 (masses must match in balanced mode).
 * In relaxed modes T is balanced onto (g_Q, g_R·Σg_Q/Σg_R), so the plan has mass Σg_Q.
 *
 * <p><b>Defaults</b> ({@code FRLC_LR_opt} of the FRLC repository, spec §2.7): γ = {@value #DEFAULT_GAMMA},
 * τ_in = {@value #DEFAULT_INNER_MARGINAL_WEIGHT}, maxIterations = {@value #DEFAULT_MAX_ITERATIONS}, minIterations =
 * {@value #DEFAULT_MIN_ITERATIONS}, tolerance = {@value #DEFAULT_TOLERANCE}, K_rel = {@value #DEFAULT_FACTOR_ITERATIONS}
 * (raised from 50: the projections exit early), K_lat = {@value #DEFAULT_LATENT_ITERATIONS} (raised from 300–500: the
 * r × r₂ projection is cheap, and at 500 its column residual left ‖Pᵀ𝟙 − b‖₁ ≈ 2e-3 on gauss8 → moons, 8e-9 at 5000). Larger γ = larger steps
 * (faster, less stable); τ_in = ∞ freezes g at 1/r (the HiRef behaviour).
 *
 * <p><b>When it does not converge</b>: the result has status MAX_ITERATIONS and is usable; raise maxIterations or
 * lower γ. NaN or ∞ in the iteration throws {@link NumericalInstabilityException} with iteration and ε: lower γ. The
 * problem is non-convex; another seed may give another local optimum.
 *
 * <p>Per iteration O((n + m)·k·(r + r₂) + (n·r + m·r₂)·K_rel + r·r₂·K_lat) time (the r × r₂ factors of the
 * gradients are applied to the k × r projections AᵀQ, BᵀR, which are kept for the next iteration; the projections run in
 * the stabilised scaling form of {@link SinkhornProjection}, one pass over an n × r kernel per update), O((n + m)(r +
 * r₂ + k)) memory; {@link #withThreads} splits the n- and m-row loops. Instances are immutable settings; all state lives in {@link #solve}.
 *
 * @since 0.1
 */
public final class FrlcSolver {

    /** Mirror-descent step scale γ (FRLC_LR_opt: 90). */
    public static final double DEFAULT_GAMMA = 90;
    /** KL weight τ_in pulling the inner marginals toward their previous value (FRLC repository: 50). */
    public static final double DEFAULT_INNER_MARGINAL_WEIGHT = 50;
    /** Iteration cap. */
    public static final int DEFAULT_MAX_ITERATIONS = 200;
    /** Iterations before the stopping rule may fire. */
    public static final int DEFAULT_MIN_ITERATIONS = 25;
    /** Threshold on Δ_k (normalised cost). */
    public static final double DEFAULT_TOLERANCE = 5e-6;
    /** Sinkhorn updates per Q or R projection (cap; early exit on the dual change). */
    public static final int DEFAULT_FACTOR_ITERATIONS = 300;
    /** Sinkhorn updates per T projection and per initial projection (cap; early exit on the dual change). */
    public static final int DEFAULT_LATENT_ITERATIONS = 5000;
    /** Early exit of a projection: largest dual change, in normalised cost units. */
    public static final double DUAL_TOLERANCE = 1e-12;
    private static final Workers ONE_THREAD = new Workers(1);

    /**
     * One single-threaded Sinkhorn projection of exp(logK) onto (rowTarget, colTarget) with FRLC's dual tolerance
     * ({@link SinkhornProjection}); shared with HM-OT, whose forward-backward steps use the same projections.
     */
    static double[][] project(double[][] logK, double eps, double[] rowTarget, double[] colTarget, double rhoRow,
                              double rhoCol, int maxIter, double[] f, double[] h, int iteration) {
        return SinkhornProjection.project(logK, eps, rowTarget, colTarget, rhoRow, rhoCol, maxIter, f, h,
                DUAL_TOLERANCE, iteration, ONE_THREAD);
    }
    /** Weight kept from the random start in the initial stabilisation X ← 0.1 X + 0.9 product. */
    public static final double INIT_KEEP = 0.1;

    private final int rank;
    private final int rank2;
    private final double gamma;
    private final double innerMarginalWeight;
    private final int maxIterations;
    private final int minIterations;
    private final double tolerance;
    private final int factorIterations;
    private final int latentIterations;
    private final long seed;
    private final int threads;

    /** FRLC with square latent coupling (r₂ = r), defaults and seed 0. */
    public FrlcSolver(int rank) {
        this(rank, rank, DEFAULT_GAMMA, DEFAULT_INNER_MARGINAL_WEIGHT, DEFAULT_MAX_ITERATIONS, DEFAULT_MIN_ITERATIONS,
                DEFAULT_TOLERANCE, DEFAULT_FACTOR_ITERATIONS, DEFAULT_LATENT_ITERATIONS, 0L, 1);
    }

    private FrlcSolver(int rank, int rank2, double gamma, double innerMarginalWeight, int maxIterations,
                       int minIterations, double tolerance, int factorIterations, int latentIterations, long seed,
                       int threads) {
        this.rank = InvalidInputException.requireAtLeast("rank", rank, 1);
        this.rank2 = InvalidInputException.requireAtLeast("rank2", rank2, 1);
        this.gamma = InvalidInputException.requirePositive("gamma", gamma);
        if (!(innerMarginalWeight > 0)) {
            throw InvalidInputException.parameter("innerMarginalWeight", innerMarginalWeight,
                    "must be > 0 (Infinity = inner marginals fixed)");
        }
        this.innerMarginalWeight = innerMarginalWeight;
        this.maxIterations = InvalidInputException.requireAtLeast("maxIterations", maxIterations, 1);
        this.minIterations = InvalidInputException.requireAtLeast("minIterations", minIterations, 0);
        this.tolerance = InvalidInputException.requirePositive("tolerance", tolerance);
        this.factorIterations = InvalidInputException.requireAtLeast("factorIterations", factorIterations, 1);
        this.latentIterations = InvalidInputException.requireAtLeast("latentIterations", latentIterations, 1);
        this.seed = seed;
        this.threads = InvalidInputException.requireAtLeast("threads", threads, 1);
    }

    /** Rank r₂ of the target factor (columns of T); r₂ ≠ r gives a rectangular latent coupling. */
    public FrlcSolver withRank2(int newRank2) {
        return new FrlcSolver(rank, newRank2, gamma, innerMarginalWeight, maxIterations, minIterations, tolerance,
                factorIterations, latentIterations, seed, threads);
    }

    /** Step scale γ &gt; 0. */
    public FrlcSolver withGamma(double newGamma) {
        return new FrlcSolver(rank, rank2, newGamma, innerMarginalWeight, maxIterations, minIterations, tolerance,
                factorIterations, latentIterations, seed, threads);
    }

    /** τ_in &gt; 0 ({@code Double.POSITIVE_INFINITY}: g_Q, g_R fixed at their uniform start). */
    public FrlcSolver withInnerMarginalWeight(double tauIn) {
        return new FrlcSolver(rank, rank2, gamma, tauIn, maxIterations, minIterations, tolerance,
                factorIterations, latentIterations, seed, threads);
    }

    /** Iteration cap and the minimum before the stopping rule may fire. */
    public FrlcSolver withIterations(int newMinIterations, int newMaxIterations) {
        return new FrlcSolver(rank, rank2, gamma, innerMarginalWeight, newMaxIterations, newMinIterations, tolerance,
                factorIterations, latentIterations, seed, threads);
    }

    /** Threshold on Δ_k. */
    public FrlcSolver withTolerance(double newTolerance) {
        return new FrlcSolver(rank, rank2, gamma, innerMarginalWeight, maxIterations, minIterations, newTolerance,
                factorIterations, latentIterations, seed, threads);
    }

    /** Sinkhorn caps K_rel (Q, R projections) and K_lat (T and initial projections). */
    public FrlcSolver withProjectionIterations(int newFactorIterations, int newLatentIterations) {
        return new FrlcSolver(rank, rank2, gamma, innerMarginalWeight, maxIterations, minIterations, tolerance,
                newFactorIterations, newLatentIterations, seed, threads);
    }

    /** Seed of the random initialisation. */
    public FrlcSolver withSeed(long newSeed) {
        return new FrlcSolver(rank, rank2, gamma, innerMarginalWeight, maxIterations, minIterations, tolerance,
                factorIterations, latentIterations, newSeed, threads);
    }

    /**
     * Threads for the n × r projections (rows split in chunks; 1 = the caller's thread, the right choice inside a
     * Spark task with one core). Results differ only by the summation order of the column sums.
     */
    public FrlcSolver withThreads(int newThreads) {
        return new FrlcSolver(rank, rank2, gamma, innerMarginalWeight, maxIterations, minIterations, tolerance,
                factorIterations, latentIterations, seed, newThreads);
    }

    public int threads() {
        return threads;
    }

    public int rank() {
        return rank;
    }

    public int rank2() {
        return rank2;
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

    /** {@link #solve(LowRankProblem, IterationListener)} without a listener. */
    public FrlcResult solve(LowRankProblem problem) {
        return solve(problem, IterationListener.NONE);
    }

    /**
     * Runs FRLC.
     *
     * @param problem  geometry, weights and marginal regime
     * @param listener receives every iteration (phase {@code "frlc"}, error Δ_k, ε_k in input cost units)
     * @return the factors, labels, primal cost and convergence
     * @throws InvalidInputException         if r &gt; n or r₂ &gt; m
     * @throws NumericalInstabilityException on NaN or ∞ during the iteration
     */
    public FrlcResult solve(LowRankProblem problem, IterationListener listener) {
        if (problem == null) {
            throw new InvalidInputException("FRLC needs a problem (got null).");
        }
        LowRankGeometry geo = problem.geometry();
        if (rank > geo.n()) {
            throw InvalidInputException.parameter("rank", rank, "must be <= n = " + geo.n() + " source points");
        }
        if (rank2 > geo.m()) {
            throw InvalidInputException.parameter("rank2", rank2, "must be <= m = " + geo.m() + " target points");
        }
        try (Workers workers = new Workers(threads)) {
            return new Run(problem, listener == null ? IterationListener.NONE : listener, workers).iterate();
        }
    }

    /** One solve's state. */
    private final class Run {
        private final LowRankGeometry geo;
        private final double[] a;
        private final double[] b;
        private final double lambdaA;
        private final double lambdaB;
        private final double scale;
        private final IterationListener listener;
        private final Workers workers;

        Run(LowRankProblem problem, IterationListener listener, Workers workers) {
            this.workers = workers;
            this.geo = problem.geometry();
            this.a = problem.aRef();
            this.b = problem.bRef();
            this.lambdaA = klWeight(problem.tauA());
            this.lambdaB = klWeight(problem.tauB());
            double s = geo.costScale(workers);
            this.scale = s > 0 && Double.isFinite(s) ? s : 1;
            this.listener = listener;
        }

        private double[][] project(double[][] logK, double eps, double[] rowTarget, double[] colTarget,
                                   double rhoRow, double rhoCol, int maxIter, double[] f, double[] h, int iteration) {
            return SinkhornProjection.project(logK, eps, rowTarget, colTarget, rhoRow, rhoCol, maxIter, f, h,
                    DUAL_TOLERANCE, iteration, workers);
        }

        private double klWeight(double tau) {
            return tau == 1 ? Double.POSITIVE_INFINITY : tau / (1 - tau) / gamma;
        }

        FrlcResult iterate() {
            long start = System.nanoTime();
            int n = geo.n();
            int m = geo.m();
            SplittableRandom rng = new SplittableRandom(seed);
            double eps0 = 1 / gamma;
            double[] gQ0 = filled(rank, LowRankProblem.sum(a) / rank);
            double[] gR0 = filled(rank2, LowRankProblem.sum(b) / rank2);
            double[][] logQ = project(randomCost(rng, n, rank, eps0), eps0, a, gQ0, 1, 1, latentIterations,
                    new double[n], new double[rank], 0);
            double[][] logR = project(randomCost(rng, m, rank2, eps0), eps0, b, gR0, 1, 1, latentIterations,
                    new double[m], new double[rank2], 0);
            double[][] q = mixWithProduct(exp(logQ), INIT_KEEP, 1 - INIT_KEEP);
            double[][] r = mixWithProduct(exp(logR), INIT_KEEP, 1 - INIT_KEEP);
            double[] gQ = FrlcResult.columnSums(q);
            double[] gR = FrlcResult.columnSums(r);
            double[][] logT = project(randomCost(rng, rank, rank2, eps0), eps0, gQ, massMatched(gR, gQ), 1, 1,
                    latentIterations, new double[rank], new double[rank2], 0);
            double[][] t = mixWithProduct(exp(logT), INIT_KEEP, 1 - INIT_KEEP);
            logQ = log(q);
            logR = log(r);
            logT = log(t);

            double[][] aq = geo.leftProject(q, workers);
            double[][] br = geo.rightProject(r, workers);
            double[] fQ = new double[n];
            double[] hQ = new double[rank];
            double[] fR = new double[m];
            double[] hR = new double[rank2];
            double[] fT = new double[rank];
            double[] hT = new double[rank2];
            List<Double> history = new ArrayList<>();
            Convergence.Status status = Convergence.Status.MAX_ITERATIONS;
            double eps = eps0;
            int k = 0;
            while (k < maxIterations) {
                k++;
                double[][] lambda = lambda(t, gQ, gR);
                // ĈRΛᵀ = A((BᵀR)Λᵀ)/s and ĈᵀQΛ = B((AᵀQ)Λ)/s: the r × r products are taken on the k × r projections
                double[][] gradQ = scaled(geo.leftTimes(timesTransposed(br, lambda), workers), scale);   // n × r
                double[][] gradR = scaled(geo.rightTimes(times(aq, lambda), workers), scale);            // m × r₂
                rankOneCorrection(gradQ, q, gQ);
                rankOneCorrection(gradR, r, gR);
                double norm = Math.max(maxAbs(gradQ), maxAbs(gradR));
                if (!Double.isFinite(norm)) {
                    throw instability("gradient", k, eps);
                }
                if (norm == 0) {                                                // constant cost: every plan optimal
                    history.add(0.0);
                    status = Convergence.Status.CONVERGED;
                    break;
                }
                eps = norm / gamma;
                double rhoIn = relax(innerMarginalWeight, eps);
                double[][] newLogQ = project(step(logQ, gradQ, eps), eps, a, gQ, relax(lambdaA, eps), rhoIn,
                        factorIterations, fQ, hQ, k);
                double[][] newLogR = project(step(logR, gradR, eps), eps, b, gR, relax(lambdaB, eps), rhoIn,
                        factorIterations, fR, hR, k);
                double[][] newQ = exp(newLogQ);
                double[][] newR = exp(newLogR);
                gQ = FrlcResult.columnSums(newQ);
                gR = FrlcResult.columnSums(newR);
                double[][] newAq = geo.leftProject(newQ, workers);              // AᵀQ, also next gradient's
                double[][] newBr = geo.rightProject(newR, workers);
                double[][] gradT = scaled(LowRankGeometry.innerProduct(newAq, newBr), scale);  // QᵀĈR
                for (int z = 0; z < rank; z++) {
                    for (int l = 0; l < rank2; l++) {
                        gradT[z][l] /= gQ[z] * gR[l];
                    }
                }
                double normT = maxAbs(gradT);
                if (!Double.isFinite(normT)) {
                    throw instability("latent gradient", k, eps);
                }
                double[][] newLogT;
                if (normT > 0) {
                    double epsT = normT / gamma;
                    newLogT = project(step(logT, gradT, epsT), epsT, gQ, massMatched(gR, gQ), 1, 1,
                            latentIterations, fT, hT, k);
                } else {
                    newLogT = logT;
                }
                double[][] newT = exp(newLogT);
                double delta = eps * eps * (frobeniusDistance(newQ, q) + frobeniusDistance(newR, r)
                        + frobeniusDistance(newT, t));
                logQ = newLogQ;
                logR = newLogR;
                logT = newLogT;
                q = newQ;
                r = newR;
                t = newT;
                aq = newAq;
                br = newBr;
                history.add(delta);
                listener.onCheck("frlc", k, maxIterations, delta, eps * scale, System.nanoTime() - start);
                if (k >= minIterations && delta <= tolerance) {
                    status = Convergence.Status.CONVERGED;
                    break;
                }
            }
            double[][] lambda = lambda(t, FrlcResult.columnSums(q), FrlcResult.columnSums(r));
            double[][] qcr = LowRankGeometry.innerProduct(aq, br);             // QᵀCR
            double cost = 0;
            for (int z = 0; z < rank; z++) {
                for (int l = 0; l < rank2; l++) {
                    cost += qcr[z][l] * lambda[z][l];
                }
            }
            double[] hist = history.stream().mapToDouble(Double::doubleValue).toArray();
            return new FrlcResult(q, r, t, cost, scale, a, b, status, k, hist, eps * scale);
        }
    }

    private static NumericalInstabilityException instability(String where, int iteration, double eps) {
        return new NumericalInstabilityException("FRLC met NaN or infinity in the " + where + " at iteration "
                + iteration + " (step epsilon " + eps + " on the normalised cost); lower gamma or check the cost.",
                iteration, eps);
    }

    /** X Λᵀ for X ∈ ℝ^{p×r₂}, Λ ∈ ℝ^{r×r₂}. */
    private static double[][] timesTransposed(double[][] x, double[][] lambda) {
        double[][] out = new double[x.length][lambda.length];
        for (int i = 0; i < x.length; i++) {
            for (int z = 0; z < lambda.length; z++) {
                double s = 0;
                for (int l = 0; l < lambda[z].length; l++) {
                    s += x[i][l] * lambda[z][l];
                }
                out[i][z] = s;
            }
        }
        return out;
    }

    /** X Λ for X ∈ ℝ^{p×r}, Λ ∈ ℝ^{r×r₂}. */
    private static double[][] times(double[][] x, double[][] lambda) {
        double[][] out = new double[x.length][lambda[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int z = 0; z < lambda.length; z++) {
                double xv = x[i][z];
                for (int l = 0; l < out[i].length; l++) {
                    out[i][l] += xv * lambda[z][l];
                }
            }
        }
        return out;
    }
}
