package org.chreode.kernels.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The moscot golden fixture (spec unbalanced_temporal_ot.md §7): the full recipe from the gene matrix (local PCA
 * with 50 components, squared Euclidean / mean, ε = 0.5, τ_a = 1/1.5, τ_b = 10/10.5, uniform marginals) against the
 * stored float32 couplings and cell-type tables.
 */
class MoscotFixtureTest {

    private static final double EPS = 0.5;
    private static final double TAU_A = 1 / 1.5;
    private static final double TAU_B = 10 / 10.5;

    private static Path dir;
    private static String[] ids;
    private static String[] days;
    private static String[] types;
    private static double[][] x;

    @BeforeAll
    static void load() throws IOException {
        dir = SharedData.data("moscot_temporal/plain");
        List<String> lines = Files.readAllLines(dir.resolve("obs.csv"));
        int n = lines.size() - 1;
        ids = new String[n];
        days = new String[n];
        types = new String[n];
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(i + 1).split(",", -1);
            ids[i] = f[0];
            days[i] = f[1];
            types[i] = f[2];
        }
        List<String> mtx = Files.readAllLines(dir.resolve("X.mtx"));
        int k = 0;
        while (mtx.get(k).startsWith("%")) {
            k++;
        }
        String[] size = mtx.get(k++).trim().split("\\s+");
        x = new double[Integer.parseInt(size[0])][Integer.parseInt(size[1])];
        for (; k < mtx.size(); k++) {
            String[] f = mtx.get(k).trim().split("\\s+");
            if (f.length == 3) {
                x[Integer.parseInt(f[0]) - 1][Integer.parseInt(f[1]) - 1] = Double.parseDouble(f[2]);
            }
        }
        assertEquals(n, x.length);
    }

    private static int[] cellsOf(String day) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < days.length; i++) {
            if (days[i].equals(day)) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static <T> T[] pick(T[] all, int[] idx, T[] into) {
        for (int i = 0; i < idx.length; i++) {
            into[i] = all[idx[i]];
        }
        return into;
    }

    record Solved(TransportMap map, UnbalancedSinkhorn.Result result) {
    }

    private static Solved solve(String d0, String d1) {
        int[] s = cellsOf(d0);
        int[] t = cellsOf(d1);
        double[][] xs = pick(x, s, new double[s.length][]);
        double[][] xt = pick(x, t, new double[t.length][]);
        TemporalCost.PairCoordinates pca = TemporalCost.localPca(xs, xt, 50);
        TemporalCost.Cost cost = TemporalCost.squaredEuclidean(pca.source(), pca.target(), CostNormalization.MEAN);
        UnbalancedSinkhorn.Result r = new UnbalancedSinkhorn(EPS, TAU_A, TAU_B).solve(cost.matrix(),
                IterationListener.NONE);
        return new Solved(r.transportMap(cost.matrix(), pick(ids, s, new String[s.length]),
                pick(ids, t, new String[t.length])), r);
    }

    /** max |Δ| (by id), Pearson correlation, total masses; asserts the spec §7.2 tolerances. */
    private static void assertMatches(TransportMap ours, TransportMap stored, String label) {
        assertEquals(List.of(stored.sourceIds()), List.of(ours.sourceIds()));
        assertEquals(List.of(stored.targetIds()), List.of(ours.targetIds()));
        double maxDiff = 0;
        double maxEntry = 0;
        double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        int count = 0;
        for (int i = 0; i < ours.sourceCount(); i++) {
            for (int j = 0; j < ours.targetCount(); j++) {
                double a = ours.get(i, j);
                double b = stored.get(i, j);
                maxDiff = Math.max(maxDiff, Math.abs(a - b));
                maxEntry = Math.max(maxEntry, b);
                sx += a; sy += b; sxx += a * a; syy += b * b; sxy += a * b;
                count++;
            }
        }
        double corr = (sxy - sx * sy / count)
                / Math.sqrt((sxx - sx * sx / count) * (syy - sy * sy / count));
        System.out.printf("moscot fixture %s: max|d| = %.3e (%.3e of max entry), corr = %.12f, mass %.6f / %.6f%n",
                label, maxDiff, maxDiff / maxEntry, corr, ours.totalMass(), stored.totalMass());
        assertTrue(maxDiff <= 1e-7, label + " max |d| " + maxDiff);
        assertTrue(maxDiff <= 2e-4 * maxEntry, label + " relative " + maxDiff / maxEntry);
        assertTrue(corr >= 0.99999, label + " corr " + corr);
        assertEquals(stored.totalMass(), ours.totalMass(), 1e-4 * stored.totalMass());
    }

    @Test
    void coupling105to11FromTheGeneMatrix() {
        Solved s = solve("10.5", "11");
        assertTrue(s.result().convergence().converged(), s.result().convergence().toString());
        System.out.println("moscot fixture 10.5->11: " + s.result().convergence());
        assertMatches(s.map(), TransportMap.readCsv(dir.resolve("tmap_105_11.csv")), "10.5->11");
        // The fixed point satisfies the relaxed-marginal optimality condition.
        assertTrue(s.result().convergence().marginalError() < 1e-9, s.result().convergence().toString());
    }

    @Test
    void coupling10to105AndCellTypeTables() throws IOException {
        Solved s = solve("10", "10.5");
        TransportMap stored = TransportMap.readCsv(dir.resolve("tmap_10_105.csv"));
        assertMatches(s.map(), stored, "10->10.5");
        String[] srcTypes = pick(types, cellsOf("10"), new String[cellsOf("10").length]);
        String[] tgtTypes = pick(types, cellsOf("10.5"), new String[cellsOf("10.5").length]);
        for (boolean forward : new boolean[] {true, false}) {
            String file = "cell_transition_10_105_" + (forward ? "forward" : "backward") + ".csv";
            List<String> lines = Files.readAllLines(dir.resolve(file));
            String[] cols = lines.get(0).split(",");
            for (TransportMap map : List.of(s.map(), stored)) {
                TransportMap.TransitionTable table = map.transitionTable(srcTypes, tgtTypes, forward);
                double maxDiff = 0;
                for (int r = 1; r < lines.size(); r++) {
                    String[] f = lines.get(r).split(",");
                    for (int c = 1; c < cols.length; c++) {
                        maxDiff = Math.max(maxDiff,
                                Math.abs(table.value(f[0], cols[c]) - Double.parseDouble(f[c])));
                    }
                }
                assertEquals(lines.size() - 1, table.rowLabels().length);
                assertEquals(cols.length - 1, table.columnLabels().length);
                System.out.printf("cell transition %s (%s coupling): max|d| = %.3e%n", forward ? "forward" : "backward",
                        map == stored ? "stored" : "recomputed", maxDiff);
                assertTrue(maxDiff <= 1e-6, file + " max |d| " + maxDiff);
            }
        }
    }

    @Test
    void posteriorMarginalsAndGrowthOfTheStoredCoupling() {
        TransportMap stored = TransportMap.readCsv(dir.resolve("tmap_105_11.csv"));
        double[] rows = stored.rowSums();
        double[] growth = stored.growthRates();
        double[] pulled = stored.pull(ones(stored.targetCount()));
        double[] pushed = stored.push(ones(stored.sourceCount()));
        double[] cols = stored.columnSums();
        double[] uniform = UnbalancedSinkhorn.uniform(stored.sourceCount());
        double[] relative = stored.growthRates(uniform);
        for (int i = 0; i < rows.length; i++) {
            assertEquals(rows[i] * rows.length, growth[i], 1e-12);
            assertEquals(growth[i], relative[i], 1e-9 * growth[i]);
            assertEquals(rows[i], pulled[i], 1e-6 * rows[i]);
        }
        for (int j = 0; j < cols.length; j++) {
            assertEquals(cols[j], pushed[j], 1e-6 * cols[j]);
        }
    }

    private static double[] ones(int n) {
        double[] o = new double[n];
        java.util.Arrays.fill(o, 1.0);
        return o;
    }
}
