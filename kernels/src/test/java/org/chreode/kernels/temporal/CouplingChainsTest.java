package org.chreode.kernels.temporal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelMode;
import org.junit.jupiter.api.Test;

/**
 * Chained outputs on coupling operators (spec unbalanced_temporal_ot.md §5): a chain of online (tile) couplings gives
 * the fates, descendants, ancestors and transition tables of the dense {@link TransportMap} chain of the same
 * solves; and the auto kernel rule.
 */
class CouplingChainsTest {

    private static double[][] cloud(Random rng, int n, double shift) {
        double[][] x = new double[n][3];
        for (double[] p : x) {
            for (int k = 0; k < 3; k++) {
                p[k] = rng.nextGaussian() + (k == 0 ? shift : 0);
            }
        }
        return x;
    }

    private static String[] labels(double[][] x) {
        String[] out = new String[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i][1] > 0.3 ? "up" : x[i][1] < -0.3 ? "down" : null;
        }
        return out;
    }

    private static String[] ids(String prefix, int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = prefix + i;
        }
        return out;
    }

    @Test
    void onlineChainGivesTheDenseChainsOutputs() {
        Random rng = new Random(3);
        double[][] x0 = cloud(rng, 30, 0);
        double[][] x1 = cloud(rng, 25, 0.5);
        double[][] x2 = cloud(rng, 35, 1.0);
        UnbalancedSinkhorn dense = new UnbalancedSinkhorn(0.1, 0.9, 0.95, 1e-13, 100_000);
        OnlineUnbalancedSinkhorn online = new OnlineUnbalancedSinkhorn(0.1, 0.9, 0.95, 1e-13, 100_000, 2);
        double[][][] clouds = {x0, x1, x2};
        List<TransportMap> maps = new java.util.ArrayList<>();
        List<CouplingOperator> tiles = new java.util.ArrayList<>();
        for (int k = 0; k < 2; k++) {
            double[][] c = TemporalCost.squaredEuclidean(clouds[k], clouds[k + 1], CostNormalization.MEAN).matrix();
            double[] a = uniform(clouds[k].length);
            double[] b = uniform(clouds[k + 1].length);
            maps.add(dense.solve(c, a, b, null).transportMap(c, ids("t" + k + "_", clouds[k].length),
                    ids("t" + (k + 1) + "_", clouds[k + 1].length)));
            tiles.add(CouplingSolver.online(new PointCloudCost(clouds[k], clouds[k + 1], CostNormalization.MEAN),
                    online).solve(a, b, null).coupling());
        }
        String[] last = labels(x2);
        TransportMap.Fates expected = TransportMap.fates(maps, last);
        TransportMap.Fates actual = CouplingChains.fates(tiles, last);
        assertArrayEquals(expected.populations(), actual.populations());
        for (int t = 0; t < 3; t++) {
            for (int i = 0; i < expected.perTime().get(t).length; i++) {
                assertArrayEquals(expected.perTime().get(t)[i], actual.perTime().get(t)[i], 1e-9, "t" + t + " " + i);
            }
        }
        double[] set = new double[30];
        set[2] = set[5] = set[11] = 1;
        List<double[]> down = CouplingChains.descendantsPerStep(tiles, set);
        List<double[]> downDense = TransportMap.descendantsPerStep(maps, set);
        double[] q = new double[35];
        q[0] = q[7] = 1;
        List<double[]> up = CouplingChains.ancestorsPerStep(tiles, q);
        List<double[]> upDense = TransportMap.ancestorsPerStep(maps, q);
        for (int s = 0; s < 2; s++) {
            assertArrayEquals(downDense.get(s), down.get(s), 1e-10);
            assertArrayEquals(upDense.get(s), up.get(s), 1e-10);
        }
        String[] src = labels(x0);
        String[] tgt = labels(x1);
        for (int i = 0; i < src.length; i++) {
            src[i] = src[i] == null ? "mid" : src[i];
        }
        for (int j = 0; j < tgt.length; j++) {
            tgt[j] = tgt[j] == null ? "mid" : tgt[j];
        }
        for (boolean forward : new boolean[] {true, false}) {
            TransportMap.TransitionTable e = maps.get(0).transitionTable(src, tgt, forward);
            TransportMap.TransitionTable a = CouplingChains.transitionTable(tiles.get(0), src, tgt, forward);
            for (int r = 0; r < e.values().length; r++) {
                assertArrayEquals(e.values()[r], a.values()[r], 1e-10);
            }
        }
        assertThrows(InvalidInputException.class, () -> CouplingChains.fates(List.of(tiles.get(1), tiles.get(0)),
                labels(x1)));
    }

    @Test
    void topKExportKeepsEachRowsLargestEntriesAboveTheThreshold() {
        Random rng = new Random(9);
        double[][] x = cloud(rng, 40, 0);
        double[][] y = cloud(rng, 30, 0.4);
        PointCloudCost cost = new PointCloudCost(x, y, CostNormalization.MEAN);
        CouplingSolver.Solution s = CouplingSolver.online(cost,
                new OnlineUnbalancedSinkhorn(0.05, 0.9, 0.9, 1e-12, 100_000, 2)).solve(uniform(40), uniform(30), null);
        double[][] p = s.potentials().coupling(cost.dense());
        for (CouplingOperator op : new CouplingOperator[] {s.coupling(), new DenseCoupling(p)}) {
            for (double threshold : new double[] {0, 1e-3}) {
                CouplingOperator.SparseCoupling top = op.sparse(threshold, 4);
                double max = op.maxEntry();
                double total = 0;
                double kept = 0;
                int at = 0;
                for (int i = 0; i < 40; i++) {
                    double[] sorted = p[i].clone();
                    java.util.Arrays.sort(sorted);
                    double fourth = sorted[sorted.length - 4];
                    int inRow = 0;
                    for (int j = 0; j < 30; j++) {
                        total += p[i][j];
                        boolean expected = p[i][j] >= fourth && p[i][j] >= threshold * max;
                        if (expected) {
                            assertEquals(i, top.rows()[at]);
                            assertEquals(j, top.columns()[at]);
                            assertEquals(p[i][j], top.weights()[at], 1e-12 * max);
                            kept += p[i][j];
                            at++;
                            inRow++;
                        }
                    }
                    assertEquals(true, inRow <= 4);
                }
                assertEquals(at, top.size());
                assertEquals(total - kept, top.droppedMass(), 1e-12);
                assertEquals(op.sparse(threshold).size(), op.sparse(threshold, 30).size());
            }
        }
        assertThrows(InvalidInputException.class, () -> s.coupling().sparse(0, 0));
    }

    @Test
    void autoKernelIsStoredWhileCostAndCouplingFitTheBudget() {
        assertEquals(16L * 100 * 200, CouplingSolver.storedBytes(100, 200));
        assertEquals(KernelMode.STORED, CouplingSolver.resolve(KernelMode.AUTO, 100, 200, 320_000));
        assertEquals(KernelMode.ONLINE, CouplingSolver.resolve(KernelMode.AUTO, 100, 200, 319_999));
        assertEquals(KernelMode.ONLINE, CouplingSolver.resolve(KernelMode.ONLINE, 2, 2, Long.MAX_VALUE));
        assertEquals(KernelMode.STORED, CouplingSolver.resolve(KernelMode.STORED, 100_000, 100_000, 0));
        assertThrows(InvalidInputException.class, () -> CouplingSolver.resolve(KernelMode.DISTRIBUTED, 2, 2, 0));
    }

    private static double[] uniform(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, 1.0 / n);
        return a;
    }
}
