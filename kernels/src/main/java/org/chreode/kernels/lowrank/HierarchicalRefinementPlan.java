package org.chreode.kernels.lowrank;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hierarchical Refinement as a level-by-level computation over independent {@link RefinementBlock}s, without any
 * knowledge of how the blocks are scheduled. {@link HierarchicalRefinementSolver#solve} is a sequential loop over this
 * plan; a distributed driver runs the same three pure functions on workers and gets bit-identical pairs:
 * <pre>
 *   plan   = solver.plan(n, m)                                 schedule (r₁, …, r_κ, Q*), settings, sizes
 *   blocks = [plan.rootBlock()]                                (level 0; the subsample when n ≠ m)
 *   for t = 0 … κ − 1:  blocks = concat(plan.refine(b, geometry) for b in blocks)      (level t → t + 1)
 *   result = plan.result([plan.assign(b, geometry) for b in blocks], seconds, counts)
 * </pre>
 * {@link #refine} splits one block with FRLC at the level's rank r_t into r_t disjoint co-clusters (or passes a block
 * of at most r_t points through unchanged); {@link #assign} solves a base block exactly. Each depends only on its
 * block (indices, level, seed) and the geometry, never on other blocks or on shared random state, so the order in
 * which blocks are processed does not change any result. The concatenation order (children in parent order, child z
 * at position z) fixes the order of the matchings and hence the floating-point sum of the total cost.
 *
 * <p>Memory per call: {@link #refine} O(s·(r_t + k)) for a block of s points and a rank-k geometry (the FRLC factors
 * of the block and the block's rows of A and B); {@link #assign} O(s²) (the block's cost matrix, s ≤ Q*).
 *
 * <p>Immutable and serializable (a few numbers: the schedule and the FRLC settings; no points and no index sets).
 *
 * @since 0.1
 */
public final class HierarchicalRefinementPlan implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int n;
    private final int m;
    private final RankSchedule schedule;
    private final long seed;
    private final double gamma;
    private final int minIterations;
    private final int maxIterations;
    private final int projectionIterations;
    /** Threads of each block's FRLC solve: 1 inside a Spark task (the task is the unit of parallelism). */
    private final int threads;

    HierarchicalRefinementPlan(int n, int m, RankSchedule schedule, long seed, double gamma, int minIterations,
                               int maxIterations, int projectionIterations, int threads) {
        this.n = n;
        this.m = m;
        this.schedule = schedule;
        this.seed = seed;
        this.gamma = gamma;
        this.minIterations = minIterations;
        this.maxIterations = maxIterations;
        this.projectionIterations = projectionIterations;
        this.threads = threads;
    }

    /** Number of source points of the geometry this plan is for. */
    public int n() {
        return n;
    }

    /** Number of target points of the geometry this plan is for. */
    public int m() {
        return m;
    }

    /** Number of pairs the matching will have, min(n, m). */
    public int matchedPairs() {
        return Math.min(n, m);
    }

    /** The rank schedule: low-rank level ranks, then the base block size. */
    public RankSchedule schedule() {
        return schedule;
    }

    /** κ, the number of low-rank levels; blocks of level κ are base blocks. */
    public int lowRankLevels() {
        return schedule.ranks().length - 1;
    }

    /** r_t, the FRLC rank of level t (0 ≤ t &lt; κ). */
    public int rank(int level) {
        if (level < 0 || level >= lowRankLevels()) {
            throw new IllegalArgumentException("level " + level + " is not a low-rank level (0.."
                    + (lowRankLevels() - 1) + ")");
        }
        return schedule.ranks()[level];
    }

    /**
     * The level-0 block: all points when n = m, otherwise min(n, m) points of the larger side drawn uniformly at
     * random with the solver seed (ascending indices); its seed is the solver seed.
     */
    public RefinementBlock rootBlock() {
        int k = matchedPairs();
        SplittableRandom rng = new SplittableRandom(seed);
        int[] sources = subsample(n, k, rng);
        int[] targets = subsample(m, k, rng);
        return RefinementBlock.owning(sources, targets, 0, seed);
    }

    /**
     * One refinement step: the children of {@code block} at level {@code block.level() + 1}. A block of s &gt; r_t
     * points is split by FRLC at rank r_t (seeded with the block's seed) into r_t disjoint co-clusters of sizes ⌊s/r_t⌋
     * or ⌈s/r_t⌉ (see {@link HierarchicalRefinementSolver}); child z gets seed {@link RefinementBlock#childSeed
     * childSeed(block.seed(), z)}. A block of s ≤ r_t points is returned alone, one level further, with its seed.
     *
     * @throws IllegalArgumentException if the block is not at a low-rank level or the geometry has other sizes
     */
    public List<RefinementBlock> refine(RefinementBlock block, LowRankGeometry geometry) {
        checkGeometry(geometry);
        int r = rank(block.level());
        int next = block.level() + 1;
        if (block.size() <= r) {
            return List.of(RefinementBlock.owning(block.sourcesRef(), block.targetsRef(), next, block.seed()));
        }
        int[] rows = block.sourcesRef();
        int[] cols = block.targetsRef();
        int s = rows.length;
        double[][] subA = new double[s][];
        double[][] subB = new double[s][];
        for (int i = 0; i < s; i++) {
            subA[i] = geometry.leftRow(rows[i]);
            subB[i] = geometry.rightRow(cols[i]);
        }
        FrlcResult res = new FrlcSolver(r)
                .withInnerMarginalWeight(Double.POSITIVE_INFINITY)
                .withGamma(gamma)
                .withIterations(minIterations, maxIterations)
                .withSeed(block.seed())
                .withProjectionIterations(projectionIterations, FrlcSolver.DEFAULT_LATENT_ITERATIONS)
                .withThreads(threads)
                .solve(LowRankProblem.uniform(LowRankGeometry.of(subA, subB)));
        double[][] q = res.q();
        double[][] t = res.t();
        double[] gQ = res.gQ();
        double[][] qPrime = new double[s][r];
        for (int i = 0; i < s; i++) {
            for (int kk = 0; kk < r; kk++) {
                double x = q[i][kk] / gQ[kk];
                for (int l = 0; l < r; l++) {
                    qPrime[i][l] += x * t[kk][l];
                }
            }
        }
        int[] sizes = new int[r];
        for (int z = 0; z < r; z++) {
            sizes[z] = s / r + (z < s % r ? 1 : 0);
        }
        int[][] srcParts = partition(rows, HierarchicalRefinementSolver.capacitySplit(qPrime, sizes), sizes);
        int[][] tgtParts = partition(cols, HierarchicalRefinementSolver.capacitySplit(res.r(), sizes), sizes);
        List<RefinementBlock> children = new ArrayList<>(r);
        for (int z = 0; z < r; z++) {
            children.add(RefinementBlock.owning(srcParts[z], tgtParts[z], next, RefinementBlock.childSeed(
                    block.seed(), z)));
        }
        return Collections.unmodifiableList(children);
    }

    /**
     * The base case: the exact assignment ({@link LinearAssignment}, O(s³)) of a block under the geometry's cost.
     *
     * @throws IllegalArgumentException if the geometry has other sizes than the plan
     */
    public BlockMatching assign(RefinementBlock block, LowRankGeometry geometry) {
        checkGeometry(geometry);
        int[] rows = block.sourcesRef();
        int[] cols = block.targetsRef();
        double[][] cost = new double[rows.length][cols.length];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < cols.length; j++) {
                cost[i][j] = geometry.cost(rows[i], cols[j]);
            }
        }
        int[] match = LinearAssignment.solve(cost);
        int[] partners = new int[rows.length];
        double total = 0;
        for (int i = 0; i < rows.length; i++) {
            partners[i] = cols[match[i]];
            total += cost[i][match[i]];
        }
        return new BlockMatching(rows.clone(), partners, total);
    }

    /**
     * Assembles the result from the base-block matchings, in block order (the total cost is summed in that order).
     *
     * @param matchings      the {@link #assign} results of every base block, in the order of the last level
     * @param levelSeconds   wall-clock seconds per low-rank level, then for the base level (κ + 1 entries)
     * @param blocksPerLevel blocks entering each low-rank level, then base blocks (κ + 1 entries)
     * @throws IllegalArgumentException if a point is matched twice or the matchings do not cover min(n, m) pairs
     */
    public HierarchicalRefinementResult result(List<BlockMatching> matchings, double[] levelSeconds,
                                               int[] blocksPerLevel) {
        int levels = lowRankLevels() + 1;
        if (levelSeconds.length != levels || blocksPerLevel.length != levels) {
            throw new IllegalArgumentException("expected " + levels + " level timings and block counts, got "
                    + levelSeconds.length + " and " + blocksPerLevel.length);
        }
        int[] targetOf = new int[n];
        Arrays.fill(targetOf, -1);
        boolean[] targetUsed = new boolean[m];
        double total = 0;
        int pairs = 0;
        for (BlockMatching matching : matchings) {
            int[] rows = matching.sourcesRef();
            int[] cols = matching.targetsRef();
            for (int i = 0; i < rows.length; i++) {
                if (targetOf[rows[i]] >= 0 || targetUsed[cols[i]]) {
                    throw new IllegalArgumentException("source " + rows[i] + " or target " + cols[i]
                            + " is matched twice");
                }
                targetOf[rows[i]] = cols[i];
                targetUsed[cols[i]] = true;
            }
            pairs += rows.length;
            total += matching.totalCost();
        }
        if (pairs != matchedPairs()) {
            throw new IllegalArgumentException("the matchings cover " + pairs + " pairs, expected "
                    + matchedPairs());
        }
        return new HierarchicalRefinementResult(targetOf, m, total, schedule, levelSeconds, blocksPerLevel);
    }

    private void checkGeometry(LowRankGeometry geometry) {
        if (geometry.n() != n || geometry.m() != m) {
            throw new IllegalArgumentException("the plan is for " + n + " x " + m + " points but the geometry is "
                    + geometry.n() + " x " + geometry.m());
        }
    }

    private static int[][] partition(int[] ids, int[] label, int[] sizes) {
        int[][] parts = new int[sizes.length][];
        int[] fill = new int[sizes.length];
        for (int z = 0; z < sizes.length; z++) {
            parts[z] = new int[sizes[z]];
        }
        for (int i = 0; i < ids.length; i++) {
            parts[label[i]][fill[label[i]]++] = ids[i];
        }
        return parts;
    }

    /** k of 0..size−1 uniformly at random, ascending (all of them when k = size). */
    private static int[] subsample(int size, int k, SplittableRandom rng) {
        int[] all = new int[size];
        for (int i = 0; i < size; i++) {
            all[i] = i;
        }
        if (k == size) {
            return all;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(size - i);
            int tmp = all[i];
            all[i] = all[j];
            all[j] = tmp;
        }
        int[] out = Arrays.copyOf(all, k);
        Arrays.sort(out);
        return out;
    }
}
