package org.chreode.kernels.multistage;

import java.util.Arrays;

/**
 * Builds {@link SparseTransitions} from a solved plan in one pass over the packed intermediate kernel E: the pair
 * (i, j), j &lt; i, is stored once, so each visit feeds row i's bounded heap with Magg[i, j] =
 * sum_t a_t,i E_ij b_t,j and row j's with Magg[j, i] = sum_t a_t,j E_ij b_t,i (a_t = plan row factor times the stage
 * kernel's row factor, b_t likewise for columns; log-domain stages are evaluated in logs). Terminal exits come from
 * the dense blocks (sum over t = 1..T-1), initial rows from M_0. Memory: n heaps of k entries.
 *
 * <p>With outlier states the auxiliary intermediate a (last intermediate, index n-1) keeps its row and is a target
 * like any cell, and the auxiliary terminal a_F (last terminal column, and the last column of M_0) is a target; they
 * get the indices C and C + 1 of {@link SparseTransitions}, so the exported chain is the solve's whole chain.
 */
final class SparseExport {

    private SparseExport() {
    }

    static SparseTransitions export(StageOperators ops, PlanFactors plan, MultistageLayout layout, int k,
                                    double relativeThreshold) {
        int last = plan.stages() - 1;
        int n0 = plan.row[0].length;
        int n = plan.row[1].length;
        int nF = plan.toTerminal[1].length;
        int realN0 = layout.initialCount();
        int realN = layout.intermediateCount();
        int realNF = layout.terminalCount();
        int[] init = layout.initialRef();
        int[] mid = layout.intermediateRef();
        int[] term = layout.terminalRef();
        int cells = layout.cellCount();
        boolean aux = n > realN;
        // problem-row index of every intermediate / terminal of the solve (auxiliary states after the cells)
        int[] midState = new int[n];
        for (int i = 0; i < n; i++) {
            midState[i] = i < realN ? mid[i] : cells;
        }
        int[] termState = new int[nF];
        for (int f = 0; f < nF; f++) {
            termState[f] = f < realNF ? term[f] : cells + 1;
        }

        int inside = last - 1;
        double[][] a = new double[inside][];
        double[][] b = new double[inside][];
        boolean[] log = new boolean[inside];
        for (int t = 1; t < last; t++) {
            int s = t - 1;
            log[s] = ops.logStage[t];
            a[s] = new double[n];
            b[s] = new double[n];
            for (int i = 0; i < n; i++) {
                if (log[s]) {
                    a[s][i] = ops.logRow[t][i] + Math.log(plan.row[t][i]);
                    b[s][i] = ops.logCol[t][i] + Math.log(plan.toIntermediate[t][i]);
                } else {
                    a[s][i] = ops.midRow[t][i] * plan.row[t][i];
                    b[s][i] = ops.midCol[t][i] * plan.toIntermediate[t][i];
                }
            }
        }

        int states = cells + (aux ? 1 : 0);
        double[] rowTotal = new double[states];
        double[] kept = new double[states];
        Heap[] heaps = new Heap[n];
        for (int i = 0; i < n; i++) {
            heaps[i] = new Heap(k);
        }
        double[] total = new double[n];
        ops.kernel.intermediate().forEachRow((i, row) -> {
            for (int j = 0; j < i; j++) {
                double eij = row[j];
                if (eij == 0) {
                    continue;
                }
                double lnE = Double.NaN;
                double wij = 0;
                double wji = 0;
                for (int s = 0; s < inside; s++) {
                    if (log[s]) {
                        if (Double.isNaN(lnE)) {
                            lnE = Math.log(eij);
                        }
                        wij += Math.exp(a[s][i] + lnE + b[s][j]);
                        wji += Math.exp(a[s][j] + lnE + b[s][i]);
                    } else {
                        wij += a[s][i] * eij * b[s][j];
                        wji += a[s][j] * eij * b[s][i];
                    }
                }
                total[i] += wij;
                total[j] += wji;
                heaps[i].offer(midState[j], wij);
                heaps[j].offer(midState[i], wji);
            }
        });
        double[] column = new double[n];
        for (int f = 0; f < nF; f++) {
            Arrays.fill(column, 0);
            for (int t = 1; t <= last; t++) {
                double bt = plan.toTerminal[t][f];
                for (int i = 0; i < n; i++) {
                    column[i] += plan.row[t][i] * ops.terminal[t].get(i, f) * bt;
                }
            }
            for (int i = 0; i < n; i++) {
                total[i] += column[i];
                heaps[i].offer(termState[f], column[i]);
            }
        }

        Triples out = new Triples();
        for (int i = 0; i < n; i++) {
            rowTotal[midState[i]] = total[i];
            kept[midState[i]] = heaps[i].emit(midState[i], relativeThreshold * total[i], out);
        }
        int n1 = plan.toIntermediate[0].length;
        for (int i = 0; i < realN0; i++) {
            Heap h = new Heap(k);
            double sum = 0;
            for (int j = 0; j < n1; j++) {
                double w = plan.row[0][i] * ops.initial.get(i, j) * plan.toIntermediate[0][j];
                sum += w;
                h.offer(j < n ? midState[j] : cells + 1, w);
            }
            rowTotal[init[i]] = sum;
            kept[init[i]] = h.emit(init[i], relativeThreshold * sum, out);
        }
        double[] dropped = new double[states];
        for (int c = 0; c < states; c++) {
            dropped[c] = Math.max(0, rowTotal[c] - kept[c]);
        }
        return new SparseTransitions(Arrays.copyOf(out.rows, out.size), Arrays.copyOf(out.cols, out.size),
                Arrays.copyOf(out.weights, out.size), rowTotal, dropped, aux);
    }

    /** Growable triple list. */
    private static final class Triples {
        int[] rows = new int[64];
        int[] cols = new int[64];
        double[] weights = new double[64];
        int size;

        void add(int r, int c, double w) {
            if (size == rows.length) {
                int cap = rows.length * 2;
                rows = Arrays.copyOf(rows, cap);
                cols = Arrays.copyOf(cols, cap);
                weights = Arrays.copyOf(weights, cap);
            }
            rows[size] = r;
            cols[size] = c;
            weights[size++] = w;
        }
    }

    /** Bounded min-heap keeping the k largest (column, weight) entries of one row. */
    private static final class Heap {
        private final int capacity;
        private int[] cols = new int[4];
        private double[] weights = new double[4];
        private int size;

        Heap(int capacity) {
            this.capacity = capacity;
        }

        void offer(int col, double w) {
            if (!(w > 0)) {
                return;
            }
            if (size < capacity) {
                if (size == cols.length) {
                    int cap = Math.min(capacity, cols.length * 2);
                    cols = Arrays.copyOf(cols, cap);
                    weights = Arrays.copyOf(weights, cap);
                }
                cols[size] = col;
                weights[size] = w;
                up(size++);
            } else if (w > weights[0]) {
                cols[0] = col;
                weights[0] = w;
                down(0);
            }
        }

        /** Adds the kept entries (weight &gt;= floor) to out; returns their sum. */
        double emit(int row, double floor, Triples out) {
            double sum = 0;
            for (int p = 0; p < size; p++) {
                if (weights[p] >= floor) {
                    out.add(row, cols[p], weights[p]);
                    sum += weights[p];
                }
            }
            return sum;
        }

        private void up(int p) {
            while (p > 0) {
                int parent = (p - 1) / 2;
                if (weights[parent] <= weights[p]) {
                    return;
                }
                swap(p, parent);
                p = parent;
            }
        }

        private void down(int p) {
            while (true) {
                int l = 2 * p + 1;
                int r = l + 1;
                int m = p;
                if (l < size && weights[l] < weights[m]) {
                    m = l;
                }
                if (r < size && weights[r] < weights[m]) {
                    m = r;
                }
                if (m == p) {
                    return;
                }
                swap(p, m);
                p = m;
            }
        }

        private void swap(int x, int y) {
            int c = cols[x];
            cols[x] = cols[y];
            cols[y] = c;
            double w = weights[x];
            weights[x] = weights[y];
            weights[y] = w;
        }
    }
}
