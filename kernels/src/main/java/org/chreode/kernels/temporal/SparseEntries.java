package org.chreode.kernels.temporal;

import java.util.Arrays;

/**
 * The kept (row, column, weight) entries of one chunk of a sparse export, growable, and the mass it dropped; chunks
 * are joined in order into one {@link CouplingOperator.SparseCoupling}.
 */
final class SparseEntries {
    private int[] rows = new int[16];
    private int[] cols = new int[16];
    private double[] weights = new double[16];
    private int size;
    /** Mass of the entries this chunk did not keep. */
    double dropped;

    void add(int i, int j, double w) {
        if (size == rows.length) {
            rows = Arrays.copyOf(rows, size * 2);
            cols = Arrays.copyOf(cols, size * 2);
            weights = Arrays.copyOf(weights, size * 2);
        }
        rows[size] = i;
        cols[size] = j;
        weights[size] = w;
        size++;
    }

    /** Keeps (i, j, w) when w &gt; 0 and w ≥ cut, else counts it as dropped. */
    void offer(int i, int j, double w, double cut) {
        if (w > 0 && w >= cut) {
            add(i, j, w);
        } else {
            dropped += w;
        }
    }

    /**
     * The chunks in order as one sparse coupling.
     *
     * @param total the coupling's total mass (dropped = total − kept), or NaN to sum the chunks' dropped mass
     */
    static CouplingOperator.SparseCoupling join(SparseEntries[] parts, double max, double total) {
        int n = 0;
        for (SparseEntries e : parts) {
            n += e.size;
        }
        int[] rows = new int[n];
        int[] cols = new int[n];
        double[] weights = new double[n];
        int at = 0;
        double kept = 0;
        double dropped = 0;
        for (SparseEntries e : parts) {
            System.arraycopy(e.rows, 0, rows, at, e.size);
            System.arraycopy(e.cols, 0, cols, at, e.size);
            System.arraycopy(e.weights, 0, weights, at, e.size);
            for (int k = 0; k < e.size; k++) {
                kept += e.weights[k];
            }
            dropped += e.dropped;
            at += e.size;
        }
        return new CouplingOperator.SparseCoupling(rows, cols, weights,
                Double.isNaN(total) ? dropped : Math.max(0.0, total - kept), max);
    }
}
