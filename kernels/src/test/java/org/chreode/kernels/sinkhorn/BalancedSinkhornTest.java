package org.chreode.kernels.sinkhorn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.junit.jupiter.api.Test;

class BalancedSinkhornTest {

    private static final IterationListener NONE = IterationListener.NONE;

    @Test
    void invalidSettingsThrow() {
        assertThrows(InvalidInputException.class, () -> new BalancedSinkhorn(0));
        assertThrows(InvalidInputException.class, () -> new BalancedSinkhorn(-1));
        assertThrows(InvalidInputException.class, () -> new BalancedSinkhorn(1, 0, 10, 10));
        assertThrows(InvalidInputException.class, () -> new BalancedSinkhorn(1, 1e-9, 0, 10));
        assertThrows(InvalidInputException.class, () -> new BalancedSinkhorn(1, 1e-9, 10, 0));
    }

    @Test
    void invalidProblemsThrow() {
        BalancedSinkhorn s = new BalancedSinkhorn(1);
        double[][] c = {{0, 1}, {1, 0}};
        double[] half = {0.5, 0.5};
        assertThrows(InvalidInputException.class, () -> s.solve(c, new double[] {1}, half, NONE));
        assertThrows(InvalidInputException.class, () -> s.solve(new double[][] {{0, 1}, {1}}, half, half, NONE));
        assertThrows(InvalidInputException.class, () -> s.solve(c, new double[] {0.5, -0.5}, half, NONE));
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> s.solve(c, new double[] {0.5, 0.6}, half, NONE));
        assertTrue(e.getMessage().contains("equal positive total masses"), e.getMessage());
        assertThrows(InvalidInputException.class,
                () -> s.solve(new double[][] {{0, Double.NaN}, {1, 0}}, half, half, NONE));
        double[][] plan = s.solve(c, half, half, NONE).coupling(c);
        assertEquals(2, plan.length);
        assertThrows(InvalidInputException.class,
                () -> s.solve(c, half, half, NONE).coupling(new double[][] {{0}}));
    }

    @Test
    void maxIterationsReachedIsReportedNotThrown() {
        double[][] c = randomCost(30, 30, new Random(1));
        BalancedSinkhorn.Result r = new BalancedSinkhorn(0.01, 1e-14, 3, 1)
                .solve(c, uniform(30, 1.0), uniform(30, 1.0), NONE);
        assertEquals(Convergence.Status.MAX_ITERATIONS, r.convergence().status());
        assertFalse(r.convergence().converged());
        assertEquals(3, r.convergence().iterations());
        assertEquals(3, r.convergence().checks());
    }

    /** POT's docstring example: a = b = [.5, .5], M = [[0, 1], [1, 0]], reg = 1. */
    @Test
    void potDocstringExample() {
        double[][] c = {{0, 1}, {1, 0}};
        BalancedSinkhorn.Result r = new BalancedSinkhorn(1, 1e-15, 1000, 1)
                .solve(c, new double[] {0.5, 0.5}, new double[] {0.5, 0.5}, NONE);
        double[][] plan = r.coupling(c);
        double diag = 0.5 / (1 + Math.exp(-1));
        assertEquals(diag, plan[0][0], 1e-15);
        assertEquals(0.5 - diag, plan[0][1], 1e-15);
        assertEquals(0.5 - diag, plan[1][0], 1e-15);
        assertEquals(diag, plan[1][1], 1e-15);
        assertEquals(0.3655, plan[0][0], 1e-4);
        assertTrue(r.convergence().converged());
    }

    @Test
    void zeroMassRowsAndColumnsAreExcluded() {
        Random rnd = new Random(5);
        double[][] c = randomCost(6, 5, rnd);
        double[] a = {0, 0.25, 0.25, 0, 0.25, 0.25};
        double[] b = {0.2, 0.3, 0, 0.3, 0.2};
        BalancedSinkhorn.Result r = new BalancedSinkhorn(0.05, 1e-14, 10_000, 1).solve(c, a, b, NONE);
        assertEquals(Double.NEGATIVE_INFINITY, r.f()[0]);
        assertEquals(Double.NEGATIVE_INFINITY, r.f()[3]);
        assertEquals(Double.NEGATIVE_INFINITY, r.g()[2]);
        double[][] plan = r.coupling(c);
        assertMarginals(plan, a, b, 1e-13);
        for (int j = 0; j < 5; j++) {
            assertEquals(0.0, plan[0][j]);
            assertEquals(0.0, plan[3][j]);
        }
    }

    /** At ε = 2e-3 on unit-scale costs exp(−C/ε) underflows; the stabilised iteration still meets the marginals. */
    @Test
    void smallEpsilonDoesNotUnderflow() {
        Random rnd = new Random(11);
        double[][] c = randomCost(40, 50, rnd);
        double[] a = uniform(40, 1.0);
        double[] b = uniform(50, 1.0);
        List<Double> errors = new ArrayList<>();
        BalancedSinkhorn.Result r = new BalancedSinkhorn(2e-3, 1e-8, 200_000, 10)
                .solve(c, a, b, (phase, it, max, err, eps, ns) -> errors.add(err));
        assertTrue(r.convergence().converged(), r.convergence().toString());
        assertTrue(Math.exp(-c[0][0] / 2e-3) == 0 || Math.exp(-maxEntry(c) / 2e-3) == 0);
        assertMarginals(r.coupling(c), a, b, 1e-8);
        assertEquals(errors.size(), r.convergence().checks());
        assertTrue(r.columnMarginalError() < 1e-8 && r.rowMarginalError() < 1e-12);
    }

    /** Agrees with a textbook scaling-domain Sinkhorn where the latter is safe (moderate ε). */
    @Test
    void matchesPlainScalingIteration() {
        Random rnd = new Random(3);
        int n = 30;
        int m = 40;
        double eps = 0.3;
        double[][] c = randomCost(n, m, rnd);
        double[] a = randomMass(n, rnd);
        double[] b = randomMass(m, rnd);
        double[] u = uniform(n, n);
        double[] v = uniform(m, m);
        for (int it = 0; it < 5000; it++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += Math.exp(-c[i][j] / eps) * u[i];
                }
                v[j] = b[j] / s;
            }
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < m; j++) {
                    s += Math.exp(-c[i][j] / eps) * v[j];
                }
                u[i] = a[i] / s;
            }
        }
        double[][] plan = new BalancedSinkhorn(eps, 1e-15, 10_000, 1).solve(c, a, b, NONE).coupling(c);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                assertEquals(u[i] * Math.exp(-c[i][j] / eps) * v[j], plan[i][j], 1e-14, "entry " + i + "," + j);
            }
        }
    }

    static void assertMarginals(double[][] plan, double[] a, double[] b, double tol) {
        double[] cols = new double[b.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < b.length; j++) {
                s += plan[i][j];
                cols[j] += plan[i][j];
            }
            assertEquals(a[i], s, tol, "row " + i);
        }
        for (int j = 0; j < b.length; j++) {
            assertEquals(b[j], cols[j], tol, "column " + j);
        }
    }

    static double[][] randomCost(int n, int m, Random rnd) {
        double[][] x = new double[n][2];
        double[][] y = new double[m][2];
        for (double[] p : x) {
            p[0] = rnd.nextDouble();
            p[1] = rnd.nextDouble();
        }
        for (double[] p : y) {
            p[0] = rnd.nextDouble();
            p[1] = rnd.nextDouble();
        }
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double dx = x[i][0] - y[j][0];
                double dy = x[i][1] - y[j][1];
                c[i][j] = dx * dx + dy * dy;
            }
        }
        return c;
    }

    static double maxEntry(double[][] c) {
        double max = 0;
        for (double[] row : c) {
            for (double e : row) {
                max = Math.max(max, e);
            }
        }
        return max;
    }

    static double[] uniform(int n, double total) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, total / n);
        return w;
    }

    static double[] randomMass(int n, Random rnd) {
        double[] w = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = 0.1 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= s;
        }
        return w;
    }
}
