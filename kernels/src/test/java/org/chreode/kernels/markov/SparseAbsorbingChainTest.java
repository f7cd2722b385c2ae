package org.chreode.kernels.markov;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

class SparseAbsorbingChainTest {

    @Test
    void gamblersRuinMatchesClosedForm() {
        int l = 20;
        double p = 0.6;
        double q = 0.4;
        int[] classes = new int[l + 1];
        Arrays.fill(classes, SparseAbsorbingChain.TRANSIENT);
        classes[0] = 0; // ruin
        classes[l] = 1; // win
        // Two "rounds" of unnormalised weights (3x and 1x): duplicates are summed, rows normalised.
        SparseAbsorbingChain.Builder first = SparseAbsorbingChain.builder(l + 1, classes);
        SparseAbsorbingChain.Builder second = SparseAbsorbingChain.builder(l + 1, classes);
        for (int i = 1; i < l; i++) {
            first.add(i, i + 1, 3 * p).add(i, i - 1, 3 * q);
            second.add(i, i - 1, q).add(i, i + 1, p);
        }
        SparseAbsorbingChain chain = first.merge(second).build();
        assertEquals(2 * (l - 1) + 2, chain.nonZeroCount());
        assertEquals(p, chain.probability(5, 6), 1e-15);
        assertEquals(1.0, chain.probability(0, 0), 0);
        SparseAbsorbingChain.Absorption a = chain.absorptionProbabilities();
        double ratio = q / p;
        for (int i = 0; i <= l; i++) {
            double win = (1 - Math.pow(ratio, i)) / (1 - Math.pow(ratio, l));
            assertEquals(win, a.probability(i, 1), 1e-11, "win from " + i);
            assertEquals(1 - win, a.probability(i, 0), 1e-11, "ruin from " + i);
        }
        assertTrue(a.residuals()[0] <= new Gmres().tolerance());
        assertTrue(!a.hasMeanTimes());
    }

    /**
     * Expected duration of the gambler's ruin on 0..L from i (Feller, vol. I, XIV.3):
     * D_i = i/(q − p) − L/(q − p) · (1 − (q/p)^i)/(1 − (q/p)^L), 0 at the absorbing ends.
     */
    @Test
    void gamblersRuinMeanAbsorptionTimeMatchesClosedForm() {
        int l = 30;
        double p = 0.55;
        double q = 0.45;
        int[] classes = new int[l + 1];
        Arrays.fill(classes, SparseAbsorbingChain.TRANSIENT);
        classes[0] = 0;
        classes[l] = 1;
        SparseAbsorbingChain.Builder b = SparseAbsorbingChain.builder(l + 1, classes);
        for (int i = 1; i < l; i++) {
            b.add(i, i + 1, p).add(i, i - 1, q);
        }
        SparseAbsorbingChain.Absorption a = b.build().absorption(new AbsorbingChain(),
                org.chreode.kernels.common.IterationListener.NONE, true);
        double[] times = a.meanAbsorptionTimes();
        double ratio = q / p;
        for (int i = 0; i <= l; i++) {
            double expected = i / (q - p) - l / (q - p) * (1 - Math.pow(ratio, i)) / (1 - Math.pow(ratio, l));
            assertEquals(expected, times[i], 1e-9 * Math.max(1, expected), "duration from " + i);
            double win = (1 - Math.pow(ratio, i)) / (1 - Math.pow(ratio, l));
            assertEquals(win, a.probability(i, 1), 1e-11, "win from " + i);
        }
        assertEquals(0.0, times[0], 0);
        assertEquals(0.0, times[l], 0);
        assertTrue(a.timeIterations() > 0 && a.timeResidual() <= new Gmres().tolerance());
    }

    @Test
    void randomChainMatchesDenseSolve() {
        Random rng = new Random(11);
        int n = 60;
        int[] classes = new int[n];
        Arrays.fill(classes, SparseAbsorbingChain.TRANSIENT);
        int[] absorbing = {3, 17, 29, 41, 58};
        int[] classOf = {0, 1, 2, 0, 1};
        for (int a = 0; a < absorbing.length; a++) {
            classes[absorbing[a]] = classOf[a];
        }
        double[][] w = new double[n][n];
        SparseAbsorbingChain.Builder builder = SparseAbsorbingChain.builder(n, classes);
        for (int i = 0; i < n; i++) {
            if (classes[i] != SparseAbsorbingChain.TRANSIENT) {
                builder.add(i, (i + 1) % n, 5.0); // discarded: absorbing rows become self-loops
                continue;
            }
            for (int e = 0; e < 6; e++) {
                int j = rng.nextInt(n);
                double x = rng.nextDouble();
                builder.add(i, j, x);
                w[i][j] += x;
            }
            int target = absorbing[rng.nextInt(absorbing.length)];
            builder.add(i, target, 0.05);
            w[i][target] += 0.05;
        }
        SparseAbsorbingChain chain = builder.build();
        SparseAbsorbingChain.Absorption got = chain.absorption(new AbsorbingChain(),
                org.chreode.kernels.common.IterationListener.NONE, true);

        int[] transients = chain.transientStates();
        int nt = transients.length;
        RealMatrix system = new Array2DRowRealMatrix(nt, nt);
        RealMatrix rhs = new Array2DRowRealMatrix(nt, 3);
        for (int t = 0; t < nt; t++) {
            int i = transients[t];
            double total = Arrays.stream(w[i]).sum();
            system.addToEntry(t, t, 1.0);
            for (int u = 0; u < nt; u++) {
                system.addToEntry(t, u, -w[i][transients[u]] / total);
            }
            for (int a = 0; a < absorbing.length; a++) {
                rhs.addToEntry(t, classOf[a], w[i][absorbing[a]] / total);
            }
        }
        RealMatrix z = new LUDecomposition(system).getSolver().solve(rhs);
        double[] ones0 = new double[nt];
        Arrays.fill(ones0, 1.0);
        double[] m = new LUDecomposition(system).getSolver()
                .solve(new org.apache.commons.math3.linear.ArrayRealVector(ones0)).toArray();
        double[] times = got.meanAbsorptionTimes();
        for (int t = 0; t < nt; t++) {
            assertEquals(m[t], times[transients[t]], 1e-9 * m[t], "mean absorption time of state " + transients[t]);
        }
        for (int t = 0; t < nt; t++) {
            double sum = 0;
            for (int k = 0; k < 3; k++) {
                assertEquals(z.getEntry(t, k), got.probability(transients[t], k), 1e-10);
                sum += got.probability(transients[t], k);
            }
            assertEquals(1.0, sum, 1e-10);
        }
        for (int a = 0; a < absorbing.length; a++) {
            assertEquals(1.0, got.probability(absorbing[a], classOf[a]), 0);
        }

        // P is row-stochastic: P 1 = 1
        double[] ones = new double[n];
        Arrays.fill(ones, 1.0);
        double[] y = new double[n];
        chain.asOperator().apply(ones, y);
        for (double v : y) {
            assertEquals(1.0, v, 1e-14);
        }
    }

    @Test
    void builderSumsDuplicatesNormalisesAndReportsDroppedMass() {
        int[] classes = {SparseAbsorbingChain.TRANSIENT, 0, 1};
        SparseAbsorbingChain chain = SparseAbsorbingChain.builder(3, classes)
                .add(0, 1, 1).add(0, 2, 1).add(0, 1, 2).add(0, 0, 0).addDropped(0, 1)
                .add(1, 2, 7).addDropped(1, 3)
                .build();
        assertArrayEquals(new int[] {1, 2}, chain.rowColumns(0));
        assertArrayEquals(new double[] {0.75, 0.25}, chain.rowProbabilities(0), 1e-15);
        assertArrayEquals(new int[] {1}, chain.rowColumns(1));
        assertArrayEquals(new double[] {0.2, 0, 0}, chain.droppedMassFraction(), 1e-15);
        assertEquals(0.2, chain.maxDroppedMassFraction(), 1e-15);
        SparseAbsorbingChain.Absorption a = chain.absorptionProbabilities();
        assertEquals(0.75, a.probability(0, 0), 1e-12);
        assertEquals(0.25, a.probability(0, 1), 1e-12);
        assertArrayEquals(new double[] {0.25, 0, 1}, a.column(1), 1e-12);
    }

    @Test
    void invalidInputIsRejectedWithClearMessages() {
        int[] classes = {SparseAbsorbingChain.TRANSIENT, SparseAbsorbingChain.TRANSIENT, 0};
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> SparseAbsorbingChain.builder(3, classes).add(0, 2, 1).addDropped(1, 2).build());
        assertTrue(e.getMessage().contains("Transient state 1 has no outgoing transition weight"), e.getMessage());
        SparseAbsorbingChain.Builder b = SparseAbsorbingChain.builder(3, classes);
        assertThrows(InvalidInputException.class, () -> b.add(0, 1, -1));
        assertThrows(InvalidInputException.class, () -> b.add(0, 1, Double.NaN));
        assertThrows(InvalidInputException.class, () -> b.add(0, 3, 1));
        assertThrows(InvalidInputException.class, () -> b.addDropped(0, Double.POSITIVE_INFINITY));
        e = assertThrows(InvalidInputException.class,
                () -> SparseAbsorbingChain.builder(3, new int[] {-1, -1, -1}));
        assertTrue(e.getMessage().contains("no absorbing state"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> SparseAbsorbingChain.builder(3, new int[] {-1, 1, 1}));
        assertTrue(e.getMessage().contains("class 0 has no state"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> SparseAbsorbingChain.builder(3, new int[] {0, 0}));
        assertThrows(InvalidInputException.class, () -> SparseAbsorbingChain.builder(3, classes)
                .merge(SparseAbsorbingChain.builder(3, new int[] {0, -1, -1})));
    }
}
