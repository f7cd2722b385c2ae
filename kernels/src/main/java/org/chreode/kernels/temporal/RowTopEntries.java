package org.chreode.kernels.temporal;

/** The k largest (weight, column) offers of one row: a min-heap on weight (ties: the larger column is smaller). */
final class RowTopEntries {
    private final int[] heapColumns;
    private final double[] heapWeights;
    private int size;

    RowTopEntries(int k) {
        heapColumns = new int[k];
        heapWeights = new double[k];
    }

    private boolean less(int a, int b) {
        return heapWeights[a] < heapWeights[b]
                || (heapWeights[a] == heapWeights[b] && heapColumns[a] > heapColumns[b]);
    }

    void offer(int column, double weight) {
        if (size < heapColumns.length) {
            heapColumns[size] = column;
            heapWeights[size] = weight;
            int c = size++;
            while (c > 0 && less(c, (c - 1) / 2)) {
                swap(c, (c - 1) / 2);
                c = (c - 1) / 2;
            }
            return;
        }
        if (weight < heapWeights[0] || (weight == heapWeights[0] && column > heapColumns[0])) {
            return;
        }
        heapColumns[0] = column;
        heapWeights[0] = weight;
        int c = 0;
        while (true) {
            int l = 2 * c + 1;
            int r = l + 1;
            int smallest = c;
            if (l < size && less(l, smallest)) {
                smallest = l;
            }
            if (r < size && less(r, smallest)) {
                smallest = r;
            }
            if (smallest == c) {
                return;
            }
            swap(c, smallest);
            c = smallest;
        }
    }

    private void swap(int a, int b) {
        int tc = heapColumns[a];
        heapColumns[a] = heapColumns[b];
        heapColumns[b] = tc;
        double tw = heapWeights[a];
        heapWeights[a] = heapWeights[b];
        heapWeights[b] = tw;
    }

    int[] sortedColumns() {
        int[] out = java.util.Arrays.copyOf(heapColumns, size);
        java.util.Arrays.sort(out);
        return out;
    }
}
