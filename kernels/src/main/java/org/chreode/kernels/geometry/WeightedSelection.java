package org.chreode.kernels.geometry;

import java.util.Arrays;

/**
 * Exact median (and mean) of a multiset of non-negative values that is too large to hold in memory, given as a
 * source that can be replayed. Three passes: range, a 65,536-bin histogram of the weighted counts, then the values
 * of the one or two bins holding the middle ranks are collected and sorted. Memory: the histogram plus the values of
 * those bins. The median of an even count is the mean of the two middle values (numpy's convention).
 */
public final class WeightedSelection {

    /** Receives one value with its multiplicity. */
    @FunctionalInterface
    public interface Sink {
        void accept(double value, long weight);
    }

    /** A multiset that can be enumerated any number of times, always in the same order with the same values. */
    @FunctionalInterface
    public interface Source {
        void forEach(Sink sink);
    }

    private static final int BINS = 1 << 16;

    private WeightedSelection() {
    }

    /** Weighted mean of the multiset; NaN if it is empty. */
    public static double mean(Source source) {
        double[] acc = new double[2];
        source.forEach((v, w) -> {
            acc[0] += v * w;
            acc[1] += w;
        });
        return acc[0] / acc[1];
    }

    /** Exact median of the multiset; NaN if it is empty. */
    public static double median(Source source) {
        double[] range = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        long[] total = new long[1];
        source.forEach((v, w) -> {
            range[0] = Math.min(range[0], v);
            range[1] = Math.max(range[1], v);
            total[0] += w;
        });
        if (total[0] == 0) {
            return Double.NaN;
        }
        double lo = range[0];
        double width = range[1] - range[0];
        if (width == 0) {
            return lo;
        }
        long[] counts = new long[BINS];
        source.forEach((v, w) -> counts[bin(v, lo, width)] += w);
        long lowerRank = (total[0] - 1) / 2;  // 0-based ranks of the middle element(s)
        long upperRank = total[0] / 2;
        int lowerBin = binOfRank(counts, lowerRank);
        int upperBin = binOfRank(counts, upperRank);
        long before = 0;
        for (int b = 0; b < lowerBin; b++) {
            before += counts[b];
        }
        long inBins = 0;
        for (int b = lowerBin; b <= upperBin; b++) {
            inBins += counts[b];
        }
        double[] values = new double[16];
        long[] weights = new long[16];
        int[] size = {0};
        double[][] vRef = {values};
        long[][] wRef = {weights};
        source.forEach((v, w) -> {
            int b = bin(v, lo, width);
            if (b >= lowerBin && b <= upperBin) {
                if (size[0] == vRef[0].length) {
                    vRef[0] = Arrays.copyOf(vRef[0], size[0] * 2);
                    wRef[0] = Arrays.copyOf(wRef[0], size[0] * 2);
                }
                vRef[0][size[0]] = v;
                wRef[0][size[0]] = w;
                size[0]++;
            }
        });
        return middle(vRef[0], wRef[0], size[0], lowerRank - before, upperRank - before, inBins);
    }

    private static double middle(double[] values, long[] weights, int size, long lowerRank, long upperRank,
                                 long inBins) {
        Integer[] order = new Integer[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[a], values[b]));
        double lower = Double.NaN;
        double upper = Double.NaN;
        long seen = 0;
        for (int k = 0; k < size && seen <= upperRank && seen < inBins; k++) {
            long next = seen + weights[order[k]];
            if (lowerRank >= seen && lowerRank < next) {
                lower = values[order[k]];
            }
            if (upperRank >= seen && upperRank < next) {
                upper = values[order[k]];
            }
            seen = next;
        }
        return lower == upper ? lower : (lower + upper) / 2;
    }

    private static int bin(double v, double lo, double width) {
        int b = (int) ((v - lo) / width * BINS);
        return Math.min(Math.max(b, 0), BINS - 1);
    }

    private static int binOfRank(long[] counts, long rank) {
        long seen = 0;
        for (int b = 0; b < counts.length; b++) {
            seen += counts[b];
            if (rank < seen) {
                return b;
            }
        }
        return counts.length - 1;
    }
}
