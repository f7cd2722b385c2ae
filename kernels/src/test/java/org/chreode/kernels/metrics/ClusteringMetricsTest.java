package org.chreode.kernels.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

/** ARI and AMI against hand-computed values, scikit-learn's documented examples and an exhaustive expectation. */
class ClusteringMetricsTest {

    @Test
    void adjustedRandIndexMatchesHandComputedCases() {
        // contingency [[2,0,0],[0,1,1]]: index 1, expected 2·1/6, max 3/2 → (1 − 1/3)/(3/2 − 1/3) = 4/7
        assertEquals(4.0 / 7, ClusteringMetrics.adjustedRandIndex(new int[] {0, 0, 1, 1}, new int[] {0, 0, 1, 2}),
                1e-15);
        // every cell 1: index 0, expected 2/3, max 2 → −1/2 (scikit-learn docstring)
        assertEquals(-0.5, ClusteringMetrics.adjustedRandIndex(new int[] {0, 0, 1, 1}, new int[] {0, 1, 0, 1}),
                1e-15);
        assertEquals(1.0, ClusteringMetrics.adjustedRandIndex(new int[] {0, 0, 1, 1}, new int[] {1, 1, 0, 0}));
        assertEquals(0.0, ClusteringMetrics.adjustedRandIndex(new int[] {0, 0, 0, 0}, new int[] {0, 1, 2, 3}));
        assertEquals(1.0, ClusteringMetrics.adjustedRandIndex(new Object[] {"a", "a"}, new Object[] {"x", "x"}));
    }

    @Test
    void adjustedMutualInformationMatchesDocumentedAndOfflineCases() {
        assertEquals(1.0, ClusteringMetrics.adjustedMutualInformation(new int[] {0, 0, 1, 1}, new int[] {1, 1, 0, 0}),
                1e-12);
        assertEquals(0.0, ClusteringMetrics.adjustedMutualInformation(new int[] {0, 0, 0, 0},
                new int[] {0, 1, 2, 3}), 1e-12);
        // Offline: MI minus the mean MI over all 6! (7!) permutations of the second labeling, numpy, same normaliser.
        assertEquals(0.29879245817089006, ClusteringMetrics.adjustedMutualInformation(
                new int[] {0, 0, 1, 1, 2, 2}, new int[] {0, 0, 0, 1, 1, 1}), 1e-12);
        assertEquals(0.25815114147024676, ClusteringMetrics.adjustedMutualInformation(
                new int[] {0, 0, 0, 1, 1, 2, 2}, new int[] {1, 1, 0, 0, 2, 2, 2}), 1e-12);
    }

    @Test
    void expectedMutualInformationIsThePermutationAverage() {
        Random rnd = new Random(3);
        int n = 8;
        int[] u = new int[n];
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            u[i] = rnd.nextInt(3);
            v[i] = rnd.nextInt(4);
        }
        double[] sum = new double[1];
        int[] count = new int[1];
        permute(v.clone(), 0, p -> {
            sum[0] += ClusteringMetrics.mutualInformation(box(u), box(p));
            count[0]++;
        });
        double emi = sum[0] / count[0];
        double mi = ClusteringMetrics.mutualInformation(box(u), box(v));
        double expected = (mi - emi) / ((entropy(u) + entropy(v)) / 2 - emi);
        assertEquals(expected, ClusteringMetrics.adjustedMutualInformation(u, v), 1e-12);
    }

    @Test
    void scoresOfIndependentLabelingsAreNearZero() {
        Random rnd = new Random(5);
        int[] u = new int[3000];
        int[] v = new int[3000];
        for (int i = 0; i < u.length; i++) {
            u[i] = rnd.nextInt(4);
            v[i] = rnd.nextInt(5);
        }
        double ami = ClusteringMetrics.adjustedMutualInformation(u, v);
        double ari = ClusteringMetrics.adjustedRandIndex(u, v);
        assertTrue(Math.abs(ami) < 0.01 && Math.abs(ari) < 0.01, "AMI " + ami + " ARI " + ari);
    }

    @Test
    void badLabelingsAreRejected() {
        assertThrows(InvalidInputException.class, () -> ClusteringMetrics.adjustedRandIndex(new int[] {0, 1},
                new int[] {0}));
        assertThrows(InvalidInputException.class, () -> ClusteringMetrics.adjustedMutualInformation(new int[0],
                new int[0]));
        assertThrows(InvalidInputException.class, () -> ClusteringMetrics.adjustedRandIndex(new Object[] {"a", null},
                new Object[] {"x", "y"}));
    }

    private static void permute(int[] a, int k, java.util.function.Consumer<int[]> visit) {
        if (k == a.length) {
            visit.accept(a);
            return;
        }
        for (int i = k; i < a.length; i++) {
            int tmp = a[k];
            a[k] = a[i];
            a[i] = tmp;
            permute(a, k + 1, visit);
            a[i] = a[k];
            a[k] = tmp;
        }
    }

    private static Integer[] box(int[] x) {
        Integer[] out = new Integer[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i];
        }
        return out;
    }

    private static double entropy(int[] x) {
        java.util.Map<Integer, Integer> counts = new java.util.HashMap<>();
        for (int v : x) {
            counts.merge(v, 1, Integer::sum);
        }
        double h = 0;
        for (int c : counts.values()) {
            double p = (double) c / x.length;
            h -= p * Math.log(p);
        }
        return h;
    }
}
