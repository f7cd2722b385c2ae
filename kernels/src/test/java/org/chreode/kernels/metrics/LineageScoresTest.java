package org.chreode.kernels.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

/** Clonal fates and the agreement scores, on hand-checked examples. */
class LineageScoresTest {

    // clone 0: day 0 cell, last-day cells A, A, B; clone 1: day 0 and day 1 cells, last-day cell B;
    // clone 2: a day 0 cell whose clone has no last-day cell
    private static final int[] CLONES = {0, 1, 1, 2, 0, 0, 0, 1};
    private static final double[] DAYS = {0, 0, 1, 0, 2, 2, 2, 2};
    private static final String[] TYPES = {"p", "p", "A", "p", "A", "A", "B", "B"};
    private static final String[] FATES = {"A", "B"};

    @Test
    void clonalFatesAreLastDayFractionsOfTheClone() {
        double[][] c = LineageScores.clonalFates(CLONES, DAYS, TYPES, 2, FATES);
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 3}, c[0], 1e-15);
        assertArrayEquals(new double[] {0, 1}, c[1], 1e-15);
        assertArrayEquals(new double[] {0, 1}, c[2], 1e-15);
        assertTrue(Double.isNaN(c[3][0]), "no clone mate at the last day");
        assertTrue(Double.isNaN(c[4][0]), "last-day cells are not scored");
        assertArrayEquals(new int[] {0, 1, 2}, LineageScores.scoredRows(c));
    }

    @Test
    void agreementOfAPredictionWithTheClonalFates() {
        double[][] c = LineageScores.clonalFates(CLONES, DAYS, TYPES, 2, FATES);
        int[] rows = LineageScores.scoredRows(c);
        double[][] predicted = new double[8][];
        predicted[0] = new double[] {1, 0};   // TV 1/3, dominant right
        predicted[1] = new double[] {0.5, 0.5}; // TV 1/2, tie → first column A, wrong
        predicted[2] = new double[] {0.2, 0.8}; // TV 0.2, right
        for (int i = 3; i < 8; i++) {
            predicted[i] = new double[] {0.5, 0.5};
        }
        LineageScores.Agreement a = LineageScores.compare(predicted, c, rows);
        assertEquals(3, a.cells());
        assertEquals((1.0 / 3 + 0.5 + 0.2) / 3, a.meanTotalVariation(), 1e-15);
        assertEquals(2.0 / 3, a.dominantFateAccuracy(), 1e-15);
        // P(A): predicted (1, .5, .2) vs clonal (2/3, 0, 0): Pearson by hand
        double[] x = {1, 0.5, 0.2};
        double[] y = {2.0 / 3, 0, 0};
        assertEquals(pearson(x, y), a.pearsonPerFate()[0], 1e-12);
        assertEquals(pearson(x, y), a.pearsonPerFate()[1], 1e-12); // two fates: P(B) = 1 − P(A) on both sides
        assertEquals(pearson(x, y), a.meanPearson(), 1e-12);
    }

    @Test
    void uniformAndNearestNeighbourBaselines() {
        double[][] u = LineageScores.uniform(2, 4);
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25}, u[1]);
        double[][] features = {{0, 0}, {10, 0}, {1, 0}, {2, 0}, {9, 0}, {11, 0}};
        int[] refs = {2, 3, 4, 5};
        int[] refFate = {0, 0, 1, 1};
        double[][] nn = LineageScores.nearestNeighbourFates(features, new int[] {0, 1}, refs, refFate, 2, 2);
        assertArrayEquals(new double[] {1, 0}, nn[0]);
        assertArrayEquals(new double[] {0, 1}, nn[1]);
        double[][] nn3 = LineageScores.nearestNeighbourFates(features, new int[] {0}, refs, refFate, 2, 3);
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 3}, nn3[0], 1e-15);
    }

    @Test
    void aLastDayTypeOutsideTheFateColumnsIsNamed() {
        String message = assertThrows(InvalidInputException.class,
                () -> LineageScores.clonalFates(CLONES, DAYS, TYPES, 2, new String[] {"A"})).getMessage();
        assertTrue(message.contains("type 'B'"), message);
    }

    private static double pearson(double[] x, double[] y) {
        double mx = (x[0] + x[1] + x[2]) / 3;
        double my = (y[0] + y[1] + y[2]) / 3;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < 3; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
