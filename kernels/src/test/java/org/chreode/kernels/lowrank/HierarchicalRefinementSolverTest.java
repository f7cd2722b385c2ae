package org.chreode.kernels.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

class HierarchicalRefinementSolverTest {

    private static double sqDist(double[] p, double[] q) {
        double s = 0;
        for (int c = 0; c < p.length; c++) {
            s += (p[c] - q[c]) * (p[c] - q[c]);
        }
        return s;
    }

    /** Asserts a bijection and returns its mean squared-Euclidean cost recomputed from the points. */
    private static double checkBijection(double[][] x, double[][] y, HierarchicalRefinementResult res) {
        int[] targetOf = res.targetOf();
        assertEquals(x.length, targetOf.length);
        boolean[] hit = new boolean[y.length];
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            int j = targetOf[i];
            assertTrue(j >= 0 && j < y.length, "source " + i + " unmatched");
            assertTrue(!hit[j], "target " + j + " matched twice");
            hit[j] = true;
            s += sqDist(x[i], y[j]);
        }
        assertEquals(x.length, res.matchedPairs());
        double mean = s / x.length;
        assertEquals(mean, res.primalCost(), 1e-9 * mean);
        return mean;
    }

    private static double gauss8(int n, HierarchicalRefinementSolver solver, double bound) {
        double[][] x = SharedData.gauss8ToMoons(n, 'X');
        double[][] y = SharedData.gauss8ToMoons(n, 'Y');
        double exact = SharedData.gauss8ToMoonsExactMean(n);
        long start = System.nanoTime();
        HierarchicalRefinementResult res = solver.solve(x, y);
        double seconds = (System.nanoTime() - start) * 1e-9;
        double mean = checkBijection(x, y, res);
        double ratio = mean / exact;
        System.out.printf("HiRef gauss8->moons n=%d schedule %s: cost %.4f exact %.4f ratio %.4f, %.2f s %s%n", n,
                Arrays.toString(res.schedule().ranks()), mean, exact, ratio, seconds,
                Arrays.toString(res.levelSeconds()));
        assertTrue(ratio >= 1 - 1e-9, "below the exact optimum: " + ratio);
        assertTrue(ratio <= bound, "ratio " + ratio + " > " + bound);
        return ratio;
    }

    /** Default settings, schedule [8, 128]: measured 1.0029 (exact assignment in the 8 base blocks of 128). */
    @Test
    void gauss8ToMoons1024IsABijectionWithin2PercentOfExact() {
        gauss8(1024, new HierarchicalRefinementSolver(), 1.02);
    }

    /** Schedule [16, 256] (base blocks of 256), FRLC 10–15 iterations: measured 1.0107 in about 12 s. */
    @Test
    void gauss8ToMoons4096IsABijectionWithin2PercentOfExact() {
        gauss8(4096, new HierarchicalRefinementSolver().withSchedule(6, 512, 16).withFrlc(FrlcSolver.DEFAULT_GAMMA, 10,
                15), 1.02);
    }

    private static double[][] cloud(Random rnd, int n, double cx, double cy, double sd) {
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            out[i] = new double[] {cx + sd * rnd.nextGaussian(), cy + sd * rnd.nextGaussian()};
        }
        return out;
    }

    private static double exactMean(double[][] x, double[][] y) {
        double[][] c = new double[x.length][y.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < y.length; j++) {
                c[i][j] = sqDist(x[i], y[j]);
            }
        }
        return LinearAssignmentTest.cost(c, LinearAssignment.solve(c)) / x.length;
    }

    /** 254 = 2·127: no schedule exists, the one of 253 = 11·23 is applied with uneven blocks; nothing is dropped. */
    @Test
    void sizeWithALargePrimeFactorIsStillABijection() {
        Random rnd = new Random(11);
        double[][] x = cloud(rnd, 254, 0, 0, 1);
        double[][] y = cloud(rnd, 254, 3, 1, 1.5);
        HierarchicalRefinementSolver solver = new HierarchicalRefinementSolver().withSchedule(6, 64, 16);
        HierarchicalRefinementResult res = solver.solve(x, y);
        assertEquals(253, res.schedule().sizeUsed());
        assertArrayEquals(new int[] {11, 23}, res.schedule().ranks());
        assertEquals(2, res.levelSeconds().length);
        double ratio = checkBijection(x, y, res) / exactMean(x, y);
        System.out.printf("HiRef n=254 (uneven blocks) ratio %.4f%n", ratio);
        assertTrue(ratio >= 1 - 1e-9 && ratio <= 1.10, "ratio " + ratio);
        // deterministic for a fixed seed
        assertArrayEquals(res.targetOf(), solver.solve(x, y).targetOf());
    }

    @Test
    void smallProblemIsSolvedExactly() {
        Random rnd = new Random(12);
        double[][] x = cloud(rnd, 100, 0, 0, 1);
        double[][] y = cloud(rnd, 100, 1, 1, 1);
        HierarchicalRefinementResult res = new HierarchicalRefinementSolver().solve(x, y);
        assertArrayEquals(new int[] {100}, res.schedule().ranks());
        assertEquals(exactMean(x, y), checkBijection(x, y, res), 1e-9);
    }

    @Test
    void unequalSizesNeedTheExplicitOption() {
        Random rnd = new Random(13);
        double[][] x = cloud(rnd, 300, 0, 0, 1);
        double[][] y = cloud(rnd, 250, 2, 0, 1);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new HierarchicalRefinementSolver().solve(x, y));
        assertTrue(e.getMessage().contains("withUnequalSizes"), e.getMessage());
        for (boolean flip : new boolean[] {false, true}) {
            double[][] src = flip ? y : x;
            double[][] tgt = flip ? x : y;
            HierarchicalRefinementResult res = new HierarchicalRefinementSolver().withUnequalSizes(true)
                    .withSchedule(6, 64, 16).solve(src, tgt);
            assertEquals(250, res.matchedPairs());
            int[] targetOf = res.targetOf();
            int[] sourceOf = res.sourceOf();
            assertEquals(src.length, targetOf.length);
            assertEquals(tgt.length, sourceOf.length);
            double total = 0;
            int matched = 0;
            for (int i = 0; i < targetOf.length; i++) {
                if (targetOf[i] >= 0) {
                    assertEquals(i, sourceOf[targetOf[i]]);
                    total += sqDist(src[i], tgt[targetOf[i]]);
                    matched++;
                }
            }
            assertEquals(250, matched);
            assertEquals(250, Arrays.stream(sourceOf).filter(v -> v >= 0).count());
            assertEquals(total, res.totalCost(), 1e-9 * total);
            assertEquals(total / 250, res.primalCost(), 1e-9 * total);
        }
    }

    @Test
    void badInputIsRejected() {
        HierarchicalRefinementSolver solver = new HierarchicalRefinementSolver();
        double[][] ok = {{0, 0}, {1, 1}};
        assertThrows(InvalidInputException.class, () -> solver.solve(new double[0][], ok));
        assertThrows(InvalidInputException.class, () -> solver.solve(ok, new double[0][]));
        assertThrows(InvalidInputException.class, () -> solver.solve(ok, new double[][] {{0, 0, 0}, {1, 1, 1}}));
        assertThrows(InvalidInputException.class, () -> solver.solve(new double[][] {{0, Double.NaN}, {1, 1}}, ok));
        assertThrows(InvalidInputException.class, () -> solver.solve(ok, new double[][] {{0, 0}, {1, 1}, {2, 2}}));
        assertThrows(InvalidInputException.class, () -> solver.solve((LowRankGeometry) null));
        assertThrows(InvalidInputException.class, () -> solver.withSchedule(0, 64, 16));
        assertThrows(InvalidInputException.class, () -> solver.withFrlc(-1, 10, 20));
    }
}
