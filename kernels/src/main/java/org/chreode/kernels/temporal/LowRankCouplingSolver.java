package org.chreode.kernels.temporal;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.lowrank.FrlcResult;
import org.chreode.kernels.lowrank.FrlcSolver;
import org.chreode.kernels.lowrank.LowRankGeometry;
import org.chreode.kernels.lowrank.LowRankProblem;

/**
 * The low-rank solve of one temporal pair ({@code --rank r}): FRLC (Halmos, Liu, Gold, Raphael, NeurIPS 2024; spec
 * {@code lowrank.md} §1–2, {@link FrlcSolver}) on the exact rank-(d + 2) factors of the pair's squared-Euclidean cost
 * ({@link LowRankGeometry#squaredEuclidean}, Scetbon et al. 2021 §3.5)
 * <pre>
 *   min ⟨C, P⟩ + λ_a KL(P𝟙 | a) + λ_b KL(Pᵀ𝟙 | b)   over  P = Q diag(1/g_Q) T diag(1/g_R) Rᵀ,
 *   C_ij = ‖x_i − y_j‖² / s,
 * </pre>
 * returned as a {@link LowRankCoupling}: memory O((n + m)·(d + r)), nothing n × m, for any marginals a, b
 * ({@link CouplingSolver}, re-run by the growth iterations).
 *
 * <p><b>τ mapping.</b> τ_a, τ_b ∈ (0, 1] keep the moscot meaning (1 = hard marginal, smaller = looser). FRLC turns τ
 * into a KL weight on the cost normalised to max 1 (see {@link FrlcSolver}): λ = (τ / (1 − τ)) / γ, so each factor
 * projection with mirror step ε_k = ‖∇‖∞ / γ relaxes its outer marginal by ρ = λ / (λ + ε_k) = τ / (τ + (1 − τ)‖∇‖∞),
 * which is τ itself for a gradient of sup-norm 1: the same damping factor as the entropic solver's
 * λ = τε/(1 − τ), ρ = τ ({@link UnbalancedSinkhorn}). τ = 1 on both sides is balanced: b is rescaled to the
 * mass of a.
 *
 * <p><b>No entropic ε.</b> FRLC's ε_k is an adaptive mirror-descent step (‖∇‖∞/γ), not a regularisation of the plan;
 * the plan is regularised by its rank instead. So {@code --epsilon} is not used by the low-rank path; its step is set
 * by γ ({@link FrlcSolver#withGamma}). The ε reported in {@link org.chreode.kernels.common.Convergence#epsilon()} is
 * FRLC's last step in units of the cost C above.
 *
 * <p><b>Cost scale.</b> FRLC divides the cost by its maximum internally, so the plan does not depend on s; s only
 * fixes the units of the reported step ε (pass {@link PointCloudCost#scale()} or the stored path's scale, so that
 * the units match the entropic paths).
 *
 * <p><b>Zero-mass cells.</b> FRLC needs positive weights; cells with a_i = 0 (b_j = 0) are left out of the solve and
 * get zero rows (columns) in the coupling, as in the entropic solvers (their potentials are −∞ there).
 *
 * <p><b>Convergence</b> is FRLC's: status, iterations, the stopping quantity Δ_k per iteration and the marginal
 * error max(‖P𝟙 − a‖₁, ‖Pᵀ𝟙 − b‖₁) (in relaxed modes this is the mass created or destroyed, not a residual).
 * Time per solve O(n·m·(d + 2)) once (FRLC's exact cost maximum, up to 2²⁴ pairs) plus O((n + m)·(d + r)·r) per
 * iteration. Potentials are null in the {@link CouplingSolver.Solution}.
 *
 * <p>Immutable; thread-safe (each solve has its own state).
 *
 * @since 0.2
 */
public final class LowRankCouplingSolver implements CouplingSolver {

    private final double[][] sources;
    private final double[][] targets;
    private final double costScale;
    private final double tauA;
    private final double tauB;
    private final FrlcSolver frlc;

    /**
     * FRLC with its defaults ({@link FrlcSolver#FrlcSolver(int)}: γ = 90, seed 0, one thread, stopping rule from
     * iteration 25 on). The stopping quantity is small from the start, so runs end at the minimum: on two
     * well-separated clusters (60 + 40 → 50 + 50 cells, rank 2, balanced) 25 iterations still mixed them (0.89 of A
     * to A'), 100 separated them (0.998); pass {@code new FrlcSolver(r).withIterations(100, 200)} to the other
     * constructor for that.
     *
     * @see #LowRankCouplingSolver(double[][], double[][], double, double, double, FrlcSolver)
     */
    public LowRankCouplingSolver(double[][] sourceCoordinates, double[][] targetCoordinates, double costScale,
                                 int rank, double tauA, double tauB) {
        this(sourceCoordinates, targetCoordinates, costScale, tauA, tauB, new FrlcSolver(rank));
    }

    /**
     * @param sourceCoordinates n × d coordinates of the source cells (copied)
     * @param targetCoordinates m × d coordinates of the target cells, same d (copied)
     * @param costScale         s in C = ‖x − y‖² / s, finite and &gt; 0 (1 = no normalisation)
     * @param tauA              source relaxation τ_a ∈ (0, 1], 1 = hard
     * @param tauB              target relaxation τ_b ∈ (0, 1], 1 = hard
     * @param frlc              rank r (and r₂), seed, threads, γ and iteration settings
     * @throws InvalidInputException on empty, ragged or non-finite coordinates, differing dimensions, a bad scale
     *                               or τ, or a rank above min(n, m)
     */
    public LowRankCouplingSolver(double[][] sourceCoordinates, double[][] targetCoordinates, double costScale,
                                 double tauA, double tauB, FrlcSolver frlc) {
        if (frlc == null) {
            throw new InvalidInputException("The low-rank solver needs FRLC settings (got null).");
        }
        this.costScale = InvalidInputException.requirePositive("costScale", costScale);
        // ‖x/√s − y/√s‖² = ‖x − y‖²/s: the factors of the scaled clouds are those of the normalised cost
        double shrink = 1 / Math.sqrt(costScale);
        this.sources = scaledCopy("sourceCoordinates", sourceCoordinates, -1, shrink);
        this.targets = scaledCopy("targetCoordinates", targetCoordinates, sources[0].length, shrink);
        this.tauA = requireTau("tauA", tauA);
        this.tauB = requireTau("tauB", tauB);
        int limit = Math.min(sources.length, targets.length);
        if (frlc.rank() > limit) {
            throw InvalidInputException.parameter("rank", frlc.rank(), "must be <= min(n, m) = " + limit
                    + " (" + sources.length + " source, " + targets.length + " target cells)");
        }
        if (frlc.rank2() > targets.length) {
            throw InvalidInputException.parameter("rank2", frlc.rank2(), "must be <= m = " + targets.length
                    + " target cells");
        }
        this.frlc = frlc;
    }

    private static double requireTau(String name, double tau) {
        if (!(tau > 0 && tau <= 1)) {
            throw InvalidInputException.parameter(name, tau, "must lie in (0, 1] (1 = balanced marginal)");
        }
        return tau;
    }

    private static double[][] scaledCopy(String name, double[][] x, int expectedDimension, double factor) {
        if (x == null || x.length == 0 || x[0] == null || x[0].length == 0) {
            throw InvalidInputException.parameter(name, x == null ? "null" : x.length + " rows",
                    "must hold at least one cell with at least one coordinate");
        }
        int d = expectedDimension >= 0 ? expectedDimension : x[0].length;
        double[][] out = new double[x.length][d];
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null || x[i].length != d) {
                throw InvalidInputException.parameter(name + "[" + i + "]",
                        (x[i] == null ? 0 : x[i].length) + " coordinates",
                        "must have " + d + (expectedDimension >= 0 ? " (the dimension of the source coordinates)"
                                : " (the dimension of row 0)"));
            }
            for (int k = 0; k < d; k++) {
                if (!Double.isFinite(x[i][k])) {
                    throw InvalidInputException.parameter(name + "[" + i + "][" + k + "]", x[i][k], "must be finite");
                }
                out[i][k] = x[i][k] * factor;
            }
        }
        return out;
    }

    @Override
    public int sourceCount() {
        return sources.length;
    }

    @Override
    public int targetCount() {
        return targets.length;
    }

    public int rank() {
        return frlc.rank();
    }

    public double costScale() {
        return costScale;
    }

    public double tauA() {
        return tauA;
    }

    public double tauB() {
        return tauB;
    }

    /** The FRLC settings. */
    public FrlcSolver frlc() {
        return frlc;
    }

    /**
     * Runs FRLC for marginals a, b.
     *
     * @param a        n finite entries ≥ 0, at least rank of them &gt; 0
     * @param b        m finite entries ≥ 0, at least rank (and r₂) of them &gt; 0; rescaled to Σb = Σa when both
     *                 τ = 1 (balanced transport)
     * @param listener FRLC's iterations (phase "frlc"); may be null
     * @return the {@link LowRankCoupling}, FRLC's convergence, no potentials
     * @throws InvalidInputException on bad weights or fewer positive-mass cells than the rank
     */
    @Override
    public Solution solve(double[] a, double[] b, IterationListener listener) {
        int[] sourceRows = positive("a", a, sources.length);
        int[] targetRows = positive("b", b, targets.length);
        if (frlc.rank() > Math.min(sourceRows.length, targetRows.length)) {
            throw InvalidInputException.parameter("rank", frlc.rank(), "must be <= the number of cells with"
                    + " positive mass (" + sourceRows.length + " source, " + targetRows.length + " target)");
        }
        if (frlc.rank2() > targetRows.length) {
            throw InvalidInputException.parameter("rank2", frlc.rank2(), "must be <= the number of target cells"
                    + " with positive mass (" + targetRows.length + ")");
        }
        LowRankGeometry geometry = LowRankGeometry.squaredEuclidean(select(sources, sourceRows),
                select(targets, targetRows));
        double[] targetWeights = select(b, targetRows);
        if (tauA == 1 && tauB == 1) {
            // Balanced transport needs Σb = Σa; a growth prior gives Σa = 1 but Σb = m/n (b = 1/n per target).
            double sa = sum(select(a, sourceRows));
            double sb = sum(targetWeights);
            for (int j = 0; j < targetWeights.length; j++) {
                targetWeights[j] *= sa / sb;
            }
        }
        LowRankProblem problem = new LowRankProblem(geometry, select(a, sourceRows), targetWeights, tauA, tauB);
        FrlcResult result = frlc.solve(problem, listener);
        LowRankCoupling coupling = LowRankCoupling.fromFrlc(result, sourceRows, sources.length, targetRows,
                targets.length, frlc.threads());
        return new Solution(coupling, result.convergence(), null);
    }

    private static double sum(double[] w) {
        double s = 0;
        for (double v : w) {
            s += v;
        }
        return s;
    }

    /** Indices of the positive entries of w; checks length, finiteness, sign and a positive total. */
    private static int[] positive(String name, double[] w, int expected) {
        if (w == null || w.length != expected) {
            throw InvalidInputException.parameter(name, (w == null ? 0 : w.length) + " entries",
                    "must have one entry per cell (" + expected + ")");
        }
        int count = 0;
        for (int i = 0; i < w.length; i++) {
            if (!(w[i] >= 0) || !Double.isFinite(w[i])) {
                throw InvalidInputException.parameter(name + "[" + i + "]", w[i], "must be finite and >= 0");
            }
            if (w[i] > 0) {
                count++;
            }
        }
        if (count == 0) {
            throw InvalidInputException.parameter(name, "all zero", "needs at least one cell with positive mass");
        }
        int[] at = new int[count];
        int k = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] > 0) {
                at[k++] = i;
            }
        }
        return at;
    }

    private static double[][] select(double[][] x, int[] rows) {
        if (rows.length == x.length) {
            return x;
        }
        double[][] out = new double[rows.length][];
        for (int k = 0; k < rows.length; k++) {
            out[k] = x[rows[k]];
        }
        return out;
    }

    private static double[] select(double[] w, int[] rows) {
        if (rows.length == w.length) {
            return w;
        }
        double[] out = new double[rows.length];
        for (int k = 0; k < rows.length; k++) {
            out[k] = w[rows[k]];
        }
        return out;
    }
}
