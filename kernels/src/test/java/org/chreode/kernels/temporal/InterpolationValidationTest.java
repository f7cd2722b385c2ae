package org.chreode.kernels.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.junit.jupiter.api.Test;

/** Held-out interpolation (spec unbalanced_temporal_ot.md §6.1) and the exact W2 it uses. */
class InterpolationValidationTest {

    @Test
    void exactW2OfAShiftedPermutedCloudIsTheShift() {
        Random rng = new Random(3);
        int k = 60;
        double[][] x = new double[k][2];
        double[][] y = new double[k][];
        for (double[] p : x) {
            p[0] = rng.nextGaussian();
            p[1] = rng.nextGaussian();
        }
        for (int i = 0; i < k; i++) {
            // a translation is optimal for W2 (cyclical monotonicity); store it permuted
            double[] p = x[(i * 7) % k];
            y[i] = new double[] {p[0] + 0.3, p[1] - 0.4};
        }
        assertEquals(0.5, InterpolationValidation.exactW2(x, y), 1e-12);
        // 1-D: the optimal matching is the sorted one
        double[][] u = {{0}, {3}, {1}};
        double[][] v = {{5}, {2}, {4}};
        assertEquals(Math.sqrt((4 + 9 + 4) / 3.0), InterpolationValidation.exactW2(u, v), 1e-12); // 0-2, 1-4, 3-5
        assertThrows(InvalidInputException.class, () -> InterpolationValidation.exactW2(u, new double[][] {{1}}));
    }

    /**
     * Two lineages drifting along parallel lines in opposite directions: lineage A (x in [0, 1]) moves up by 3 per
     * time unit, lineage B (x in [6, 7]) moves down by 3; small noise across the lines.
     */
    private static double[][] cloud(double t, int n, long seed) {
        Random rng = new Random(seed);
        double[][] x = new double[n][2];
        for (int i = 0; i < n; i++) {
            boolean a = i % 2 == 0;
            x[i][0] = rng.nextDouble() + (a ? 0 : 6);
            x[i][1] = (a ? 3 : -3) * t + 0.1 * rng.nextGaussian();
        }
        return x;
    }

    @Test
    void interpolationOfADriftIsFarBelowTheBaselines() {
        double[][] source = cloud(0, 150, 1);
        double[][] middle = cloud(1, 150, 2);
        double[][] target = cloud(2, 150, 3);
        TemporalCost.Cost cost = TemporalCost.squaredEuclidean(source, target, CostNormalization.MEAN);
        UnbalancedSinkhorn.Result sol = new UnbalancedSinkhorn(1e-3, 1, 1).solve(cost.matrix(), null);
        assertTrue(sol.convergence().status() == org.chreode.kernels.common.Convergence.Status.CONVERGED);
        double[][] p = sol.coupling(cost.matrix());
        double[] growth = new double[source.length];
        java.util.Arrays.fill(growth, 1.0);
        InterpolationValidation.Distances d = new InterpolationValidation(1000, 11)
                .evaluate(source, middle, target, p, growth, 0.5);
        System.out.printf("drift: I %.4f R %.4f Rg %.4f F %.4f L %.4f (k = %d)%n", d.interpolated(), d.random(),
                d.randomGrowth(), d.first(), d.last(), d.sampleSize());
        assertEquals(150, d.sampleSize());
        // noise floor: two independent samples of the middle time point
        double floor = InterpolationValidation.exactW2(middle, cloud(1, 150, 4));
        System.out.printf("drift: noise floor %.4f%n", floor);
        assertTrue(d.interpolated() < 2 * floor, "I " + d.interpolated() + " vs noise floor " + floor);
        assertTrue(d.interpolated() < 0.2 * d.random(), "I " + d.interpolated() + " vs R " + d.random());
        assertTrue(d.interpolated() < 0.2 * d.randomGrowth(), "I vs Rg");
        assertTrue(d.interpolated() < 0.1 * d.first() && d.interpolated() < 0.1 * d.last(), "I vs F, L");
        // the endpoints are one time unit of drift (3) away from the middle
        assertEquals(3.0, d.first(), 0.2);
        assertEquals(3.0, d.last(), 0.2);
        // same seed, same numbers
        InterpolationValidation.Distances again = new InterpolationValidation(1000, 11)
                .evaluate(source, middle, target, p, growth, 0.5);
        assertEquals(d, again);
    }

    /** Projecting the pair's own cells reproduces their scores (both the Gram and the covariance branch). */
    @Test
    void projectionIntoTheLocalPcaReproducesThePairScores() {
        for (int features : new int[] {40, 3}) {
            Random rng = new Random(features);
            double[][] x = new double[8][features];
            double[][] y = new double[7][features];
            for (double[][] m : new double[][][] {x, y}) {
                for (double[] row : m) {
                    for (int c = 0; c < features; c++) {
                        row[c] = rng.nextGaussian() + c % 3;
                    }
                }
            }
            TemporalCost.PairCoordinates pca = TemporalCost.localPca(x, y, 3);
            double[][] projected = TemporalCost.project(x, y, pca, y);
            for (int j = 0; j < y.length; j++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(pca.target()[j], projected[j], 1e-9);
            }
        }
    }

    @Test
    void badInputsThrow() {
        assertThrows(InvalidInputException.class, () -> new InterpolationValidation(1, 0));
        double[][] x = {{0.0}, {1.0}};
        double[][] p = {{0.5, 0}, {0, 0.5}};
        InterpolationValidation v = new InterpolationValidation(10, 0);
        assertThrows(InvalidInputException.class, () -> v.evaluate(x, x, x, p, new double[] {1, 1}, 1.0));
        assertThrows(InvalidInputException.class, () -> v.evaluate(x, x, x, new double[][] {{0, 0}, {0, 0}},
                new double[] {1, 1}, 0.5));
    }
}
