package org.chreode.kernels.markov;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.LUDecomposition;
import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

class GmresTest {

    /** Dense operator y = A x. */
    static LinearOperator dense(double[][] a) {
        return new LinearOperator() {
            @Override
            public int dimension() {
                return a.length;
            }

            @Override
            public void apply(double[] x, double[] y) {
                for (int i = 0; i < a.length; i++) {
                    double s = 0;
                    for (int j = 0; j < x.length; j++) {
                        s += a[i][j] * x[j];
                    }
                    y[i] = s;
                }
            }
        };
    }

    /** Nonsymmetric, diagonally dominant (well conditioned) random matrix. */
    static double[][] randomSystem(int n, Random rnd) {
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = rnd.nextGaussian() / Math.sqrt(n);
            }
            a[i][i] += 3.0 + rnd.nextDouble();
        }
        return a;
    }

    static double[] randomVector(int n, Random rnd) {
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = rnd.nextGaussian();
        }
        return b;
    }

    static double[] direct(double[][] a, double[] b) {
        return new LUDecomposition(new Array2DRowRealMatrix(a)).getSolver()
                .solve(new ArrayRealVector(b)).toArray();
    }

    @Test
    void dimensionMismatchThrows() {
        LinearOperator a = dense(new double[][] {{1, 0}, {0, 1}});
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new Gmres().solve(a, new double[3], null));
        assertTrue(e.getMessage().contains("length 3"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> new Gmres().solve(a, new double[2], new double[1]));
        assertThrows(InvalidInputException.class, () -> new Gmres()
                .withPreconditioner(Gmres.jacobi(new double[] {1, 1, 1}), Gmres.Side.RIGHT)
                .solve(a, new double[] {1, 1}, null));
    }

    @Test
    void invalidSettingsThrow() {
        assertThrows(InvalidInputException.class, () -> new Gmres().withRestart(0));
        assertThrows(InvalidInputException.class, () -> new Gmres().withTolerance(0));
        assertThrows(InvalidInputException.class, () -> new Gmres().withMaxIterations(0));
        assertThrows(InvalidInputException.class, () -> Gmres.jacobi(new double[] {1, 0}));
        assertThrows(InvalidInputException.class,
                () -> new Gmres().solve(dense(new double[][] {{1}}), new double[] {Double.NaN}, null));
    }

    @Test
    void notConvergedWhenMaxIterationsTooSmall() {
        Random rnd = new Random(7);
        double[][] a = randomSystem(60, rnd);
        KrylovResult r = new Gmres().withMaxIterations(3).solve(dense(a), randomVector(60, rnd), null);
        assertFalse(r.converged());
        assertEquals(3, r.iterations());
        assertTrue(r.relativeResidual() > 1e-12 && r.relativeResidual() < 1);
    }

    @Test
    void zeroRightHandSideGivesZero() {
        KrylovResult r = new Gmres().solve(dense(new double[][] {{2, 1}, {0, 3}}), new double[2],
                new double[] {5, 5});
        assertArrayEquals(new double[2], r.solution());
        assertEquals(0, r.iterations());
        assertTrue(r.converged());
    }

    @Test
    void matchesDirectSolveOnRandomNonsymmetricSystems() {
        Random rnd = new Random(42);
        for (int trial = 0; trial < 5; trial++) {
            int n = 20 + 30 * trial;
            double[][] a = randomSystem(n, rnd);
            double[] b = randomVector(n, rnd);
            double[] expected = direct(a, b);
            for (Gmres solver : List.of(new Gmres(), new Gmres().withRestart(5),
                    new Gmres().withPreconditioner(Gmres.jacobi(diagonal(a)), Gmres.Side.RIGHT),
                    new Gmres().withRestart(8).withPreconditioner(Gmres.jacobi(diagonal(a)), Gmres.Side.LEFT))) {
                KrylovResult r = solver.solve(dense(a), b, null);
                assertTrue(r.converged(), "n=" + n + " restart=" + solver.restart() + " " + r);
                assertTrue(r.relativeResidual() <= 1e-12);
                for (int i = 0; i < n; i++) {
                    assertEquals(expected[i], r.solution()[i], 1e-10, "n=" + n + " entry " + i);
                }
            }
        }
    }

    @Test
    void reportsTrueResidualAndListenerSeesCycles() {
        Random rnd = new Random(3);
        double[][] a = randomSystem(40, rnd);
        double[] b = randomVector(40, rnd);
        List<Double> seen = new ArrayList<>();
        KrylovResult r = new Gmres().withRestart(4).solve(dense(a), b, new double[40],
                (phase, it, max, err, eps, ns) -> seen.add(err), "test");
        double[] ax = new double[40];
        dense(a).apply(r.solution(), ax);
        double res = 0;
        double bn = 0;
        for (int i = 0; i < 40; i++) {
            res += (b[i] - ax[i]) * (b[i] - ax[i]);
            bn += b[i] * b[i];
        }
        assertEquals(Math.sqrt(res / bn), r.relativeResidual(), 1e-15);
        assertTrue(seen.size() > 1);
        assertEquals(r.relativeResidual(), seen.get(seen.size() - 1));
    }

    private static double[] diagonal(double[][] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i][i];
        }
        return d;
    }
}
