package org.chreode.kernels.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.chreode.kernels.SharedData;
import org.junit.jupiter.api.Test;

/**
 * The level-by-level form of Hierarchical Refinement: the blocks of a level processed in any order (reversed,
 * concurrently, after a serialisation round trip, as a distributed driver would) give exactly the pairs of
 * {@link HierarchicalRefinementSolver#solve}.
 */
class HierarchicalRefinementPlanTest {

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(value);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                return (T) in.readObject();
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Runs the plan as a distributed driver would: each level's blocks are serialised, processed in reverse order on
     * a parallel stream, and their children put back in block order.
     */
    private static HierarchicalRefinementResult levelByLevel(HierarchicalRefinementPlan driverPlan,
                                                             LowRankGeometry geometry) {
        HierarchicalRefinementPlan plan = roundTrip(driverPlan);
        int levels = plan.lowRankLevels();
        int[] counts = new int[levels + 1];
        List<RefinementBlock> blocks = List.of(plan.rootBlock());
        for (int t = 0; t < levels; t++) {
            counts[t] = blocks.size();
            List<RefinementBlock> shipped = roundTrip(new ArrayList<>(blocks));
            List<Integer> order = new ArrayList<>();
            for (int b = 0; b < shipped.size(); b++) {
                order.add(b);
            }
            Collections.reverse(order);
            List<List<RefinementBlock>> children = new ArrayList<>(Collections.nCopies(shipped.size(), null));
            order.parallelStream().forEach(b -> {
                List<RefinementBlock> c = plan.refine(shipped.get(b), geometry);
                synchronized (children) {
                    children.set(b, c);
                }
            });
            List<RefinementBlock> next = new ArrayList<>();
            children.forEach(next::addAll);
            blocks = next;
        }
        counts[levels] = blocks.size();
        List<RefinementBlock> base = roundTrip(new ArrayList<>(blocks));
        BlockMatching[] matchings = new BlockMatching[base.size()];
        List<Integer> order = new ArrayList<>();
        for (int b = base.size() - 1; b >= 0; b--) {
            order.add(b);
        }
        order.parallelStream().forEach(b -> matchings[b] = roundTrip(plan.assign(base.get(b), geometry)));
        return driverPlan.result(Arrays.asList(matchings), new double[levels + 1], counts);
    }

    private static void assertSameResult(HierarchicalRefinementResult expected, HierarchicalRefinementResult actual) {
        assertArrayEquals(expected.targetOf(), actual.targetOf());
        assertEquals(expected.totalCost(), actual.totalCost(), 0.0, "total cost, bit for bit");
        assertArrayEquals(expected.schedule().ranks(), actual.schedule().ranks());
        assertArrayEquals(expected.blocksPerLevel(), actual.blocksPerLevel());
    }

    private static double bijectionMean(double[][] x, double[][] y, HierarchicalRefinementResult res) {
        boolean[] hit = new boolean[y.length];
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            int j = res.targetOf()[i];
            assertTrue(j >= 0 && !hit[j], "source " + i + " -> " + j);
            hit[j] = true;
            total += (x[i][0] - y[j][0]) * (x[i][0] - y[j][0]) + (x[i][1] - y[j][1]) * (x[i][1] - y[j][1]);
        }
        return total / x.length;
    }

    /** Defaults, schedule [8, 128]: one FRLC block then 8 exact blocks. */
    @Test
    void levelByLevelEqualsSolveOnGauss8ToMoons1024() {
        double[][] x = SharedData.gauss8ToMoons(1024, 'X');
        double[][] y = SharedData.gauss8ToMoons(1024, 'Y');
        HierarchicalRefinementSolver solver = new HierarchicalRefinementSolver();
        LowRankGeometry geometry = LowRankGeometry.squaredEuclidean(x, y);
        HierarchicalRefinementResult solved = solver.solve(geometry);
        HierarchicalRefinementResult stepped = levelByLevel(solver.plan(1024, 1024), geometry);
        assertSameResult(solved, stepped);
        assertArrayEquals(new int[] {1, 8}, solved.blocksPerLevel());
        double ratio = bijectionMean(x, y, stepped) / SharedData.gauss8ToMoonsExactMean(1024);
        System.out.printf("HiRef level by level n=1024 %s: ratio to exact %.4f%n",
                Arrays.toString(solved.schedule().ranks()), ratio);
        assertTrue(ratio >= 1 - 1e-9 && ratio <= 1.02, "ratio " + ratio);
    }

    /**
     * Base blocks below 32, ranks at most 8 (schedule [8, 8, 16]): two low-rank levels, so child seeds and block order matter. Also checks that
     * sibling blocks get distinct seeds and that every point appears in exactly one block per level.
     */
    @Test
    void twoLevelScheduleIsOrderIndependent() {
        double[][] x = SharedData.gauss8ToMoons(1024, 'X');
        double[][] y = SharedData.gauss8ToMoons(1024, 'Y');
        HierarchicalRefinementSolver solver = new HierarchicalRefinementSolver().withSchedule(6, 32, 8)
                .withFrlc(FrlcSolver.DEFAULT_GAMMA, 10, 15).withSeed(5);
        LowRankGeometry geometry = LowRankGeometry.squaredEuclidean(x, y);
        HierarchicalRefinementResult solved = solver.solve(geometry);
        HierarchicalRefinementPlan plan = solver.plan(1024, 1024);
        assertTrue(plan.lowRankLevels() >= 2, Arrays.toString(plan.schedule().ranks()));
        assertSameResult(solved, levelByLevel(plan, geometry));
        int expectedBlocks = 1;
        for (int t = 0; t < plan.lowRankLevels(); t++) {
            assertEquals(expectedBlocks, solved.blocksPerLevel()[t], "blocks entering level " + t);
            expectedBlocks *= plan.rank(t);
        }
        assertEquals(expectedBlocks, solved.blocksPerLevel()[plan.lowRankLevels()]);

        List<RefinementBlock> children = plan.refine(plan.rootBlock(), geometry);
        Set<Long> seeds = new HashSet<>();
        Set<Integer> sources = new HashSet<>();
        for (RefinementBlock c : children) {
            assertEquals(1, c.level());
            assertTrue(seeds.add(c.seed()), "two siblings with seed " + c.seed());
            for (int i : c.sourcesRef()) {
                assertTrue(sources.add(i), "source " + i + " in two children");
            }
        }
        assertEquals(1024, sources.size());
        assertNotEquals(solver.withSeed(6).solve(geometry).totalCost(), solved.totalCost());
        double ratio = bijectionMean(x, y, solved) / SharedData.gauss8ToMoonsExactMean(1024);
        System.out.printf("HiRef level by level n=1024 %s: ratio to exact %.4f, blocks %s%n",
                Arrays.toString(solved.schedule().ranks()), ratio, Arrays.toString(solved.blocksPerLevel()));
        assertTrue(ratio >= 1 - 1e-9 && ratio <= 1.05, "ratio " + ratio);
    }

    @Test
    void unequalSizesKeepTheSubsampleInTheRootBlock() {
        Random rnd = new Random(3);
        double[][] x = new double[120][];
        double[][] y = new double[90][];
        for (int i = 0; i < x.length; i++) {
            x[i] = new double[] {rnd.nextGaussian(), rnd.nextGaussian()};
        }
        for (int j = 0; j < y.length; j++) {
            y[j] = new double[] {2 + rnd.nextGaussian(), rnd.nextGaussian()};
        }
        HierarchicalRefinementSolver solver = new HierarchicalRefinementSolver().withUnequalSizes(true)
                .withSchedule(6, 20, 8);
        LowRankGeometry geometry = LowRankGeometry.squaredEuclidean(x, y);
        HierarchicalRefinementPlan plan = solver.plan(120, 90);
        assertEquals(90, plan.rootBlock().size());
        assertArrayEquals(plan.rootBlock().sources(), plan.rootBlock().sources(), "root block is deterministic");
        HierarchicalRefinementResult stepped = levelByLevel(plan, geometry);
        assertSameResult(solver.solve(geometry), stepped);
        assertEquals(90, stepped.matchedPairs());
    }

    @Test
    void misuseIsRejected() {
        double[][] x = {{0, 0}, {1, 0}, {0, 1}, {1, 1}};
        LowRankGeometry geometry = LowRankGeometry.squaredEuclidean(x, x);
        HierarchicalRefinementPlan plan = new HierarchicalRefinementSolver().withSchedule(6, 3, 2).plan(4, 4);
        assertArrayEquals(new int[] {2, 2}, plan.schedule().ranks());
        RefinementBlock base = new RefinementBlock(new int[] {0, 1}, new int[] {2, 3}, 1, 0);
        assertThrows(IllegalArgumentException.class, () -> plan.refine(base, geometry));
        assertThrows(IllegalArgumentException.class, () -> plan.assign(base,
                LowRankGeometry.squaredEuclidean(new double[][] {{0, 0}}, new double[][] {{1, 1}})));
        assertThrows(IllegalArgumentException.class, () -> new RefinementBlock(new int[] {0}, new int[] {1, 2}, 0, 0));
        BlockMatching m = plan.assign(base, geometry);
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> plan.result(List.of(m, m), new double[2], new int[2]));
        assertTrue(twice.getMessage().contains("matched twice"), twice.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> plan.result(List.of(m), new double[2], new int[2]));
        assertTrue(missing.getMessage().contains("cover 2 pairs, expected 4"), missing.getMessage());
        assertThrows(org.chreode.kernels.common.InvalidInputException.class,
                () -> new HierarchicalRefinementSolver().plan(4, 3));
    }
}
