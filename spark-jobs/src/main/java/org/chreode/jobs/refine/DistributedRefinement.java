package org.chreode.jobs.refine;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.chreode.kernels.lowrank.BlockMatching;
import org.chreode.kernels.lowrank.HierarchicalRefinementPlan;
import org.chreode.kernels.lowrank.HierarchicalRefinementResult;
import org.chreode.kernels.lowrank.LowRankGeometry;
import org.chreode.kernels.lowrank.RefinementBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hierarchical Refinement with every level's independent co-cluster subproblems as Spark tasks. The driver holds
 * only index sets; the math is the kernels' {@link HierarchicalRefinementPlan}, the same code that
 * {@code HierarchicalRefinementSolver.solve} loops over, so the pairs are bit-identical to a single-node solve.
 * <pre>
 *   points (x, y) broadcast once; each executor JVM builds the squared-Euclidean geometry once per broadcast
 *   blocks = [plan.rootBlock()]
 *   level t = 0 … κ − 1:  parallelize(blocks, min(#blocks, maxTasks)).map(plan.refine) → collect children (indices)
 *   base level:           parallelize(blocks, min(#blocks, maxTasks)).map(plan.assign) → collect matched pairs
 * </pre>
 * {@code parallelize} cuts the block list into contiguous slices of equal count; all blocks of a level have sizes
 * within one of each other, so equal counts are equal work. Collect keeps slice order, so the children (and the base
 * matchings) come back in block order and the total cost is summed in the same order as on one node.
 *
 * <p>A kernel exception inside a task (bad points, a numerical failure) is returned as data and rethrown on the
 * driver unchanged, so the user sees the kernel's one-line message rather than a Spark stack trace. Each level sets a
 * job description ({@code refine level 2/3: 64 blocks in 4 tasks, rank 8}) and logs one line with its time, the
 * elapsed time and an ETA (average time per finished level times the levels left: a rough guide, since the base
 * level and the levels differ in cost).
 */
public final class DistributedRefinement {

    private static final Logger LOG = LoggerFactory.getLogger(DistributedRefinement.class);

    /** The result and the number of Spark tasks of each stage (low-rank levels, then the base level). */
    public record Outcome(HierarchicalRefinementResult result, int[] tasksPerLevel) {
    }

    private DistributedRefinement() {
    }

    /** As {@link #run(JavaSparkContext, Broadcast, HierarchicalRefinementPlan, int)} with 2 × defaultParallelism. */
    public static Outcome run(JavaSparkContext jsc, Broadcast<double[][][]> points, HierarchicalRefinementPlan plan) {
        return run(jsc, points, plan, 2 * jsc.defaultParallelism());
    }

    /**
     * Runs the plan on the cluster.
     *
     * @param points   the broadcast {x, y} (source and target points, n × d and m × d) the plan was made for
     * @param maxTasks at most this many tasks per level (blocks are grouped into contiguous slices)
     * @throws RuntimeException the first kernel exception raised inside a task, in block order
     */
    public static Outcome run(JavaSparkContext jsc, Broadcast<double[][][]> points, HierarchicalRefinementPlan plan,
                              int maxTasks) {
        if (maxTasks < 1) {
            throw new IllegalArgumentException("maxTasks must be >= 1, got " + maxTasks);
        }
        int levels = plan.lowRankLevels();
        int stages = levels + 1;
        double[] seconds = new double[stages];
        int[] blocksPerLevel = new int[stages];
        int[] tasksPerLevel = new int[stages];
        long start = System.nanoTime();
        try {
            return runLevels(jsc, points, plan, maxTasks, seconds, blocksPerLevel, tasksPerLevel, start);
        } finally {
            ExecutorGeometry.release();
        }
    }

    private static Outcome runLevels(JavaSparkContext jsc, Broadcast<double[][][]> points,
                                     HierarchicalRefinementPlan plan, int maxTasks, double[] seconds,
                                     int[] blocksPerLevel, int[] tasksPerLevel, long start) {
        int levels = plan.lowRankLevels();
        int stages = levels + 1;
        List<RefinementBlock> blocks = List.of(plan.rootBlock());
        for (int t = 0; t < levels; t++) {
            long levelStart = System.nanoTime();
            int tasks = Math.min(blocks.size(), maxTasks);
            blocksPerLevel[t] = blocks.size();
            tasksPerLevel[t] = tasks;
            jsc.setJobDescription(String.format(Locale.ROOT, "refine level %d/%d: %d blocks in %d tasks, rank %d",
                    t + 1, stages, blocks.size(), tasks, plan.rank(t)));
            List<BlockOutcome> outcomes = jsc.parallelize(blocks, tasks).map(new RefineTask(points, plan)).collect();
            List<RefinementBlock> next = new ArrayList<>();
            for (BlockOutcome o : outcomes) {
                o.rethrow();
                next.addAll(o.children());
            }
            blocks = next;
            seconds[t] = (System.nanoTime() - levelStart) * 1e-9;
            logLevel(t, stages, "rank " + plan.rank(t), blocksPerLevel[t], tasks, seconds[t], start);
        }
        long baseStart = System.nanoTime();
        int tasks = Math.min(blocks.size(), maxTasks);
        blocksPerLevel[levels] = blocks.size();
        tasksPerLevel[levels] = tasks;
        jsc.setJobDescription(String.format(Locale.ROOT, "refine level %d/%d: %d blocks in %d tasks,"
                + " exact assignment", stages, stages, blocks.size(), tasks));
        List<BlockOutcome> outcomes = jsc.parallelize(blocks, tasks).map(new AssignTask(points, plan)).collect();
        List<BlockMatching> matchings = new ArrayList<>(outcomes.size());
        for (BlockOutcome o : outcomes) {
            o.rethrow();
            matchings.add(o.matching());
        }
        seconds[levels] = (System.nanoTime() - baseStart) * 1e-9;
        logLevel(levels, stages, "exact assignment", blocksPerLevel[levels], tasks, seconds[levels], start);
        return new Outcome(plan.result(matchings, seconds, blocksPerLevel), tasksPerLevel);
    }

    private static void logLevel(int t, int stages, String what, int blocks, int tasks, double seconds, long start) {
        double elapsed = (System.nanoTime() - start) * 1e-9;
        int done = t + 1;
        double eta = elapsed / done * (stages - done);
        LOG.info(String.format(Locale.ROOT, "refine level %d/%d (%s): %d blocks in %d tasks, %.2f s; elapsed %.1f s,"
                + " ETA ~%.0f s", done, stages, what, blocks, tasks, seconds, elapsed, eta));
    }

    /** One block's answer: children (refine), a matching (assign), or the exception the kernel threw. */
    record BlockOutcome(List<RefinementBlock> children, BlockMatching matching, RuntimeException error)
            implements Serializable {
        void rethrow() {
            if (error != null) {
                throw error;
            }
        }
    }

    /** level t → t + 1 for one block. */
    private static final class RefineTask implements Function<RefinementBlock, BlockOutcome> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<double[][][]> points;
        private final HierarchicalRefinementPlan plan;

        RefineTask(Broadcast<double[][][]> points, HierarchicalRefinementPlan plan) {
            this.points = points;
            this.plan = plan;
        }

        @Override
        public BlockOutcome call(RefinementBlock block) {
            try {
                return new BlockOutcome(new ArrayList<>(plan.refine(block, ExecutorGeometry.of(points))), null,
                        null);
            } catch (RuntimeException e) {
                return new BlockOutcome(null, null, e);
            }
        }
    }

    /** The exact assignment of one base block. */
    private static final class AssignTask implements Function<RefinementBlock, BlockOutcome> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<double[][][]> points;
        private final HierarchicalRefinementPlan plan;

        AssignTask(Broadcast<double[][][]> points, HierarchicalRefinementPlan plan) {
            this.points = points;
            this.plan = plan;
        }

        @Override
        public BlockOutcome call(RefinementBlock block) {
            try {
                return new BlockOutcome(null, plan.assign(block, ExecutorGeometry.of(points)), null);
            } catch (RuntimeException e) {
                return new BlockOutcome(null, null, e);
            }
        }
    }

    /**
     * The squared-Euclidean geometry of the broadcast points, built once per executor JVM and broadcast value (the
     * rank-(d + 2) factors, 2·(n + m)·(d + 2) doubles) instead of once per task. One entry: the next run's broadcast
     * replaces it. Keyed by the identity of the broadcast value, which the block manager keeps per executor.
     */
    static final class ExecutorGeometry {
        private static Object key;
        private static LowRankGeometry geometry;

        private ExecutorGeometry() {
        }

        static synchronized LowRankGeometry of(Broadcast<double[][][]> points) {
            double[][][] value = points.value();
            if (key != value) {
                geometry = null;
                geometry = LowRankGeometry.squaredEuclidean(value[0], value[1]);
                key = value;
            }
            return geometry;
        }

        /** Drops the cached geometry (the driver calls this after a run; in local mode it is the executor too). */
        static synchronized void release() {
            key = null;
            geometry = null;
        }
    }
}
