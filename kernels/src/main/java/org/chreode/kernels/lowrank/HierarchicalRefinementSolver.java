package org.chreode.kernels.lowrank;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.chreode.kernels.common.InvalidInputException;

/**
 * Hierarchical Refinement (HiRef; Halmos, Gold, Liu, Raphael, ICML 2025; spec {@code lowrank.md} §4): an
 * approximate optimal assignment (a bijection between two equal-size point sets) in linear memory, by recursive
 * low-rank co-clustering.
 *
 * <p><b>Algorithm.</b>
 * <pre>
 *   schedule = RankSchedule (r₁, …, r_κ, Q*)                      (§4.2, see {@link RankSchedule})
 *   blocks = [(all sources, all targets)]
 *   for each level rank r_t:
 *       for each block (I, J), |I| = |J| = s:
 *           if s ≤ r_t: keep (I, J) for the base case
 *           else: FRLC at rank r_t on (A[I], B[J]) with uniform weights and inner marginals fixed at 1/r_t;
 *                 split I and J into r_t DISJOINT co-clusters of sizes ⌊s/r_t⌋ or ⌈s/r_t⌉ (the same size list on
 *                 both sides), source cluster z ↔ target cluster z
 *   base case: exact assignment (Hungarian, O(s³), {@link LinearAssignment}) on every remaining block
 * </pre>
 * This is the disjoint (non-overlapping) variant of the reference {@code HR_OT}: every point belongs to exactly one
 * block at every level, so the output is a bijection by construction. The reference's last level (an LR-OT of rank
 * Q* = block size followed by a capacity-1 greedy split) is replaced by an exact assignment per Q* block, the
 * improvement measured in spec §7 (+1.0 % instead of +1.6 % at n = 1024).
 *
 * <p><b>The low-rank solve.</b> {@link FrlcSolver} (FRLC) with τ_in = ∞, i.e. inner marginals fixed at g = 1/r (the
 * HiRef copy of FRLC, spec §2.8): co-clusters must have equal mass for an equal-size split. The root block is seeded
 * with {@code seed}; every other block with a hash of its parent's seed and its index among its siblings
 * ({@link RefinementBlock#childSeed}), so a block's seed depends only on its place in the tree, never on the order in
 * which blocks are solved.
 *
 * <p><b>Level by level.</b> {@link #solve} is a sequential loop over the per-block steps of
 * {@link #plan(int, int)} ({@link HierarchicalRefinementPlan#refine}, {@link HierarchicalRefinementPlan#assign}); the
 * Spark job runs the same steps as one task per block (or per group of blocks) and gets bit-identical pairs.
 *
 * <p><b>The split</b> (capacity-constrained, disjoint). Source memberships are the rows of the diagonalised factor
 * Q′ = Q diag(1/g_Q) T (column z of Q′ is the same co-cluster as column z of R; spec §4.3), target memberships the
 * rows of R, each row normalised to a probability. Points are assigned greedily by decreasing membership over all
 * (point, cluster) pairs: a pair is taken when the point is still free and the cluster below its capacity. Unlike the
 * reference's column-order greedy ("top-cap rows of column 0, then column 1, …"), no cluster is favoured by its index.
 *
 * <p><b>n not a product of small ranks.</b> The schedule is {@link RankSchedule#nearestFeasible}: the exact DP
 * schedule when n has one, otherwise that of the largest n′ &lt; n that has one, applied to all n points with block
 * sizes differing by at most one (spec §4.4 option 1). No point is dropped (the reference drops n − n′ points).
 *
 * <p><b>n ≠ m.</b> Rejected with {@link InvalidInputException} unless {@link #withUnequalSizes(boolean)} is on; then
 * the larger side is subsampled uniformly at random (seeded) to min(n, m) points, as in the HiRef experiments
 * (spec §4.4), and those points are matched one-to-one; the others are reported unmatched (−1).
 *
 * <p><b>Measured</b> (gauss8 → moons, squared Euclidean, 2-core machine, ratio to the exact optimum): n = 1024,
 * defaults, schedule [8, 128]: 1.0029 (0.9 s since the scaling-form projections of {@link SinkhornProjection}; 5–12 s
 * before); n = 4096, maxBase 512, FRLC 10–15 iterations, [16, 256]: 1.0107 (1.6 s); [4, 16, 64]: 1.0177. At scale
 * (30-D, docs/benchmarks.md): 2^20 points per side in 888 s wall, 10.3 GiB peak, on 2 cores. Quality depends
 * on the FRLC accuracy (10–15 iterations or 60 projection updates cost 1–5 %) and on the first rank: [4, 256] at
 * n = 1024 gave 1.058, because four co-clusters must cut through the eight Gaussian modes — prefer a first rank at least
 * the number of well-separated modes.
 *
 * <p>Time O(Σ_t iters·K·n·r_t + n·Q*²), memory O(n·(max r_t + d) + Q*²); here blocks are solved one after the
 * other.
 *
 * @since 0.1
 */
public final class HierarchicalRefinementSolver {

    /** Default base block bound max_Q: Q* is the largest divisor of n below it (exact assignment blocks). */
    public static final int DEFAULT_MAX_BASE = 256;
    /** Default largest rank per level (reference: 16). */
    public static final int DEFAULT_MAX_RANK = 16;
    /** Default hierarchy depth κ (reference: 6). */
    public static final int DEFAULT_DEPTH = 6;

    private final int depth;
    private final int maxBase;
    private final int maxRank;
    private final boolean unequalSizes;
    private final long seed;
    private final double gamma;
    private final int minIterations;
    private final int maxIterations;
    private final int projectionIterations;
    private final int threads;

    /** Defaults: depth 6, max base block 256, max rank 16, FRLC defaults, seed 0, n ≠ m rejected. */
    public HierarchicalRefinementSolver() {
        this(DEFAULT_DEPTH, DEFAULT_MAX_BASE, DEFAULT_MAX_RANK, false, 0L, FrlcSolver.DEFAULT_GAMMA,
                FrlcSolver.DEFAULT_MIN_ITERATIONS, FrlcSolver.DEFAULT_MAX_ITERATIONS, FrlcSolver.DEFAULT_FACTOR_ITERATIONS,
                1);
    }

    private HierarchicalRefinementSolver(int depth, int maxBase, int maxRank, boolean unequalSizes, long seed,
                                         double gamma, int minIterations, int maxIterations,
                                         int projectionIterations, int threads) {
        this.depth = InvalidInputException.requireAtLeast("depth", depth, 1);
        this.maxBase = InvalidInputException.requireAtLeast("maxBase", maxBase, 2);
        this.maxRank = InvalidInputException.requireAtLeast("maxRank", maxRank, 2);
        this.unequalSizes = unequalSizes;
        this.seed = seed;
        this.gamma = InvalidInputException.requirePositive("gamma", gamma);
        this.minIterations = InvalidInputException.requireAtLeast("minIterations", minIterations, 0);
        this.maxIterations = InvalidInputException.requireAtLeast("maxIterations", maxIterations, 1);
        this.projectionIterations = InvalidInputException.requireAtLeast("projectionIterations",
                projectionIterations, 1);
        this.threads = InvalidInputException.requireAtLeast("threads", threads, 1);
    }

    /** Schedule parameters (spec §4.2): hierarchy depth κ, base block bound max_Q (strict), largest level rank. */
    public HierarchicalRefinementSolver withSchedule(int newDepth, int newMaxBase, int newMaxRank) {
        return new HierarchicalRefinementSolver(newDepth, newMaxBase, newMaxRank, unequalSizes, seed, gamma,
                minIterations, maxIterations, projectionIterations, threads);
    }

    /** Allow n ≠ m by subsampling the larger side to min(n, m) (see the class comment). */
    public HierarchicalRefinementSolver withUnequalSizes(boolean allow) {
        return new HierarchicalRefinementSolver(depth, maxBase, maxRank, allow, seed, gamma, minIterations,
                maxIterations, projectionIterations, threads);
    }

    /** Seed of the FRLC initialisations and of the subsampling. */
    public HierarchicalRefinementSolver withSeed(long newSeed) {
        return new HierarchicalRefinementSolver(depth, maxBase, maxRank, unequalSizes, newSeed, gamma, minIterations,
                maxIterations, projectionIterations, threads);
    }

    /** FRLC step scale γ and iteration bounds used at every level. */
    public HierarchicalRefinementSolver withFrlc(double newGamma, int newMinIterations, int newMaxIterations) {
        return new HierarchicalRefinementSolver(depth, maxBase, maxRank, unequalSizes, seed, newGamma,
                newMinIterations, newMaxIterations, projectionIterations, threads);
    }

    /** Cap on the Sinkhorn updates of each FRLC Q/R projection (FRLC default {@value FrlcSolver#DEFAULT_FACTOR_ITERATIONS}). */
    public HierarchicalRefinementSolver withProjectionIterations(int newProjectionIterations) {
        return new HierarchicalRefinementSolver(depth, maxBase, maxRank, unequalSizes, seed, gamma, minIterations,
                maxIterations, newProjectionIterations, threads);
    }

    /** Threads of each FRLC solve ({@link FrlcSolver#withThreads}); 1 (default) inside a one-core Spark task. */
    public HierarchicalRefinementSolver withThreads(int newThreads) {
        return new HierarchicalRefinementSolver(depth, maxBase, maxRank, unequalSizes, seed, gamma, minIterations,
                maxIterations, projectionIterations, newThreads);
    }

    /**
     * Matches point clouds under the squared-Euclidean cost.
     *
     * @throws InvalidInputException on an empty cloud, differing dimensions, NaN/∞, or n ≠ m without
     *                               {@link #withUnequalSizes(boolean)}
     */
    public HierarchicalRefinementResult solve(double[][] x, double[][] y) {
        return solve(LowRankGeometry.squaredEuclidean(x, y));
    }

    /** Matches the rows and columns of a factored cost C = A Bᵀ. */
    public HierarchicalRefinementResult solve(LowRankGeometry geometry) {
        if (geometry == null) {
            throw new InvalidInputException("Hierarchical refinement needs a geometry (got null).");
        }
        HierarchicalRefinementPlan plan = plan(geometry.n(), geometry.m());
        int levels = plan.lowRankLevels();
        double[] seconds = new double[levels + 1];
        int[] blocksPerLevel = new int[levels + 1];
        List<RefinementBlock> blocks = List.of(plan.rootBlock());
        for (int t = 0; t < levels; t++) {
            long start = System.nanoTime();
            blocksPerLevel[t] = blocks.size();
            List<RefinementBlock> next = new ArrayList<>();
            for (RefinementBlock block : blocks) {
                next.addAll(plan.refine(block, geometry));
            }
            blocks = next;
            seconds[t] = (System.nanoTime() - start) * 1e-9;
        }
        long start = System.nanoTime();
        blocksPerLevel[levels] = blocks.size();
        List<BlockMatching> matchings = new ArrayList<>(blocks.size());
        for (RefinementBlock block : blocks) {
            matchings.add(plan.assign(block, geometry));
        }
        seconds[levels] = (System.nanoTime() - start) * 1e-9;
        return plan.result(matchings, seconds, blocksPerLevel);
    }

    /**
     * The level-by-level form of {@link #solve(LowRankGeometry)} for an n × m problem: rank schedule, root block and
     * per-block steps (see {@link HierarchicalRefinementPlan}), for drivers that schedule the blocks themselves.
     *
     * @throws InvalidInputException when n or m is below 1, or n ≠ m without {@link #withUnequalSizes(boolean)}
     */
    public HierarchicalRefinementPlan plan(int n, int m) {
        if (n < 1 || m < 1) {
            throw new InvalidInputException("Hierarchical refinement needs at least one source and one target point,"
                    + " got n = " + n + " and m = " + m + ".");
        }
        if (n != m && !unequalSizes) {
            throw new InvalidInputException("Hierarchical refinement computes a bijection and needs as many source"
                    + " as target points, got n = " + n + " and m = " + m
                    + "; enable withUnequalSizes(true) to subsample the larger side to " + Math.min(n, m) + ".");
        }
        RankSchedule schedule = RankSchedule.nearestFeasible(Math.min(n, m), depth, maxBase, maxRank);
        return new HierarchicalRefinementPlan(n, m, schedule, seed, gamma, minIterations, maxIterations,
                projectionIterations, threads);
    }

    /**
     * Assigns every row to a cluster, cluster z receiving exactly sizes[z] rows, greedily by decreasing row-normalised
     * membership over all (row, cluster) pairs (ties: lower row, then lower cluster).
     */
    static int[] capacitySplit(double[][] membership, int[] sizes) {
        int s = membership.length;
        int r = sizes.length;
        double[] key = new double[s * r];
        for (int i = 0; i < s; i++) {
            double sum = 0;
            for (int z = 0; z < r; z++) {
                sum += membership[i][z];
            }
            for (int z = 0; z < r; z++) {
                key[i * r + z] = sum > 0 ? membership[i][z] / sum : 1.0 / r;
            }
        }
        Integer[] order = new Integer[s * r];
        for (int p = 0; p < order.length; p++) {
            order[p] = p;
        }
        Arrays.sort(order, (p1, p2) -> {
            int c = Double.compare(key[p2], key[p1]);
            return c != 0 ? c : Integer.compare(p1, p2);
        });
        int[] label = new int[s];
        Arrays.fill(label, -1);
        int[] fill = new int[r];
        int assigned = 0;
        for (int p : order) {
            int i = p / r;
            int z = p % r;
            if (label[i] < 0 && fill[z] < sizes[z]) {
                label[i] = z;
                fill[z]++;
                if (++assigned == s) {
                    break;
                }
            }
        }
        return label;
    }
}
