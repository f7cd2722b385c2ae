package org.chreode.kernels.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;

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

    @Test
    void agreesWithTheTestHungarianOnLargerMatrices() {
        Random rnd = new Random(4);
        double[][] c = new double[150][150];
        for (double[] row : c) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rnd.nextDouble();
            }
        }
        assertEquals(cost(c, Hungarian.solve(c)), cost(c, LinearAssignment.solve(c)), 1e-9);
    }

    @Test
    void rejectsBadMatrices() {
        assertThrows(InvalidInputException.class, () -> LinearAssignment.solve(new double[0][0]));
        assertThrows(InvalidInputException.class, () -> LinearAssignment.solve(new double[2][3]));
        assertThrows(InvalidInputException.class,
                () -> LinearAssignment.solve(new double[][] {{0, Double.NaN}, {1, 1}}));
    }
}
