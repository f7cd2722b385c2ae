package org.chreode.kernels.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.SquaredEuclidean;
import org.junit.jupiter.api.Test;

class FrlcSolverTest {

    private static double[][] gaussian(Random rnd, int n, double cx, double cy, double sd) {
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            out[i] = new double[] {cx + sd * rnd.nextGaussian(), cy + sd * rnd.nextGaussian()};
        }
        return out;
    }

    private static double[][] concat(double[][] x, double[][] y) {
        double[][] out = new double[x.length + y.length][];
        System.arraycopy(x, 0, out, 0, x.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    private static double[] randomWeights(Random rnd, int n) {
        double[] w = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++) {
            w[i] = 0.5 + rnd.nextDouble();
            s += w[i];
        }
        for (int i = 0; i < n; i++) {
            w[i] /= s;
        }
        return w;
    }

    @Test
    void geometryFactorisesSquaredEuclidean() {
        Random rnd = new Random(1);
        double[][] x = gaussian(rnd, 7, 3, -2, 1.5);
        double[][] y = gaussian(rnd, 5, -1, 4, 2);
        LowRankGeometry geo = LowRankGeometry.squaredEuclidean(x, y);
        assertEquals(4, geo.rank());
        double max = 0;
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 5; j++) {
                double c = SquaredEuclidean.cost(x[i], y[j]);
                assertEquals(c, geo.cost(i, j), 1e-12 * (1 + c));
                max = Math.max(max, c);
            }
        }
        assertEquals(max, geo.costScale(), 1e-12 * max);
    }

    @Test
    void balancedConstraintsHoldThroughTheFactors() {
        Random rnd = new Random(2);
        double[][] x = gaussian(rnd, 60, 0, 0, 2);
        double[][] y = gaussian(rnd, 50, 1, 1, 1.5);
        double[] a = randomWeights(rnd, 60);
        double[] b = randomWeights(rnd, 50);
        LowRankGeometry geo = LowRankGeometry.squaredEuclidean(x, y);
        FrlcResult res = new FrlcSolver(5).solve(new LowRankProblem(geo, a, b, 1, 1));
        System.out.printf("FRLC balanced n=60 m=50 r=5: %s, row L1 %.3e, column L1 %.3e%n",
                res.convergence(), res.rowMarginalError(), res.columnMarginalError());
        assertTrue(res.rowMarginalError() <= 1e-12, "row error " + res.rowMarginalError());
        assertTrue(res.columnMarginalError() <= 1e-8, "column error " + res.columnMarginalError());
        assertEquals(Math.max(res.rowMarginalError(), res.columnMarginalError()),
                res.convergence().marginalError(), 0);
        // marginals through the factors agree with the dense plan and with applyPlan
        double[][] p = res.denseCoupling();
        double[] ones = new double[50];
        java.util.Arrays.fill(ones, 1);
        double[] pv = res.applyPlan(ones);
        double[] rows = res.rowMarginal();
        double[] cols = res.columnMarginal();
        double dense = 0;
        double[] denseCols = new double[50];
        for (int i = 0; i < 60; i++) {
            double s = 0;
            for (int j = 0; j < 50; j++) {
                s += p[i][j];
                denseCols[j] += p[i][j];
                dense += p[i][j] * SquaredEuclidean.cost(x[i], y[j]);
            }
            assertEquals(s, rows[i], 1e-14);
            assertEquals(s, pv[i], 1e-14);
            assertEquals(a[i], rows[i], 1e-13);
        }
        for (int j = 0; j < 50; j++) {
            assertEquals(denseCols[j], cols[j], 1e-14);
            assertEquals(b[j], cols[j], 1e-9);
        }
        assertEquals(dense, res.primalCost(), 1e-10 * dense);
        double[] gQ = res.gQ();
        double[][] t = res.t();
        for (int z = 0; z < 5; z++) {
            double s = 0;
            for (double v : t[z]) {
                s += v;
            }
            assertEquals(gQ[z], s, 1e-13);
        }
    }

    @Test
    void rankTwoRecoversTwoMatchedBlobs() {
        // equal blobs with the default (FRLC repository) inner weight; unequal blobs need freer inner marginals
        assertTwoBlobs(25, 25, new FrlcSolver(2));
        assertTwoBlobs(30, 20, new FrlcSolver(2).withInnerMarginalWeight(0.1).withIterations(100, 200));
    }

    private static void assertTwoBlobs(int n1, int n2, FrlcSolver solver) {
        Random rnd = new Random(3);
        double[][] x = concat(gaussian(rnd, n1, -6, 0, 0.5), gaussian(rnd, n2, 6, 0, 0.5));
        double[][] y = concat(gaussian(rnd, n1, -5, 2, 0.5), gaussian(rnd, n2, 5, 2, 0.5));
        FrlcResult res = solver.solve(LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x, y)));
        int[] src = res.sourceLabels();
        int[] tgt = res.targetLabels();
        int[] srcInTgt = res.sourceLabelsInTargetClusters();
        int n = n1 + n2;
        System.out.printf("FRLC two blobs %d+%d r=2: gQ %s gR %s, %s%n", n1, n2,
                java.util.Arrays.toString(res.gQ()), java.util.Arrays.toString(res.gR()), res.convergence());
        assertPartition(src, n1);
        assertPartition(tgt, n1);
        // co-clusters are matched: source blob k goes to target blob k
        for (int i = 0; i < n; i++) {
            assertEquals(tgt[i < n1 ? 0 : n - 1], srcInTgt[i], "source " + i + " mapped to the wrong target blob");
        }
    }

    /** Points 0..split−1 share one label, the rest share the other. */
    private static void assertPartition(int[] labels, int split) {
        for (int i = 0; i < labels.length; i++) {
            if (i < split) {
                assertEquals(labels[0], labels[i], "point " + i);
            } else {
                assertEquals(labels[labels.length - 1], labels[i], "point " + i);
            }
        }
        assertTrue(labels[0] != labels[labels.length - 1], "the two blobs got the same co-cluster");
    }

    @Test
    void costIsCloseToTheExactAssignmentOnASmallCase() {
        Random rnd = new Random(4);
        int n = 64;
        double[][] x = new double[n][];
        double[][] y = new double[n][];
        for (int i = 0; i < n; i++) {
            double angle = 2 * Math.PI * rnd.nextInt(4) / 4;
            x[i] = new double[] {4 * Math.cos(angle) + 0.4 * rnd.nextGaussian(),
                    4 * Math.sin(angle) + 0.4 * rnd.nextGaussian()};
            double s = rnd.nextDouble() * 2 * Math.PI;
            y[i] = new double[] {2 * Math.cos(s) + 0.2 * rnd.nextGaussian(), 3 * Math.sin(s) + 1};
        }
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                c[i][j] = SquaredEuclidean.cost(x[i], y[j]);
            }
        }
        int[] perm = LinearAssignment.solve(c);
        double exact = 0;
        for (int i = 0; i < n; i++) {
            exact += c[i][perm[i]] / n;
        }
        LowRankProblem problem = LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x, y));
        for (int rank : new int[] {4, 8, 16}) {
            FrlcResult res = new FrlcSolver(rank).solve(problem);
            double ratio = res.primalCost() / exact;
            System.out.printf("FRLC n=64 r=%d: cost %.5f exact %.5f ratio %.4f (%d iterations)%n", rank,
                    res.primalCost(), exact, ratio, res.convergence().iterations());
            assertTrue(ratio >= 1 - 1e-9, "low-rank plan below the exact optimum: " + ratio);
            assertTrue(ratio <= (rank == 4 ? 1.6 : 1.3), "rank " + rank + " ratio " + ratio);
        }
    }

    @Test
    void gauss8ToMoonsRank8IsWithinTwiceTheExactCost() {
        double[][] x = SharedData.gauss8ToMoons(1024, 'X');
        double[][] y = SharedData.gauss8ToMoons(1024, 'Y');
        double exact = SharedData.gauss8ToMoonsExactMean(1024);
        long start = System.nanoTime();
        FrlcResult res = new FrlcSolver(8).solve(LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x, y)));
        double seconds = (System.nanoTime() - start) * 1e-9;
        double ratio = res.primalCost() / exact;
        System.out.printf("FRLC gauss8->moons n=1024 r=8: cost %.4f exact %.4f ratio %.4f, %d iterations, %.2f s,"
                + " row L1 %.2e column L1 %.2e%n", res.primalCost(), exact, ratio, res.convergence().iterations(),
                seconds, res.rowMarginalError(), res.columnMarginalError());
        assertTrue(ratio >= 1 - 1e-9 && ratio <= 2, "ratio " + ratio);
        assertTrue(res.convergence().marginalError() <= 1e-8, res.convergence().toString());
    }

    @Test
    void seededAndScaleFree() {
        Random rnd = new Random(5);
        double[][] x = gaussian(rnd, 40, 0, 0, 1);
        double[][] y = gaussian(rnd, 30, 2, 0, 1);
        double[][] x10 = new double[40][];
        double[][] y10 = new double[30][];
        for (int i = 0; i < 40; i++) {
            x10[i] = new double[] {10 * x[i][0], 10 * x[i][1]};
        }
        for (int j = 0; j < 30; j++) {
            y10[j] = new double[] {10 * y[j][0], 10 * y[j][1]};
        }
        FrlcSolver solver = new FrlcSolver(4).withSeed(11);
        FrlcResult r1 = solver.solve(LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x, y)));
        FrlcResult r2 = solver.solve(LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x, y)));
        FrlcResult r3 = solver.solve(LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x10, y10)));
        assertEquals(r1.primalCost(), r2.primalCost(), 0);
        assertArrayEquals(r1.sourceLabels(), r2.sourceLabels());
        assertEquals(r1.convergence().iterations(), r3.convergence().iterations());
        assertArrayEquals(r1.sourceLabels(), r3.sourceLabels());
        assertEquals(100 * r1.primalCost(), r3.primalCost(), 1e-6 * r3.primalCost());
        FrlcResult other = solver.withSeed(12).solve(LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x, y)));
        assertTrue(other.primalCost() != r1.primalCost());
    }

    @Test
    void rectangularLatentCouplingAndRelaxedModes() {
        Random rnd = new Random(6);
        double[][] x = gaussian(rnd, 40, 0, 0, 1);
        double[][] y = gaussian(rnd, 35, 1, 0, 1);
        LowRankProblem balanced = LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x, y));
        FrlcResult rect = new FrlcSolver(3).withRank2(5).solve(balanced);
        assertEquals(3, rect.t().length);
        assertEquals(5, rect.t()[0].length);
        assertEquals(5, rect.r()[0].length);
        assertTrue(rect.convergence().marginalError() <= 1e-8, rect.convergence().toString());

        FrlcResult semi = new FrlcSolver(3).solve(balanced.withTau(1, 0.5));
        assertTrue(semi.rowMarginalError() <= 1e-12, "semi-relaxed keeps P1 = a: " + semi.rowMarginalError());
        FrlcResult unb = new FrlcSolver(3).solve(balanced.withTau(0.5, 0.5));
        System.out.printf("FRLC relaxed: semi cost %.4f (col L1 %.3e), unbalanced cost %.4f (row L1 %.3e, col L1"
                + " %.3e), balanced r=3 cost %.4f%n", semi.primalCost(), semi.columnMarginalError(),
                unb.primalCost(), unb.rowMarginalError(), unb.columnMarginalError(),
                new FrlcSolver(3).solve(balanced).primalCost());
        assertTrue(Double.isFinite(unb.primalCost()) && unb.primalCost() > 0);
        // relaxing can only lower the objective's transport part or keep it close
        assertTrue(semi.primalCost() <= new FrlcSolver(3).solve(balanced).primalCost() * 1.05);
    }

    @Test
    void iterationCapIsReportedAndListenerSeesEveryIteration() {
        Random rnd = new Random(7);
        LowRankProblem problem = LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(
                gaussian(rnd, 30, 0, 0, 1), gaussian(rnd, 30, 3, 0, 1)));
        java.util.List<Integer> seen = new java.util.ArrayList<>();
        FrlcResult res = new FrlcSolver(3).withIterations(1, 4).withTolerance(1e-30)
                .solve(problem, (phase, it, max, err, eps, ns) -> {
                    assertEquals("frlc", phase);
                    assertEquals(4, max);
                    assertTrue(err >= 0 && eps > 0);
                    seen.add(it);
                });
        assertEquals(org.chreode.kernels.common.Convergence.Status.MAX_ITERATIONS, res.convergence().status());
        assertEquals(4, res.convergence().iterations());
        assertEquals(4, res.convergence().errorHistory().length);
        assertEquals(java.util.List.of(1, 2, 3, 4), seen);
    }

    @Test
    void badInputThrowsWithClearMessages() {
        double[][] x = {{0, 0}, {1, 1}};
        double[][] y = {{0, 1}, {1, 0}, {2, 2}};
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> LowRankGeometry.squaredEuclidean(new double[0][], y));
        assertTrue(e.getMessage().contains("source point cloud is empty"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> LowRankGeometry.squaredEuclidean(x, new double[0][]));
        assertTrue(e.getMessage().contains("target point cloud is empty"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> LowRankGeometry.squaredEuclidean(x, new double[][] {{0, 1, 2}}));
        assertTrue(e.getMessage().contains("Row 0 of the target point cloud has 3 coordinates, expected 2"),
                e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> LowRankGeometry.squaredEuclidean(new double[][] {{0, 0}, {1}}, y));
        assertTrue(e.getMessage().contains("Row 1 of the source point cloud has 1 coordinates"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> LowRankGeometry.squaredEuclidean(new double[][] {{0, Double.NaN}}, y));
        assertTrue(e.getMessage().contains("coordinate 1 of the source point cloud is NaN"), e.getMessage());
        LowRankGeometry geo = LowRankGeometry.squaredEuclidean(x, y);
        e = assertThrows(InvalidInputException.class,
                () -> new LowRankProblem(geo, new double[] {0.5, 0.5}, new double[] {0.5, 0.5}, 1, 1));
        assertTrue(e.getMessage().contains("have 2 entries but the geometry has 3"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> new LowRankProblem(geo, new double[] {0.5, Double.NaN}, new double[] {.2, .3, .5}, 1, 1));
        assertTrue(e.getMessage().contains("must be finite and > 0"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> new LowRankProblem(geo, new double[] {0.5, 0.5}, new double[] {.2, .3, .6}, 1, 1));
        assertTrue(e.getMessage().contains("equal total masses"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> LowRankProblem.uniform(geo).withTau(0, 1));
        assertTrue(e.getMessage().contains("tauA"), e.getMessage());
        e = assertThrows(InvalidInputException.class, () -> new FrlcSolver(3).solve(LowRankProblem.uniform(geo)));
        assertTrue(e.getMessage().contains("rank = 3") && e.getMessage().contains("n = 2"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> new FrlcSolver(0));
        assertThrows(InvalidInputException.class, () -> new FrlcSolver(2).withGamma(-1));
        assertThrows(InvalidInputException.class, () -> new FrlcSolver(2).withGamma(Double.NaN));
        assertThrows(InvalidInputException.class, () -> new FrlcSolver(2).withIterations(0, 0));
        assertThrows(InvalidInputException.class, () -> LowRankGeometry.of(new double[][] {{1, 2}},
                new double[][] {{1}}));
    }
}
