package org.chreode.kernels.metrics;

import java.util.Arrays;

import org.chreode.kernels.common.InvalidInputException;

/**
 * Accuracy of inferred fates and pseudotimes against a known truth (the {@code demo} command's report). Pure
 * functions of their arguments; {@code rows} selects the cells to score ({@code null} = all cells).
 *
 * @since 0.1
 */
public final class FateMetrics {

    private FateMetrics() {
    }

    /**
     * Mean total variation distance ½·Σ_k |p_ik − q_ik| over the selected rows: 0 for identical fate
     * distributions, 1 for disjoint ones.
     *
     * @param p    N x K fate probabilities
     * @param q    N x K fate probabilities, same shape
     * @param rows the rows to average over, or null for all; NaN when empty
     */
    public static double meanTotalVariation(double[][] p, double[][] q, int[] rows) {
        int[] r = select(rows, checkSameShape(p, q));
        double sum = 0;
        for (int i : r) {
            double tv = 0;
            for (int k = 0; k < p[i].length; k++) {
                tv += Math.abs(p[i][k] - q[i][k]);
            }
            sum += tv / 2;
        }
        return r.length == 0 ? Double.NaN : sum / r.length;
    }

    /**
     * Fraction of the selected rows whose most probable fate (the first index on ties) is the same in p and q.
     *
     * @return a value in [0, 1]; NaN when no row is selected
     */
    public static double dominantFateAccuracy(double[][] p, double[][] q, int[] rows) {
        int[] r = select(rows, checkSameShape(p, q));
        int hits = 0;
        for (int i : r) {
            if (argmax(p[i]) == argmax(q[i])) {
                hits++;
            }
        }
        return r.length == 0 ? Double.NaN : (double) hits / r.length;
    }

    /**
     * Spearman rank correlation of a and b over the selected rows, skipping rows where either value is NaN: the
     * Pearson correlation of the ranks, with tied values given their average rank.
     *
     * @return a value in [−1, 1]; NaN when fewer than two rows remain or either side is constant
     */
    public static double spearman(double[] a, double[] b, int[] rows) {
        int[] r = pairedRows(a, b, rows);
        if (r.length < 2) {
            return Double.NaN;
        }
        return pearson(ranks(a, r), ranks(b, r));
    }

    /**
     * Pearson correlation of a and b over the selected rows, skipping rows where either value is NaN.
     *
     * @return a value in [−1, 1]; NaN when fewer than two rows remain or either side is constant
     */
    public static double pearson(double[] a, double[] b, int[] rows) {
        int[] r = pairedRows(a, b, rows);
        if (r.length < 2) {
            return Double.NaN;
        }
        double[] x = new double[r.length];
        double[] y = new double[r.length];
        for (int j = 0; j < r.length; j++) {
            x[j] = a[r[j]];
            y[j] = b[r[j]];
        }
        return pearson(x, y);
    }

    /**
     * Shannon entropy −Σ p_k·ln p_k of p normalised to sum 1, with 0·ln 0 = 0: 0 for a certain fate, ln K for a
     * uniform one.
     *
     * @return the entropy in nats; NaN when p has a negative or NaN entry or sums to 0
     */
    public static double entropy(double[] p) {
        double total = 0;
        for (double v : p) {
            if (!(v >= 0)) {
                return Double.NaN;
            }
            total += v;
        }
        if (!(total > 0) || Double.isInfinite(total)) {
            return Double.NaN;
        }
        double h = 0;
        for (double v : p) {
            if (v > 0) {
                double x = v / total;
                h -= x * Math.log(x);
            }
        }
        return h;
    }

    /** Index of the largest entry, the first on ties. */
    public static int argmax(double[] p) {
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        return best;
    }

    private static int checkSameShape(double[][] p, double[][] q) {
        if (p.length != q.length) {
            throw new InvalidInputException("Cannot compare fate tables with " + p.length + " and " + q.length
                    + " rows.");
        }
        for (int i = 0; i < p.length; i++) {
            if (p[i].length != q[i].length) {
                throw new InvalidInputException("Cannot compare fate tables with " + p[i].length + " and "
                        + q[i].length + " columns (row " + i + ").");
            }
        }
        return p.length;
    }

    /** The selected rows where neither a nor b is NaN; a and b must have the same length. */
    private static int[] pairedRows(double[] a, double[] b, int[] rows) {
        if (a.length != b.length) {
            throw new InvalidInputException("Cannot correlate arrays of different lengths: " + a.length + " and "
                    + b.length + ".");
        }
        return Arrays.stream(select(rows, a.length))
                .filter(i -> !Double.isNaN(a[i]) && !Double.isNaN(b[i])).toArray();
    }

    private static int[] select(int[] rows, int n) {
        if (rows == null) {
            int[] all = new int[n];
            Arrays.setAll(all, i -> i);
            return all;
        }
        for (int i : rows) {
            if (i < 0 || i >= n) {
                throw new InvalidInputException("Row index " + i + " is outside 0.." + (n - 1) + ".");
            }
        }
        return rows;
    }

    /** Ranks 1..n of v[rows[j]], ties given their average rank. */
    private static double[] ranks(double[] v, int[] rows) {
        int n = rows.length;
        Integer[] order = new Integer[n];
        Arrays.setAll(order, j -> j);
        Arrays.sort(order, (x, y) -> Double.compare(v[rows[x]], v[rows[y]]));
        double[] rank = new double[n];
        for (int start = 0; start < n; ) {
            int end = start + 1;
            while (end < n && v[rows[order[end]]] == v[rows[order[start]]]) {
                end++;
            }
            double average = (start + 1 + end) / 2.0;
            for (int j = start; j < end; j++) {
                rank[order[j]] = average;
            }
            start = end;
        }
        return rank;
    }

    private static double pearson(double[] x, double[] y) {
        int n = x.length;
        double mx = Arrays.stream(x).sum() / n;
        double my = Arrays.stream(y).sum() / n;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }
}
