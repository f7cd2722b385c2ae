package org.chreode.kernels.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.chreode.kernels.common.NumericalInstabilityException;
import org.chreode.kernels.linalg.Workers;
import org.junit.jupiter.api.Test;

/**
 * The stabilised scaling form of {@link SinkhornProjection} against the plain log-domain iteration written out here
 * from the spec's formula (spec lowrank.md §1.2), on kernels that force absorptions and the log-domain fallback.
 */
class SinkhornProjectionTest {

    /** Spec §1.2 with explicit log-sum-exps, column update first, recentring every 30 when both sides are hard. */
    private static double[][] logDomainReference(double[][] logK, double eps, double[] rowTarget, double[] colTarget,
                                                 double rhoRow, double rhoCol, int iterations, double[] f,
                                                 double[] h) {
        int p = logK.length;
        int q = logK[0].length;
        double[] u = new double[p];
        double[] v = new double[q];
        for (int i = 0; i < p; i++) {
            u[i] = f[i] / eps;
        }
        for (int j = 0; j < q; j++) {
            v[j] = h[j] / eps;
        }
        for (int it = 1; it <= iterations; it++) {
            double[] nv = new double[q];
            for (int j = 0; j < q; j++) {
                double mx = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < p; i++) {
                    mx = Math.max(mx, u[i] + logK[i][j]);
                }
                double s = 0;
                for (int i = 0; i < p; i++) {
                    s += Math.exp(u[i] + logK[i][j] - mx);
                }
                nv[j] = rhoCol * (Math.log(colTarget[j]) - mx - Math.log(s));
            }
            v = nv;
            for (int i = 0; i < p; i++) {
                double mx = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < q; j++) {
                    mx = Math.max(mx, v[j] + logK[i][j]);
                }
                double s = 0;
                for (int j = 0; j < q; j++) {
                    s += Math.exp(v[j] + logK[i][j] - mx);
                }
                u[i] = rhoRow * (Math.log(rowTarget[i]) - mx - Math.log(s));
            }
        }
        double[][] out = new double[p][q];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < q; j++) {
                out[i][j] = logK[i][j] + u[i] + v[j];
            }
        }
        return out;
    }

    private static double[][] randomLogKernel(SplittableRandom rnd, int p, int q, double spread) {
        double[][] k = new double[p][q];
        for (double[] row : k) {
            for (int j = 0; j < q; j++) {
                row[j] = -spread * rnd.nextDouble();
            }
        }
        return k;
    }

    private static double[] uniform(int n, double mass) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, mass / n);
        return w;
    }

    private static double[][] copy(double[][] m) {
        return LowRankGeometry.deepCopy(m);
    }

    private static double maxAbsDiff(double[][] x, double[][] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                d = Math.max(d, Math.abs(x[i][j] - y[i][j]));
            }
        }
        return d;
    }

    private static double[] rowMass(double[][] logP) {
        double[] r = new double[logP.length];
        for (int i = 0; i < logP.length; i++) {
            for (double v : logP[i]) {
                r[i] += Math.exp(v);
            }
        }
        return r;
    }

    private static double[] colMass(double[][] logP) {
        double[] c = new double[logP[0].length];
        for (double[] row : logP) {
            for (int j = 0; j < c.length; j++) {
                c[j] += Math.exp(row[j]);
            }
        }
        return c;
    }

    @Test
    void balancedMatchesTheLogDomainIterationAndMeetsTheMarginals() {
        SplittableRandom rnd = new SplittableRandom(1);
        // spread 400: kernel entries down to e^-400 in a row, so the first scaled kernel spans many decades
        double[][] logK = randomLogKernel(rnd, 300, 7, 400);
        double[] a = uniform(300, 1);
        double[] b = new double[7];
        for (int j = 0; j < 7; j++) {
            b[j] = (j + 1) / 28.0;
        }
        double[][] expected = logDomainReference(logK, 0.5, a, b, 1, 1, 40, new double[300], new double[7]);
        double[] f = new double[300];
        double[] h = new double[7];
        double[][] got = SinkhornProjection.project(copy(logK), 0.5, a, b, 1, 1, 40, f, h, 0, 1, new Workers(1));
        assertTrue(maxAbsDiff(expected, got) < 1e-9, "max |log P diff| " + maxAbsDiff(expected, got));
        double[] rows = rowMass(got);
        for (int i = 0; i < 300; i++) {
            assertEquals(a[i], rows[i], 1e-14 * a[i] * 300, "row " + i);     // the row update is last: exact to rounding
        }
        // run to convergence (early exit on the dual change): the columns are met as well
        double[][] converged = SinkhornProjection.project(copy(logK), 0.5, a, b, 1, 1, 100_000, new double[300],
                new double[7], 1e-13, 1, new Workers(1));
        double[] cols = colMass(converged);
        for (int j = 0; j < 7; j++) {
            assertEquals(b[j], cols[j], 1e-9, "column " + j);
        }
    }

    @Test
    void relaxedColumnsMatchTheLogDomainIteration() {
        SplittableRandom rnd = new SplittableRandom(2);
        double[][] logK = randomLogKernel(rnd, 200, 5, 50);
        double[] a = uniform(200, 1);
        double[] b = uniform(5, 1);
        double[] f0 = new double[200];
        double[] h0 = new double[5];
        for (int j = 0; j < 5; j++) {
            h0[j] = 3 * rnd.nextDouble();                       // warm start away from zero
        }
        double rhoCol = 0.7;
        double[][] expected = logDomainReference(logK, 0.2, a, b, 1, rhoCol, 25, f0, h0);
        double[][] got = SinkhornProjection.project(copy(logK), 0.2, a, b, 1, rhoCol, 25, f0.clone(), h0.clone(), 0,
                1, new Workers(1));
        assertTrue(maxAbsDiff(expected, got) < 1e-9, "max |log P diff| " + maxAbsDiff(expected, got));
        double[][] expectedBoth = logDomainReference(logK, 0.2, a, b, 0.8, rhoCol, 25, f0, h0);
        double[][] gotBoth = SinkhornProjection.project(copy(logK), 0.2, a, b, 0.8, rhoCol, 25, f0.clone(),
                h0.clone(), 0, 1, new Workers(1));
        assertTrue(maxAbsDiff(expectedBoth, gotBoth) < 1e-9, "unbalanced: " + maxAbsDiff(expectedBoth, gotBoth));
    }

    @Test
    void extremeWarmStartFallsBackToTheLogDomainAndStillConverges() {
        SplittableRandom rnd = new SplittableRandom(3);
        double[][] logK = randomLogKernel(rnd, 100, 4, 20);
        double[] a = uniform(100, 1);
        double[] b = uniform(4, 1);
        // duals 1e4 away from the solution: K̃ = exp(logK + u + v) overflows until the fallback has rebalanced it
        double[] f = new double[100];
        double[] h = new double[4];
        java.util.Arrays.fill(f, 1e4);
        java.util.Arrays.fill(h, 1e4);
        double[][] got = SinkhornProjection.project(copy(logK), 1, a, b, 1, 1, 500, f, h, 1e-12, 1, new Workers(1));
        double[] cols = colMass(got);
        for (int j = 0; j < 4; j++) {
            assertEquals(0.25, cols[j], 1e-10, "column " + j);
        }
        double[] rows = rowMass(got);
        assertEquals(0.01, rows[17], 1e-14);
    }

    @Test
    void twoThreadsGiveTheSameProjectionAsOne() {
        SplittableRandom rnd = new SplittableRandom(4);
        int p = 3 * 4096;                                       // three chunks' worth of rows: the parallel path runs
        double[][] logK = randomLogKernel(rnd, p, 6, 30);
        double[] a = uniform(p, 1);
        double[] b = uniform(6, 1);
        double[][] one = SinkhornProjection.project(copy(logK), 0.3, a, b, 1, 1, 60, new double[p], new double[6],
                0, 1, new Workers(1));
        try (Workers two = new Workers(2)) {
            double[][] par = SinkhornProjection.project(copy(logK), 0.3, a, b, 1, 1, 60, new double[p],
                    new double[6], 0, 1, two);
            assertTrue(maxAbsDiff(one, par) < 1e-10, "1 vs 2 threads: " + maxAbsDiff(one, par));
        }
    }

    @Test
    void nanInTheKernelIsReportedWithTheIteration() {
        double[][] logK = {{0, Double.NaN}, {0, 0}};
        NumericalInstabilityException e = assertThrows(NumericalInstabilityException.class,
                () -> SinkhornProjection.project(logK, 1, uniform(2, 1), uniform(2, 1), 1, 1, 10, new double[2],
                        new double[2], 0, 7, new Workers(1)));
        assertTrue(e.getMessage().contains("iteration 7"), e.getMessage());
    }
}
