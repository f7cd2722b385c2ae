package org.chreode.kernels.metrics;

import java.util.HashMap;
import java.util.Map;

import org.chreode.kernels.common.InvalidInputException;

/**
 * Agreement of two labelings of the same items, invariant to renaming the labels: the adjusted Rand index and the
 * adjusted mutual information (the scores HM-OT reports against true cell types, spec {@code lowrank.md} §5.6).
 * Labels are any strings or integers; both arrays have one entry per item.
 *
 * <p>With the contingency table n_ij (items with label i in U and j in V), row sums a_i, column sums b_j, N items:
 * <pre>
 *   ARI = (Σ_ij C(n_ij, 2) − E) / (½(Σ_i C(a_i, 2) + Σ_j C(b_j, 2)) − E),   E = Σ_i C(a_i, 2) Σ_j C(b_j, 2) / C(N, 2)
 *   MI  = Σ_ij (n_ij/N) log(N n_ij / (a_i b_j)),   H(U) = −Σ_i (a_i/N) log(a_i/N)
 *   EMI = Σ_ij Σ_{n=max(1, a_i+b_j−N)}^{min(a_i, b_j)} (n/N) log(N n/(a_i b_j))
 *         · a_i! b_j! (N−a_i)! (N−b_j)! / (N! n! (a_i−n)! (b_j−n)! (N−a_i−b_j+n)!)
 *   AMI = (MI − EMI) / (½(H(U) + H(V)) − EMI)
 * </pre>
 * (Hubert &amp; Arabie 1985; Vinh, Epps &amp; Bailey 2010, the "arithmetic" normalisation that is scikit-learn's
 * default). Conventions as in scikit-learn: both scores are 1 when the two labelings are the same partition; ARI is 1
 * when both put every item in one cluster or each item in its own; AMI is 1 when both have a single cluster. EMI is
 * the expectation of MI over random permutations of the items with the cluster sizes kept; it costs
 * O(Σ_ij min(a_i, b_j)) after an O(N) table of log-factorials.
 *
 * @since 0.1
 */
public final class ClusteringMetrics {

    private ClusteringMetrics() {
    }

    /** Adjusted Rand index of two labelings (1 = same partition, about 0 for independent ones, may be negative). */
    public static double adjustedRandIndex(Object[] truth, Object[] predicted) {
        Contingency c = contingency(truth, predicted);
        long n = c.total;
        if (c.rows.length == c.cols.length && (c.rows.length == 1 || c.rows.length == n)) {
            return 1.0;
        }
        double sumCells = 0;
        for (long[] row : c.table) {
            for (long v : row) {
                sumCells += pairs(v);
            }
        }
        double sumRows = 0;
        for (long v : c.rows) {
            sumRows += pairs(v);
        }
        double sumCols = 0;
        for (long v : c.cols) {
            sumCols += pairs(v);
        }
        double expected = sumRows * sumCols / pairs(n);
        double max = (sumRows + sumCols) / 2;
        if (max == expected) {
            return 1.0;
        }
        return (sumCells - expected) / (max - expected);
    }

    /** Adjusted mutual information (arithmetic normalisation): 1 = same partition, about 0 for independent ones. */
    public static double adjustedMutualInformation(Object[] truth, Object[] predicted) {
        Contingency c = contingency(truth, predicted);
        if (c.rows.length == c.cols.length && (c.rows.length == 1 || c.rows.length == 0)) {
            return 1.0;
        }
        double mi = mutualInformation(c);
        double emi = expectedMutualInformation(c);
        double normaliser = (entropy(c.rows, c.total) + entropy(c.cols, c.total)) / 2;
        double denominator = normaliser - emi;
        double tiny = Math.ulp(1.0);
        denominator = denominator < 0 ? Math.min(denominator, -tiny) : Math.max(denominator, tiny);
        return (mi - emi) / denominator;
    }

    /** {@link #adjustedRandIndex(Object[], Object[])} for integer labels. */
    public static double adjustedRandIndex(int[] truth, int[] predicted) {
        return adjustedRandIndex(boxed(truth), boxed(predicted));
    }

    /** {@link #adjustedMutualInformation(Object[], Object[])} for integer labels. */
    public static double adjustedMutualInformation(int[] truth, int[] predicted) {
        return adjustedMutualInformation(boxed(truth), boxed(predicted));
    }

    /** Mutual information MI (nats) of two labelings. */
    public static double mutualInformation(Object[] truth, Object[] predicted) {
        return mutualInformation(contingency(truth, predicted));
    }

    private static double mutualInformation(Contingency c) {
        double n = c.total;
        double mi = 0;
        for (int i = 0; i < c.rows.length; i++) {
            for (int j = 0; j < c.cols.length; j++) {
                long v = c.table[i][j];
                if (v > 0) {
                    mi += v / n * Math.log(n * v / ((double) c.rows[i] * c.cols[j]));
                }
            }
        }
        return Math.max(mi, 0);
    }

    private static double expectedMutualInformation(Contingency c) {
        int n = (int) c.total;
        double[] logFactorial = new double[n + 1];
        for (int k = 2; k <= n; k++) {
            logFactorial[k] = logFactorial[k - 1] + Math.log(k);
        }
        double emi = 0;
        for (long ai : c.rows) {
            for (long bj : c.cols) {
                int a = (int) ai;
                int b = (int) bj;
                double fixed = logFactorial[a] + logFactorial[b] + logFactorial[n - a] + logFactorial[n - b]
                        - logFactorial[n];
                for (int k = Math.max(1, a + b - n); k <= Math.min(a, b); k++) {
                    double term = (double) k / n * Math.log((double) n * k / ((double) a * b));
                    double logProbability = fixed - logFactorial[k] - logFactorial[a - k] - logFactorial[b - k]
                            - logFactorial[n - a - b + k];
                    emi += term * Math.exp(logProbability);
                }
            }
        }
        return emi;
    }

    private static double entropy(long[] counts, long total) {
        double h = 0;
        for (long v : counts) {
            if (v > 0) {
                double p = (double) v / total;
                h -= p * Math.log(p);
            }
        }
        return h;
    }

    private static double pairs(long v) {
        return v * (v - 1) / 2.0;
    }

    private static Integer[] boxed(int[] labels) {
        if (labels == null) {
            return null;
        }
        Integer[] out = new Integer[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = labels[i];
        }
        return out;
    }

    private record Contingency(long[][] table, long[] rows, long[] cols, long total) {
    }

    private static Contingency contingency(Object[] truth, Object[] predicted) {
        if (truth == null || predicted == null) {
            throw new InvalidInputException("Clustering scores need two labelings (got null).");
        }
        if (truth.length != predicted.length) {
            throw new InvalidInputException("Clustering scores need labelings of the same items: " + truth.length
                    + " true labels but " + predicted.length + " predicted ones.");
        }
        if (truth.length == 0) {
            throw new InvalidInputException("Clustering scores need at least one item (got empty labelings).");
        }
        Map<Object, Integer> rowIndex = new HashMap<>();
        Map<Object, Integer> colIndex = new HashMap<>();
        int[] r = new int[truth.length];
        int[] s = new int[truth.length];
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] == null || predicted[i] == null) {
                throw new InvalidInputException("Item " + i + " has no " + (truth[i] == null ? "true" : "predicted")
                        + " label; every item needs one in both labelings.");
            }
            r[i] = rowIndex.computeIfAbsent(truth[i], k -> rowIndex.size());
            s[i] = colIndex.computeIfAbsent(predicted[i], k -> colIndex.size());
        }
        long[][] table = new long[rowIndex.size()][colIndex.size()];
        long[] rows = new long[rowIndex.size()];
        long[] cols = new long[colIndex.size()];
        for (int i = 0; i < truth.length; i++) {
            table[r[i]][s[i]]++;
            rows[r[i]]++;
            cols[s[i]]++;
        }
        return new Contingency(table, rows, cols, truth.length);
    }
}
