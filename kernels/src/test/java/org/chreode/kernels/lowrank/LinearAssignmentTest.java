package org.chreode.kernels.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

class LinearAssignmentTest {

    private static double bruteForce(double[][] c, int row, boolean[] used) {
        if (row == c.length) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (int j = 0; j < c.length; j++) {
            if (!used[j]) {
                used[j] = true;
                best = Math.min(best, c[row][j] + bruteForce(c, row + 1, used));
                used[j] = false;
            }
        }
        return best;
    }

    static double cost(double[][] c, int[] assignment) {
        boolean[] seen = new boolean[c.length];
        double s = 0;
        for (int i = 0; i < c.length; i++) {
            assertEquals(false, seen[assignment[i]], "column used twice");
            seen[assignment[i]] = true;
            s += c[i][assignment[i]];
        }
        return s;
    }

    @Test
    void matchesBruteForceOnSmallRandomMatrices() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rnd.nextInt(7);
            double[][] c = new double[n][n];
            for (double[] row : c) {
                for (int j = 0; j < n; j++) {
                    row[j] = trial % 3 == 0 ? rnd.nextInt(4) : rnd.nextGaussian() * 10;
                }
            }
            assertEquals(bruteForce(c, 0, new boolean[n]), cost(c, LinearAssignment.solve(c)), 1e-9);
        }
    }

    /** README "intended test": the exact squared-Euclidean assignment of gauss8 -> moons n = 1024. */
    @Test
    void reproducesTheExactGauss8ToMoonsCost() {
        SharedData.Table tx = SharedData.csv(SharedData.data("raphael_lowrank/gauss8_to_moons_n1024_X.csv"));
        SharedData.Table ty = SharedData.csv(SharedData.data("raphael_lowrank/gauss8_to_moons_n1024_Y.csv"));
        double[] x0 = tx.doubles("x");
        double[] x1 = tx.doubles("y");
        double[] y0 = ty.doubles("x");
        double[] y1 = ty.doubles("y");
        int n = x0.length;
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i][j] = (x0[i] - y0[j]) * (x0[i] - y0[j]) + (x1[i] - y1[j]) * (x1[i] - y1[j]);
            }
        }
        double exact = SharedData.gauss8ToMoonsExactMean(1024);
        double mean = cost(c, LinearAssignment.solve(c)) / n;
        assertEquals(exact, mean, 1e-9 * exact);
        SharedData.Table perm = SharedData.csv(SharedData.data("raphael_lowrank/gauss8_to_moons_n1024_exact_perm.csv"));
        double[] pi = perm.doubles("i");
        double[] pj = perm.doubles("j");
        double refTotal = 0;
        for (int k = 0; k < pi.length; k++) {
            refTotal += c[(int) pi[k]][(int) pj[k]];
        }
        assertEquals(refTotal / n, mean, 1e-9 * exact);
    }

    @Test
    void rejectsBadMatrices() {
        assertThrows(InvalidInputException.class, () -> LinearAssignment.solve(new double[0][0]));
        assertThrows(InvalidInputException.class, () -> LinearAssignment.solve(new double[2][3]));
        assertThrows(InvalidInputException.class,
                () -> LinearAssignment.solve(new double[][] {{0, Double.NaN}, {1, 1}}));
    }
}
