package org.chreode.kernels.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.sinkhorn.BalancedSinkhorn;
import org.junit.jupiter.api.Test;

class UnbalancedSinkhornTest {

    private static final IterationListener NONE = IterationListener.NONE;

    private static double[][] randomCost(Random rnd, int n, int m) {
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                c[i][j] = rnd.nextDouble();
            }
        }
        return c;
    }

    private static double[] randomMarginal(Random rnd, int n, double total) {
        double[] w = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = 0.2 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] *= total / s;
        }
        return w;
    }

    @Test
    void badParametersThrowWithClearMessages() {
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> new UnbalancedSinkhorn(0.1, 0, 1));
        assertTrue(e.getMessage().contains("tauA") && e.getMessage().contains("(0, 1]"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new UnbalancedSinkhorn(0.1, 1, 1.5));
        assertTrue(e.getMessage().contains("tauB") && e.getMessage().contains("1.5"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> new UnbalancedSinkhorn(0.1, Double.NaN, 1));
        assertThrows(InvalidInputException.class, () -> new UnbalancedSinkhorn(0.1, -0.5, 1));
        e = assertThrows(InvalidInputException.class, () -> new UnbalancedSinkhorn(-1, 0.5, 0.5));
        assertTrue(e.getMessage().contains("epsilon"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> new UnbalancedSinkhorn(1, 0.5, 0.5, 0, 10));
        assertThrows(InvalidInputException.class, () -> new UnbalancedSinkhorn(1, 0.5, 0.5, 1e-9, 0));
    }

    @Test
    void badProblemsThrowWithClearMessages() {
        UnbalancedSinkhorn s = new UnbalancedSinkhorn(0.5, 0.9, 0.9);
        double[][] c = {{0, 1, 2}, {1, 0, 1}};
        double[] a = {0.5, 0.5};
        double[] b = {0.3, 0.3, 0.4};
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> s.solve(c, new double[] {0.5, -0.1}, b, NONE));
        assertTrue(e.getMessage().contains("a[1]") && e.getMessage().contains(">= 0"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> s.solve(c, a, new double[] {0.3, -0.3, 0.4}, NONE));
        assertTrue(e.getMessage().contains("b[1]"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> s.solve(c, new double[] {1, 1, 1}, b, NONE));
        assertTrue(e.getMessage().contains("2 rows") && e.getMessage().contains("3 entries"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> s.solve(c, a, new double[] {0.5, 0.5}, NONE));
        assertTrue(e.getMessage().contains("3 columns") && e.getMessage().contains("2 entries"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> s.solve(new double[][] {{0, 1, 2}, {1, 0}}, a, b, NONE));
        assertThrows(InvalidInputException.class, () -> s.solve(new double[][] {{0, 1, Double.NaN}, {1, 0, 1}}, a, b,
                NONE));
        assertThrows(InvalidInputException.class, () -> s.solve(c, new double[] {0, 0}, b, NONE));
        assertThrows(InvalidInputException.class, () -> s.solve(c, a, new double[] {0.3, Double.POSITIVE_INFINITY, 0},
                NONE));
        assertThrows(InvalidInputException.class, () -> UnbalancedSinkhorn.tauFromLambda(-1, 0.5));
        assertThrows(InvalidInputException.class, () -> TemporalCost.squaredEuclidean(new double[][] {{0, 1}},
                new double[][] {{0}}, CostNormalization.MEAN));
        assertThrows(InvalidInputException.class, () -> TemporalCost.squaredEuclidean(new double[][] {{0, 1}},
                new double[][] {{0, 2}}, CostNormalization.REFERENCE));
        assertThrows(InvalidInputException.class, () -> new TransportMap(new String[] {"a", "b"}, new String[] {"x"},
                new double[][] {{1}}));
        assertThrows(InvalidInputException.class, () -> new TransportMap(new String[] {"a"}, new String[] {"x"},
                new double[][] {{-1}}));
    }

    @Test
    void tauLambdaMapping() {
        assertEquals(1 / 1.5, UnbalancedSinkhorn.tauFromLambda(1, 0.5), 1e-15);
        assertEquals(10 / 10.5, UnbalancedSinkhorn.tauFromLambda(10, 0.5), 1e-15);
        assertEquals(1.0, UnbalancedSinkhorn.tauFromLambda(Double.POSITIVE_INFINITY, 0.5));
        assertEquals(10, UnbalancedSinkhorn.lambdaFromTau(10 / 10.5, 0.5), 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, UnbalancedSinkhorn.lambdaFromTau(1, 0.5));
    }

    @Test
    void balancedLimitEqualsBalancedSinkhorn() {
        Random rnd = new Random(7);
        double[][] c = randomCost(rnd, 7, 5);
        double[] a = randomMarginal(rnd, 7, 1);
        double[] b = randomMarginal(rnd, 5, 1);
        double eps = 0.1;
        UnbalancedSinkhorn.Result u = new UnbalancedSinkhorn(eps, 1, 1, 1e-13, 100_000).solve(c, a, b, NONE);
        BalancedSinkhorn.Result ref = new BalancedSinkhorn(eps, 1e-14, 100_000, 1).solve(c, a, b, NONE);
        assertTrue(u.convergence().converged(), u.convergence().toString());
        double[][] p = u.coupling(c);
        double[][] q = ref.coupling(c);
        double maxDiff = 0;
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p[i].length; j++) {
                maxDiff = Math.max(maxDiff, Math.abs(p[i][j] - q[i][j]));
            }
        }
        assertTrue(maxDiff < 1e-8, "max |d| = " + maxDiff);
        assertTrue(u.rowMassChange() < 1e-10 && u.columnMassChange() < 1e-10, u.toString());
        assertEquals(1.0, u.totalMass(), 1e-10);
    }

    @Test
    void relaxedFixedPointAndCostShiftRescaling() {
        // Spec §3.3: a constant cost shift c0 rescales the unbalanced plan by exp(-c0 kappa / eps).
        Random rnd = new Random(11);
        int n = 9;
        int m = 6;
        double[][] c = randomCost(rnd, n, m);
        double eps = 0.3;
        double tauA = 0.7;
        double tauB = 0.95;
        double c0 = 0.8;
        double[][] shifted = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                shifted[i][j] = c[i][j] + c0;
            }
        }
        UnbalancedSinkhorn s = new UnbalancedSinkhorn(eps, tauA, tauB);
        UnbalancedSinkhorn.Result r = s.solve(c, NONE);
        UnbalancedSinkhorn.Result rs = s.solve(shifted, NONE);
        assertTrue(r.convergence().converged() && rs.convergence().converged());
        assertTrue(r.convergence().marginalError() < 1e-9, r.convergence().toString());
        assertTrue(r.rowMassChange() > 1e-3, "a relaxed problem changes mass");
        double kappa = (1 - tauA) * (1 - tauB) / (1 - tauA * tauB);
        double factor = Math.exp(-c0 * kappa / eps);
        double[][] p = r.coupling(c);
        double[][] ps = rs.coupling(shifted);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                assertEquals(p[i][j] * factor, ps[i][j], 1e-9 * p[i][j]);
            }
        }
        // Smaller cost scale: total mass exceeds 1 only through the relaxed marginals.
        assertEquals(r.totalMass(), sum(p), 1e-12);
    }

    @Test
    void zeroMassRowsAndColumnsGetNoMass() {
        Random rnd = new Random(3);
        double[][] c = randomCost(rnd, 4, 3);
        double[] a = {0.3, 0, 0.3, 0.4};
        double[] b = {0.5, 0.5, 0};
        UnbalancedSinkhorn.Result r = new UnbalancedSinkhorn(0.2, 0.8, 0.9).solve(c, a, b, NONE);
        double[][] p = r.coupling(c);
        for (int j = 0; j < 3; j++) {
            assertEquals(0.0, p[1][j]);
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(0.0, p[i][2]);
        }
        assertTrue(r.convergence().converged());
        assertTrue(r.convergence().marginalError() < 1e-9, r.convergence().toString());
    }

    @Test
    void iterationCapGivesMaxIterationsStatus() {
        Random rnd = new Random(5);
        double[][] c = randomCost(rnd, 5, 5);
        UnbalancedSinkhorn.Result r = new UnbalancedSinkhorn(0.01, 0.99, 0.99, 1e-12, 3).solve(c, NONE);
        assertFalse(r.convergence().converged());
        assertEquals(Convergence.Status.MAX_ITERATIONS, r.convergence().status());
        assertEquals(3, r.convergence().iterations());
        assertEquals(3, r.convergence().errorHistory().length);
    }

    @Test
    void wotUnitTestVectorGivesTheIdentity() {
        // broadinstitute/wot tests/test_transport.py (spec §3.5): WOT scale tmap = n (nm)^(-kappa) P ≈ I.
        double[][] c = {{0, 100, 100}, {100, 0, 100}, {100, 100, 0}};
        double eps = 0.01;
        double tauA = UnbalancedSinkhorn.tauFromLambda(1, eps);
        double tauB = UnbalancedSinkhorn.tauFromLambda(50, eps);
        UnbalancedSinkhorn.Result r = new UnbalancedSinkhorn(eps, tauA, tauB).solve(c, NONE);
        double kappa = (1 - tauA) * (1 - tauB) / (1 - tauA * tauB);
        double scale = 3 * Math.pow(9, -kappa);
        assertEquals(scale, UnbalancedSinkhorn.wotScaleFactor(3, 3, tauA, tauB), 1e-12);
        assertEquals(57.8833, UnbalancedSinkhorn.wotScaleFactor(85, 81, 1 / 1.5, 10 / 10.5), 1e-4);
        assertEquals(85.0, UnbalancedSinkhorn.wotScaleFactor(85, 81, 1, 0.5), 0);
        double[][] p = r.coupling(c);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(i == j ? 1.0 : 0.0, scale * p[i][j], 0.01);
            }
        }
    }

    @Test
    void costNormalisations() {
        double[][] x = {{0, 0}, {1, 0}};
        double[][] y = {{0, 1}, {2, 0}, {0, 3}};
        // raw: [[1,4,9],[2,1,10]] -> mean 27/6 = 4.5, median (2+4)/2 = 3
        TemporalCost.Cost mean = TemporalCost.squaredEuclidean(x, y, CostNormalization.MEAN);
        TemporalCost.Cost median = TemporalCost.squaredEuclidean(x, y, CostNormalization.MEDIAN);
        TemporalCost.Cost none = TemporalCost.squaredEuclidean(x, y, CostNormalization.NONE);
        assertEquals(4.5, mean.scale(), 1e-15);
        assertEquals(3.0, median.scale(), 1e-15);
        assertEquals(1.0, none.scale());
        assertEquals(10.0, none.matrix()[1][2]);
        assertEquals(10.0 / 4.5, mean.matrix()[1][2], 1e-15);
        assertEquals(10.0 / 3, median.matrix()[1][2], 1e-15);
    }

    @Test
    void fullRankLocalPcaPreservesDistances() {
        Random rnd = new Random(13);
        for (int[] shape : new int[][] {{4, 5, 20}, {12, 9, 6}}) {  // Gram branch, covariance branch
            double[][] xs = new double[shape[0]][shape[2]];
            double[][] xt = new double[shape[1]][shape[2]];
            for (double[][] mat : new double[][][] {xs, xt}) {
                for (double[] row : mat) {
                    for (int k = 0; k < row.length; k++) {
                        row[k] = rnd.nextGaussian() * (k + 1);
                    }
                }
            }
            TemporalCost.PairCoordinates pca = TemporalCost.localPca(xs, xt, 100);
            double[][] direct = TemporalCost.squaredEuclidean(xs, xt, CostNormalization.NONE).matrix();
            double[][] viaPca = TemporalCost.squaredEuclidean(pca.source(), pca.target(), CostNormalization.NONE)
                    .matrix();
            for (int i = 0; i < direct.length; i++) {
                for (int j = 0; j < direct[i].length; j++) {
                    assertEquals(direct[i][j], viaPca[i][j], 1e-9 * direct[i][j]);
                }
            }
            double[] sv = pca.singularValues();
            for (int q = 1; q < sv.length; q++) {
                assertTrue(sv[q] <= sv[q - 1]);
            }
        }
    }

    private static double sum(double[][] p) {
        double s = 0;
        for (double[] row : p) {
            for (double v : row) {
                s += v;
            }
        }
        return s;
    }
}
