package org.chreode.kernels.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

class FateMetricsTest {

    private static final double[][] P = {{1, 0, 0}, {0.5, 0.5, 0}, {0.2, 0.3, 0.5}};
    private static final double[][] Q = {{0, 1, 0}, {0.5, 0.5, 0}, {0.4, 0.4, 0.2}};

    @Test
    void meanTotalVariationByHand() {
        // row 0: ½(1 + 1) = 1; row 1: 0; row 2: ½(0.2 + 0.1 + 0.3) = 0.3
        assertEquals((1 + 0 + 0.3) / 3, FateMetrics.meanTotalVariation(P, Q, null), 1e-12);
        assertEquals(0.65, FateMetrics.meanTotalVariation(P, Q, new int[] {0, 2}), 1e-12);
        assertEquals(0.0, FateMetrics.meanTotalVariation(P, P, null), 0);
        assertTrue(Double.isNaN(FateMetrics.meanTotalVariation(P, Q, new int[0])));
    }

    @Test
    void dominantFateAccuracyByHand() {
        // argmax: P -> 0, 0 (tie, first), 2; Q -> 1, 0 (tie, first), 0 (tie, first)
        assertEquals(1.0 / 3, FateMetrics.dominantFateAccuracy(P, Q, null), 1e-12);
        assertEquals(1.0, FateMetrics.dominantFateAccuracy(P, Q, new int[] {1}), 0);
        assertEquals(0.0, FateMetrics.dominantFateAccuracy(P, Q, new int[] {0, 2}), 0);
    }

    @Test
    void spearmanByHand() {
        assertEquals(1.0, FateMetrics.spearman(new double[] {1, 2, 3, 4}, new double[] {10, 20, 25, 100}, null),
                1e-12);
        assertEquals(-1.0, FateMetrics.spearman(new double[] {1, 2, 3}, new double[] {3, 2, 1}, null), 1e-12);
        // a = [1,2,3,4,5], b = [5,6,7,8,7]: ranks b = [1,2,3.5,5,3.5]; rho = 8 / sqrt(10 * 9.5)
        assertEquals(8 / Math.sqrt(10 * 9.5),
                FateMetrics.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7}, null), 1e-12);
    }

    @Test
    void spearmanSkipsNaNRowsAndHonoursRowSelection() {
        double[] a = {1, Double.NaN, 2, 3, 100};
        double[] b = {1, 5, 2, Double.NaN, -100};
        // remaining rows 0, 2, 4: a = 1, 2, 100; b = 1, 2, -100 -> ranks (1,2,3) vs (2,3,1): rho = -0.5
        assertEquals(-0.5, FateMetrics.spearman(a, b, null), 1e-12);
        assertEquals(1.0, FateMetrics.spearman(a, b, new int[] {0, 1, 2}), 1e-12);
        assertTrue(Double.isNaN(FateMetrics.spearman(a, b, new int[] {0, 1})));
        assertTrue(Double.isNaN(FateMetrics.spearman(new double[] {1, 1, 1}, new double[] {1, 2, 3}, null)));
    }

    @Test
    void entropyByHand() {
        assertEquals(0.0, FateMetrics.entropy(new double[] {0, 1, 0}), 0);
        assertEquals(Math.log(4), FateMetrics.entropy(new double[] {0.25, 0.25, 0.25, 0.25}), 1e-12);
        // normalised: {2, 2, 0} -> {0.5, 0.5, 0}
        assertEquals(Math.log(2), FateMetrics.entropy(new double[] {2, 2, 0}), 1e-12);
        double h = -(0.2 * Math.log(0.2) + 0.3 * Math.log(0.3) + 0.5 * Math.log(0.5));
        assertEquals(h, FateMetrics.entropy(new double[] {0.2, 0.3, 0.5}), 1e-12);
        assertTrue(Double.isNaN(FateMetrics.entropy(new double[] {0, 0})));
        assertTrue(Double.isNaN(FateMetrics.entropy(new double[] {-0.5, 1.5})));
    }

    @Test
    void mismatchedShapesAreRejected() {
        assertThrows(InvalidInputException.class, () -> FateMetrics.meanTotalVariation(P, new double[2][3], null));
        assertThrows(InvalidInputException.class,
                () -> FateMetrics.dominantFateAccuracy(P, new double[][] {{1, 0}, {1, 0}, {1, 0}}, null));
        assertThrows(InvalidInputException.class, () -> FateMetrics.spearman(new double[2], new double[3], null));
        assertThrows(InvalidInputException.class, () -> FateMetrics.meanTotalVariation(P, Q, new int[] {3}));
    }
}
