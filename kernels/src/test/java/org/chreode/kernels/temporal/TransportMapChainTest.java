package org.chreode.kernels.temporal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.temporal.TransportMap.StepNormalization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The WOT synthetic chain 4 → 2 → 5 → 6 → 3 (spec unbalanced_temporal_ot.md §8), exact integer products. */
class TransportMapChainTest {

    private static final double[][] T02 = {{25, 30, 35, 40, 45}, {43, 52, 61, 70, 79}, {61, 74, 87, 100, 113},
        {79, 96, 113, 130, 147}};
    private static final double[][] T24 = {{995, 1050, 1105}, {1050, 1111, 1172}, {1105, 1172, 1239},
        {1160, 1233, 1306}, {1215, 1294, 1373}};
    private static final double[][] T04 = {{196125, 208150, 220175}, {341975, 362950, 383925},
        {487825, 517750, 547675}, {633675, 672550, 711425}};

    private static List<TransportMap> maps;

    @BeforeAll
    static void load() {
        Path dir = SharedData.data("wot_toy_transport_maps");
        maps = List.of(TransportMap.readCsv(dir.resolve("t0_t1.csv")), TransportMap.readCsv(dir.resolve("t1_t2.csv")),
                TransportMap.readCsv(dir.resolve("t2_t3.csv")), TransportMap.readCsv(dir.resolve("t3_t4.csv")));
    }

    private static void assertMatrix(double[][] expected, TransportMap actual) {
        assertEquals(expected.length, actual.sourceCount());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual.coupling()[i], 0.0);
        }
    }

    @Test
    void csvReaderKeepsIds() {
        TransportMap t01 = maps.get(0);
        assertArrayEquals(new String[] {"c1-t0", "c2-t0", "c3-t0", "c4-t0"}, t01.sourceIds());
        assertArrayEquals(new String[] {"c1-t1", "c2-t1"}, t01.targetIds());
        assertEquals(9.0, t01.get(3, 1));
    }

    @Test
    void chainingAlongDayPairsGivesTheExactProducts() {
        TransportMap t02 = TransportMap.chain(maps.subList(0, 2));
        TransportMap t24 = TransportMap.chain(maps.subList(2, 4));
        assertMatrix(T02, t02);
        assertMatrix(T24, t24);
        assertMatrix(T04, TransportMap.chain(List.of(t02, t24)));
        assertMatrix(T04, TransportMap.chain(maps));
        assertArrayEquals(maps.get(0).sourceIds(), t02.sourceIds());
        assertArrayEquals(maps.get(3).targetIds(), t24.targetIds());
    }

    @Test
    void pushAndPullEqualTheMatrixProducts() {
        double[] p = {1, 0, 2, 0.5};           // over t0
        double[] q = {0, 1, 3};                // over t4
        double[] pushed = TransportMap.push(maps, p, StepNormalization.NONE);
        double[] pulled = TransportMap.pull(maps, q, StepNormalization.NONE);
        double[] expPush = new double[3];
        double[] expPull = new double[4];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                expPush[j] += p[i] * T04[i][j];
                expPull[i] += T04[i][j] * q[j];
            }
        }
        assertArrayEquals(expPush, pushed, 1e-9);
        assertArrayEquals(expPull, pulled, 1e-9);
        // WOT: normalise after every step = normalised product (descendants / ancestors aliases).
        assertArrayEquals(normalized(expPush), TransportMap.descendants(maps, p), 1e-15);
        assertArrayEquals(normalized(expPull), TransportMap.ancestors(maps, q), 1e-15);
        assertArrayEquals(normalized(expPush), TransportMap.push(maps, p, StepNormalization.AFTER_EACH_STEP), 1e-15);
        // moscot: the input of every step is normalised; the output of the last step is not.
        double[] x = normalized(p);
        for (TransportMap map : maps) {
            x = mult(normalized(x), map);
        }
        assertArrayEquals(x, TransportMap.push(maps, p, StepNormalization.BEFORE_EACH_STEP), 1e-12);
        double[] last = normalized(TransportMap.push(maps.subList(0, 3), p, StepNormalization.NONE));
        double[] expLast = new double[3];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 3; j++) {
                expLast[j] += last[i] * maps.get(3).get(i, j);
            }
        }
        assertArrayEquals(expLast, TransportMap.push(maps, p, StepNormalization.BEFORE_EACH_STEP), 1e-12);
        double[] y = q;
        for (int k = 3; k >= 0; k--) {
            y = maps.get(k).pull(normalized(y));
        }
        assertArrayEquals(y, TransportMap.pull(maps, q, StepNormalization.BEFORE_EACH_STEP), 1e-12);
        // Growth on the WOT scale: row sums.
        assertArrayEquals(new double[] {5, 9, 13, 17}, maps.get(0).rowSums(), 0);
        assertArrayEquals(new double[] {20, 36, 52, 68}, maps.get(0).growthRates(), 0);
        assertArrayEquals(new double[] {20, 24}, maps.get(0).columnSums(), 0);
        assertEquals(44, maps.get(0).totalMass(), 0);
    }

    @Test
    void descendantsAndAncestorsAtEveryTimePointEqualTheNormalisedProducts() {
        // cell set {c1-t2, c4-t2} at t2 (time index 2): pushed to t3, t4; pulled back to t1, t0.
        double[] set = {1, 0, 0, 1, 0};
        java.util.List<double[]> down = TransportMap.descendantsPerStep(maps.subList(2, 4), set);
        java.util.List<double[]> up = TransportMap.ancestorsPerStep(maps.subList(0, 2), set);
        assertEquals(2, down.size());
        assertEquals(2, up.size());
        double[] t3 = mult(set, maps.get(2));
        assertArrayEquals(normalized(t3), down.get(0), 1e-15);
        double[] t4 = new double[3];
        for (int j = 0; j < 3; j++) {
            t4[j] = T24[0][j] + T24[3][j];   // rows c1-t2, c4-t2 of T2->4 = T23·T34
        }
        assertArrayEquals(normalized(t4), down.get(1), 1e-15);
        double[] t0 = new double[4];
        for (int i = 0; i < 4; i++) {
            t0[i] = T02[i][0] + T02[i][3];   // columns c1-t2, c4-t2 of T0->2 = T01·T12
        }
        assertArrayEquals(normalized(t0), up.get(0), 1e-15);
        double[] t1 = maps.get(1).pull(set);
        assertArrayEquals(normalized(t1), up.get(1), 1e-15);
        // the last step of each equals the chained WOT aliases
        assertArrayEquals(TransportMap.descendants(maps.subList(2, 4), set), down.get(1), 1e-15);
        assertArrayEquals(TransportMap.ancestors(maps.subList(0, 2), set), up.get(0), 1e-15);
        assertThrows(InvalidInputException.class, () -> TransportMap.descendantsPerStep(maps.subList(2, 4),
                new double[5]));
    }

    @Test
    void brokenChainsAndBadMeasuresThrow() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> TransportMap.chain(List.of(maps.get(0), maps.get(2))));
        assertTrue(e.getMessage().contains("do not chain"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> maps.get(0).push(new double[] {1, 2}));
        assertThrows(InvalidInputException.class, () -> maps.get(0).pull(new double[] {1, Double.NaN}));
        assertThrows(InvalidInputException.class,
                () -> TransportMap.push(maps, new double[4], StepNormalization.AFTER_EACH_STEP));
    }

    @Test
    void transitionTablesForwardAndBackward() {
        TransportMap t01 = maps.get(0);
        TransportMap.TransitionTable fwd = t01.transitionTable(new String[] {"A", "A", "B", "B"},
                new String[] {"X", "Y"}, true);
        // block sums: A = [6, 8], B = [14, 16]
        assertEquals(6.0 / 14, fwd.value("A", "X"), 1e-15);
        assertEquals(16.0 / 30, fwd.value("B", "Y"), 1e-15);
        TransportMap.TransitionTable bwd = t01.transitionTable(new String[] {"A", "A", "B", "B"},
                new String[] {"X", "Y"}, false);
        assertEquals(6.0 / 20, bwd.value("A", "X"), 1e-15);
        assertEquals(16.0 / 24, bwd.value("B", "Y"), 1e-15);
        assertArrayEquals(new String[] {"A", "B"}, bwd.rowLabels());
    }

    @Test
    void wotFatesAndTransitionTable() {
        TransportMap.Fates fates = TransportMap.fates(maps, new String[] {"A", null, "B"});
        assertArrayEquals(new String[] {"A", TransportMap.OTHER, "B"}, fates.populations());
        assertEquals(5, fates.perTime().size());
        double[][] t0 = fates.perTime().get(0);
        for (int i = 0; i < 4; i++) {
            double s = T04[i][0] + T04[i][1] + T04[i][2];
            assertArrayEquals(new double[] {T04[i][0] / s, T04[i][1] / s, T04[i][2] / s}, t0[i], 1e-14);
        }
        double[][] t2 = fates.perTime().get(2);
        for (int i = 0; i < 5; i++) {
            double s = T24[i][0] + T24[i][1] + T24[i][2];
            assertArrayEquals(new double[] {T24[i][0] / s, T24[i][1] / s, T24[i][2] / s}, t2[i], 1e-14);
        }
        assertArrayEquals(new double[] {0, 1, 0}, fates.perTime().get(4)[1], 0);

        TransportMap.TransitionTable table = TransportMap.wotTransitionTable(maps,
                new String[] {"S", "S", null, "R"}, new String[] {"A", "A", "B"});
        double total = 0;
        for (double[] row : T04) {
            for (double v : row) {
                total += v;
            }
        }
        assertArrayEquals(new String[] {"S", TransportMap.OTHER, "R"}, table.rowLabels());
        assertEquals((T04[0][0] + T04[0][1] + T04[1][0] + T04[1][1]) / total, table.value("S", "A"), 1e-14);
        assertEquals(T04[2][2] / total, table.value(TransportMap.OTHER, "B"), 1e-14);
        assertEquals(T04[3][2] / total, table.value("R", "B"), 1e-14);
    }

    private static double[] mult(double[] x, TransportMap map) {
        double[] out = new double[map.targetCount()];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < out.length; j++) {
                out[j] += x[i] * map.get(i, j);
            }
        }
        return out;
    }

    private static double[] normalized(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] / s;
        }
        return out;
    }
}
