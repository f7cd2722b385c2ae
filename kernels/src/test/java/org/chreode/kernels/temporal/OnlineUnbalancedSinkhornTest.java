package org.chreode.kernels.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.junit.jupiter.api.Test;

/**
 * The online (tile) unbalanced Sinkhorn reaches the dense solver's fixed point, and the tile coupling's reductions
 * equal the dense coupling's.
 */
class OnlineUnbalancedSinkhornTest {

    private static double[][] cloud(Random rnd, int n, int d, double shift) {
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                x[i][k] = rnd.nextGaussian() + (k == 0 ? shift : 0.0);
            }
        }
        return x;
    }

    private static double maxDiff(double[] x, double[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] == Double.NEGATIVE_INFINITY && y[i] == Double.NEGATIVE_INFINITY) {
                continue;
            }
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }

    private static void assertSameFixedPoint(double[][] xs, double[][] xt, double[] a, double[] b, double eps,
                                             double tauA, double tauB, CostNormalization norm, int threads) {
        TemporalCost.Cost dense = TemporalCost.squaredEuclidean(xs, xt, norm);
        PointCloudCost online = new PointCloudCost(xs, xt, norm);
        assertEquals(dense.scale(), online.scale(), 1e-12 * dense.scale(), "cost scale");
        UnbalancedSinkhorn.Result ref = new UnbalancedSinkhorn(eps, tauA, tauB).solve(dense.matrix(), a, b, null);
        List<Double> errors = new ArrayList<>();
        UnbalancedSinkhorn.Result got = new OnlineUnbalancedSinkhorn(eps, tauA, tauB,
                UnbalancedSinkhorn.DEFAULT_TOLERANCE, UnbalancedSinkhorn.DEFAULT_MAX_ITERATIONS, threads)
                .solve(online, a, b, (phase, it, max, err, e, ns) -> errors.add(err));
        assertEquals(Convergence.Status.CONVERGED, got.convergence().status());
        assertEquals(ref.convergence().iterations(), got.convergence().iterations(), 2, "iterations");
        assertEquals(got.convergence().iterations(), errors.size(), "one progress line per iteration");
        double df = maxDiff(ref.f(), got.f());
        double dg = maxDiff(ref.g(), got.g());
        assertTrue(df < 1e-10 && dg < 1e-10, "potentials differ: f " + df + ", g " + dg);
        assertEquals(ref.totalMass(), got.totalMass(), 1e-12);
        assertEquals(ref.rowMassChange(), got.rowMassChange(), 1e-10);
        assertEquals(ref.columnMassChange(), got.columnMassChange(), 1e-10);
        assertEquals(ref.convergence().marginalError(), got.convergence().marginalError(), 1e-9, "marginal error");

        DenseCoupling p = new DenseCoupling(ref.coupling(dense.matrix()));
        TileCoupling q = new TileCoupling(online, got, threads);
        assertEquals(0, maxDiff(p.rowSums(), q.rowSums()), 1e-12, "row sums");
        assertEquals(0, maxDiff(p.columnSums(), q.columnSums()), 1e-12, "column sums");
        double[] v = new double[xt.length];
        double[] w = new double[xs.length];
        Random rnd = new Random(7);
        for (int j = 0; j < v.length; j++) {
            v[j] = rnd.nextGaussian();
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = rnd.nextDouble() < 0.3 ? 1.0 : 0.0;
        }
        assertEquals(0, maxDiff(p.apply(v), q.apply(v)), 1e-12, "push P v");
        assertEquals(0, maxDiff(p.applyTranspose(w), q.applyTranspose(w)), 1e-12, "pull P^T w");
        assertEquals(p.maxEntry(), q.maxEntry(), 1e-12 * p.maxEntry(), "max entry");
        CouplingOperator.SparseCoupling sp = p.sparse(0.01);
        CouplingOperator.SparseCoupling sq = q.sparse(0.01);
        assertEquals(sp.size(), sq.size(), "entries kept");
        for (int k = 0; k < sp.size(); k++) {
            assertEquals(sp.rows()[k], sq.rows()[k]);
            assertEquals(sp.columns()[k], sq.columns()[k]);
            assertEquals(sp.weights()[k], sq.weights()[k], 1e-12);
        }
        assertEquals(sp.droppedMass(), sq.droppedMass(), 1e-10, "dropped mass");

        // Cell-type tables as block reductions equal TransportMap's table on the dense coupling.
        int[] sourceGroups = new int[xs.length];
        int[] targetGroups = new int[xt.length];
        String[] sourceLabels = new String[xs.length];
        String[] targetLabels = new String[xt.length];
        for (int i = 0; i < xs.length; i++) {
            sourceGroups[i] = i % 3;
            sourceLabels[i] = "type" + (i % 3);
        }
        for (int j = 0; j < xt.length; j++) {
            targetGroups[j] = j % 4;
            targetLabels[j] = "type" + (j % 4);
        }
        double[][] blocks = q.blockSums(sourceGroups, 3, targetGroups, 4);
        String[] ids = new String[xs.length];
        String[] tids = new String[xt.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = "s" + i;
        }
        for (int j = 0; j < tids.length; j++) {
            tids[j] = "t" + j;
        }
        TransportMap.TransitionTable forward = new TransportMap(ids, tids, ref.coupling(dense.matrix()))
                .transitionTable(sourceLabels, targetLabels, true);
        for (int s = 0; s < 3; s++) {
            double rowSum = java.util.Arrays.stream(blocks[s]).sum();
            for (int t = 0; t < 4; t++) {
                assertEquals(forward.value("type" + s, "type" + t), blocks[s][t] / rowSum, 1e-12, "table " + s + t);
            }
        }
    }

    @Test
    void sameFixedPointAsTheDenseSolverUnbalanced() {
        Random rnd = new Random(1);
        double[][] xs = cloud(rnd, 37, 5, 0.0);
        double[][] xt = cloud(rnd, 53, 5, 1.0);
        assertSameFixedPoint(xs, xt, UnbalancedSinkhorn.uniform(37), UnbalancedSinkhorn.uniform(53), 0.1,
                0.8, 0.95, CostNormalization.MEAN, 1);
    }

    @Test
    void sameFixedPointBalancedWithZeroMassCellsAndThreads() {
        Random rnd = new Random(2);
        double[][] xs = cloud(rnd, 70, 9, 0.0);
        double[][] xt = cloud(rnd, 131, 9, 0.5);
        double[] a = new double[70];
        double[] b = new double[131];
        for (int i = 0; i < a.length; i++) {
            a[i] = i % 11 == 3 ? 0.0 : 1.0 + rnd.nextDouble();
        }
        for (int j = 0; j < b.length; j++) {
            b[j] = j % 13 == 5 ? 0.0 : 1.0;
        }
        double sa = java.util.Arrays.stream(a).sum();
        double sb = java.util.Arrays.stream(b).sum();
        for (int j = 0; j < b.length; j++) {
            b[j] *= sa / sb;
        }
        assertSameFixedPoint(xs, xt, a, b, 1.0, 1.0, 1.0, CostNormalization.NONE, 2);
        assertSameFixedPoint(xs, xt, a, b, 0.2, 0.5, 1.0, CostNormalization.MEAN, 2);
    }

    /** Coarse start, translation-invariant steps and over-relaxation keep the dense solver's fixed point. */
    @Test
    void accelerationsKeepTheFixedPoint() {
        Random rnd = new Random(5);
        double[][] xs = cloud(rnd, 400, 6, 0.0);
        double[][] xt = cloud(rnd, 350, 6, 0.7);
        double[] a = UnbalancedSinkhorn.uniform(400);
        double[] b = UnbalancedSinkhorn.uniform(350);
        TemporalCost.Cost dense = TemporalCost.squaredEuclidean(xs, xt, CostNormalization.MEAN);
        UnbalancedSinkhorn.Result ref = new UnbalancedSinkhorn(0.05, 0.9, 0.95, 1e-12, 10_000)
                .solve(dense.matrix(), a, b, null);
        PointCloudCost online = new PointCloudCost(xs, xt, CostNormalization.MEAN);
        List<String> notes = new ArrayList<>();
        IterationListener listener = new IterationListener() {
            @Override
            public void onCheck(String phase, int it, int max, double err, double eps, long ns) {
            }

            @Override
            public void onNote(String phase, String message) {
                notes.add(message);
            }
        };
        OnlineUnbalancedSinkhorn solver = new OnlineUnbalancedSinkhorn(0.05, 0.9, 0.95,
                1e-12, 10_000, 2);
        UnbalancedSinkhorn.Result cold = solver.solve(online, a, b, null);
        UnbalancedSinkhorn.Result warm = solver.withCoarseStart(100, 11).solve(online, a, b, listener);
        UnbalancedSinkhorn.Result ti = solver.withTranslationInvariance(true).solve(online, a, b, null);
        assertTrue(maxDiff(ref.f(), ti.f()) < 1e-10 && maxDiff(ref.g(), ti.g()) < 1e-10,
                "translation-invariant potentials differ: f " + maxDiff(ref.f(), ti.f()));
        System.out.printf("translation-invariant: %d iterations%n", ti.convergence().iterations());
        UnbalancedSinkhorn.Result relaxed = solver.withOverRelaxation(1.6).solve(online, a, b, null);
        assertTrue(maxDiff(ref.f(), relaxed.f()) < 1e-10 && maxDiff(ref.g(), relaxed.g()) < 1e-10,
                "over-relaxed potentials differ: f " + maxDiff(ref.f(), relaxed.f()));
        System.out.printf("over-relaxed (1.6): %d iterations%n", relaxed.convergence().iterations());
        assertTrue(relaxed.convergence().iterations() < 0.6 * cold.convergence().iterations(),
                "over-relaxed " + relaxed.convergence().iterations() + " vs " + cold.convergence().iterations());
        assertEquals(1, notes.size(), "one coarse-start note");
        assertTrue(notes.get(0).startsWith("coarse solve 100 x 100"), notes.get(0));
        assertEquals(Convergence.Status.CONVERGED, warm.convergence().status());
        assertTrue(maxDiff(ref.f(), warm.f()) < 1e-10 && maxDiff(ref.g(), warm.g()) < 1e-10,
                "potentials differ: f " + maxDiff(ref.f(), warm.f()) + ", g " + maxDiff(ref.g(), warm.g()));
        System.out.printf("coarse start: %d iterations (cold %d, dense %d)%n", warm.convergence().iterations(),
                cold.convergence().iterations(), ref.convergence().iterations());
        // The coarse start does not shorten this solve (the slow mode is the global mass, not the fine scale);
        // the translation-invariant step does.
        assertTrue(ti.convergence().iterations() < 0.6 * cold.convergence().iterations(),
                "translation-invariant " + ti.convergence().iterations() + " vs " + cold.convergence().iterations());
    }

    @Test
    void vectorAndScalarTilesAgree() {
        Random rnd = new Random(3);
        int rows = 23;
        int cols = 45;
        int d = 7;
        int padded = PointCloudCost.padded(cols);
        double[] p = new double[rows * d];
        double[] qT = new double[d * padded];
        double[] h = new double[padded];
        for (int i = 0; i < p.length; i++) {
            p[i] = rnd.nextGaussian();
        }
        for (int i = 0; i < qT.length; i++) {
            qT[i] = rnd.nextGaussian();
        }
        for (int c = 0; c < padded; c++) {
            h[c] = c >= cols || c % 9 == 0 ? Double.NEGATIVE_INFINITY : rnd.nextGaussian();
        }
        double[] m1 = new double[rows];
        double[] s1 = new double[rows];
        double[] m2 = new double[rows];
        double[] s2 = new double[rows];
        new ScalarTileLogSumExp().rows(p, d, 0, rows, qT, padded, h, 1 / 0.3, m1, s1);
        TileLogSumExp.get().rows(p, d, 0, rows, qT, padded, h, 1 / 0.3, m2, s2);
        for (int r = 0; r < rows; r++) {
            assertEquals(m1[r], m2[r], 1e-12);
            assertEquals(s1[r], s2[r], 1e-12 * s1[r]);
        }
    }

    /** moscot fixture pair 10.5 → 11 (local PCA 50, mean, ε 0.5, τ_a 1/1.5, τ_b 10/10.5): same potentials. */
    @Test
    void moscotFixturePairSameFixedPoint() throws IOException {
        Path dir = SharedData.data("moscot_temporal/plain");
        List<String> obs = Files.readAllLines(dir.resolve("obs.csv"));
        List<String> mtx = Files.readAllLines(dir.resolve("X.mtx"));
        int k = 0;
        while (mtx.get(k).startsWith("%")) {
            k++;
        }
        String[] size = mtx.get(k++).trim().split("\\s+");
        double[][] x = new double[Integer.parseInt(size[0])][Integer.parseInt(size[1])];
        for (; k < mtx.size(); k++) {
            String[] f = mtx.get(k).trim().split("\\s+");
            if (f.length == 3) {
                x[Integer.parseInt(f[0]) - 1][Integer.parseInt(f[1]) - 1] = Double.parseDouble(f[2]);
            }
        }
        List<double[]> s = new ArrayList<>();
        List<double[]> t = new ArrayList<>();
        for (int i = 1; i < obs.size(); i++) {
            String day = obs.get(i).split(",", -1)[1];
            if (day.equals("10.5")) {
                s.add(x[i - 1]);
            } else if (day.equals("11")) {
                t.add(x[i - 1]);
            }
        }
        TemporalCost.PairCoordinates pca = TemporalCost.localPca(s.toArray(new double[0][]),
                t.toArray(new double[0][]), 50);
        int n = pca.source().length;
        int m = pca.target().length;
        assertSameFixedPoint(pca.source(), pca.target(), UnbalancedSinkhorn.uniform(n), UnbalancedSinkhorn.uniform(m),
                0.5, 1 / 1.5, 10 / 10.5, CostNormalization.MEAN, 2);
    }

    @Test
    void badInputIsNamed() {
        double[][] xs = {{0, 0}, {1, 1}};
        double[][] xt = {{0, 1}};
        InvalidInputException median = assertThrows(InvalidInputException.class,
                () -> new PointCloudCost(xs, xt, CostNormalization.MEDIAN));
        assertTrue(median.getMessage().contains("costNormalization"), median.getMessage());
        PointCloudCost cost = new PointCloudCost(xs, xt, CostNormalization.NONE);
        OnlineUnbalancedSinkhorn solver = new OnlineUnbalancedSinkhorn(0.1, 1, 1, 1e-9, 100, 1);
        InvalidInputException shape = assertThrows(InvalidInputException.class,
                () -> solver.solve(cost, new double[] {1}, new double[] {1}, IterationListener.NONE));
        assertTrue(shape.getMessage().contains("Marginal a"), shape.getMessage());
        InvalidInputException negative = assertThrows(InvalidInputException.class,
                () -> solver.solve(cost, new double[] {1, -1}, new double[] {1}, IterationListener.NONE));
        assertTrue(negative.getMessage().contains("a[1]"), negative.getMessage());
        double[][] bad = {{0, Double.NaN}};
        InvalidInputException nan = assertThrows(InvalidInputException.class,
                () -> new PointCloudCost(xs, bad, CostNormalization.NONE));
        assertTrue(nan.getMessage().contains("target coordinate [0][1]"), nan.getMessage());
        assertThrows(InvalidInputException.class, () -> new OnlineUnbalancedSinkhorn(0.1, 1.5, 1, 1e-9, 10, 1));
        InvalidInputException omega = assertThrows(InvalidInputException.class,
                () -> solver.withOverRelaxation(2.0));
        assertTrue(omega.getMessage().contains("overRelaxation"), omega.getMessage());
    }

    @Test
    void maxIterationsIsReportedNotThrown() {
        Random rnd = new Random(4);
        PointCloudCost cost = new PointCloudCost(cloud(rnd, 20, 3, 0), cloud(rnd, 30, 3, 1), CostNormalization.MEAN);
        UnbalancedSinkhorn.Result r = new OnlineUnbalancedSinkhorn(0.01, 1, 1, 1e-14, 3, 1)
                .solve(cost, UnbalancedSinkhorn.uniform(20), UnbalancedSinkhorn.uniform(30), null);
        assertEquals(Convergence.Status.MAX_ITERATIONS, r.convergence().status());
        assertEquals(3, r.convergence().iterations());
    }
}
