package org.chreode.kernels.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

class HierarchicalRefinementSolverTest {

    private static double[][] points(String file) {
        SharedData.Table t = SharedData.csv(SharedData.data("raphael_lowrank/" + file));
        double[] xs = t.doubles("x");
        double[] ys = t.doubles("y");
        double[][] out = new double[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            out[i] = new double[] {xs[i], ys[i]};
        }
        return out;
    }

    private static double exactMean(int n) throws IOException {
        String json = Files.readString(SharedData.data("raphael_lowrank/gauss8_to_moons_n" + n + "_exact.json"));
        Matcher mt = Pattern.compile("\"exact_primal_cost_mean\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
        assertTrue(mt.find());
        return Double.parseDouble(mt.group(1));
    }

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

    private static double gauss8(int n, HierarchicalRefinementSolver solver, double bound) throws IOException {
        double[][] x = points("gauss8_to_moons_n" + n + "_X.csv");
        double[][] y = points("gauss8_to_moons_n" + n + "_Y.csv");
        double exact = exactMean(n);
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

    @Test
    void gauss8ToMoons1024IsABijectionWithin2PercentOfExact() throws IOException {
        gauss8(1024, new HierarchicalRefinementSolver(), 1.02);
    }
}
