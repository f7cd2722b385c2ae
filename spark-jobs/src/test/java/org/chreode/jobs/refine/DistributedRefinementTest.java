package org.chreode.jobs.refine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.chreode.jobs.SparkTestBase;
import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.lowrank.FrlcSolver;
import org.chreode.kernels.lowrank.HierarchicalRefinementPlan;
import org.chreode.kernels.lowrank.HierarchicalRefinementResult;
import org.chreode.kernels.lowrank.HierarchicalRefinementSolver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hierarchical Refinement as Spark tasks on {@code local[2]} gives exactly the pairs of the single-node kernel solve,
 * whatever the grouping of blocks into tasks; a kernel error inside a task reaches the caller as the kernel's own
 * exception.
 */
class DistributedRefinementTest extends SparkTestBase {

    /**
     * Base blocks below 32, ranks ≤ 8: schedule [8, 8, 16], so 1, 8 and 64 blocks per stage; FRLC capped at 10–15
     * iterations to keep the test short (the equality under test does not depend on the FRLC accuracy).
     */
    private static final HierarchicalRefinementSolver SOLVER = new HierarchicalRefinementSolver()
            .withSchedule(6, 32, 8).withFrlc(FrlcSolver.DEFAULT_GAMMA, 10, 15).withSeed(7);

    private static double[][] x;
    private static double[][] y;
    private static HierarchicalRefinementResult singleNode;

    @BeforeAll
    static void solveOnOneNode() {
        x = SharedData.gauss8ToMoons(1024, 'X');
        y = SharedData.gauss8ToMoons(1024, 'Y');
        singleNode = SOLVER.solve(x, y);
        assertArrayEquals(new int[] {8, 8, 16}, singleNode.schedule().ranks());
    }

    private static DistributedRefinement.Outcome distributed(double[][] xs, double[][] ys, int maxTasks) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<double[][][]> points = jsc.broadcast(new double[][][] {xs, ys});
        try {
            HierarchicalRefinementPlan plan = SOLVER.plan(xs.length, ys.length);
            return maxTasks > 0 ? DistributedRefinement.run(jsc, points, plan, maxTasks)
                    : DistributedRefinement.run(jsc, points, plan);  // 0: the default grouping
        } finally {
            points.destroy();
        }
    }

    private static void assertSamePairs(DistributedRefinement.Outcome outcome) {
        HierarchicalRefinementResult r = outcome.result();
        assertArrayEquals(singleNode.targetOf(), r.targetOf(), "pairs differ from the single-node solve");
        assertEquals(singleNode.totalCost(), r.totalCost(), 0.0, "total cost, bit for bit");
        assertArrayEquals(new int[] {1, 8, 64}, r.blocksPerLevel());
        assertEquals(3, r.levelSeconds().length);
    }

    /** One task per block: 1, 8 and 64 tasks. */
    @Test
    void oneTaskPerBlockGivesTheSinglePairs() {
        DistributedRefinement.Outcome perBlock = distributed(x, y, 64);
        assertSamePairs(perBlock);
        assertArrayEquals(new int[] {1, 8, 64}, perBlock.tasksPerLevel());
        System.out.println("distributed HiRef [8, 8, 16] level seconds "
                + Arrays.toString(perBlock.result().levelSeconds()) + ", tasks " + Arrays.toString(
                perBlock.tasksPerLevel()));
    }

    /**
     * Uneven grouping (8 blocks in 3 slices, 64 in 3). The default, at most 2 × defaultParallelism tasks, is checked
     * through the CLI in {@link RefineCommandTest}.
     */
    @Test
    void unevenSlicesGiveTheSamePairs() {
        DistributedRefinement.Outcome uneven = distributed(x, y, 3);
        assertSamePairs(uneven);
        assertArrayEquals(new int[] {1, 3, 3}, uneven.tasksPerLevel());
    }

    /** The executors build the geometry from the broadcast points; the kernel's InvalidInputException comes back. */
    @Test
    void kernelErrorInsideATaskReachesTheDriverUnwrapped() {
        double[][] bad = new double[64][];
        for (int i = 0; i < bad.length; i++) {
            bad[i] = new double[] {i, i % 7};
        }
        bad[5] = new double[] {Double.NaN, 0};
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> distributed(bad, bad, 0));
        assertTrue(e.getMessage().contains("source point cloud") && e.getMessage().contains("NaN"),
                e.getMessage());
        assertEquals(1, e.getMessage().strip().lines().count(), e.getMessage());
    }
}
