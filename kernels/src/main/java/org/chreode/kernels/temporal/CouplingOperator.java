package org.chreode.kernels.temporal;

/**
 * A temporal coupling P (n sources × m targets) seen only through the reductions the temporal outputs need:
 * growth (row sums), target masses (column sums), push P·v and pull Pᵀ·w (descendants, ancestors, cell-type tables
 * and fates are products with indicator vectors), and the sparse export. {@link DenseCoupling} holds P;
 * {@link TileCoupling} recomputes it tile by tile from the potentials and coordinates (spec §9), so no output needs
 * the n × m array.
 *
 * @since 0.2
 */
public interface CouplingOperator extends java.io.Serializable {

    int sourceCount();

    int targetCount();

    /** P𝟙 (n entries). */
    double[] rowSums();

    /** Pᵀ𝟙 (m entries). */
    double[] columnSums();

    /** P·v for v of m entries (any sign). */
    double[] apply(double[] v);

    /** Pᵀ·w for w of n entries (any sign). */
    double[] applyTranspose(double[] w);

    /**
     * Block sums B[s][t] = Σ_{i ∈ s, j ∈ t} P_ij (the unnormalised cell-type transition table, spec §5.2): one push
     * of each target group's indicator, P·1_t, summed within source groups.
     *
     * @param sourceGroups     group index (0 … sourceGroupCount−1) of each source cell
     * @param sourceGroupCount number of source groups
     * @param targetGroups     group index of each target cell
     * @param targetGroupCount number of target groups
     */
    default double[][] blockSums(int[] sourceGroups, int sourceGroupCount, int[] targetGroups,
                                 int targetGroupCount) {
        if (sourceGroups.length != sourceCount() || targetGroups.length != targetCount()) {
            throw new org.chreode.kernels.common.InvalidInputException("Block sums need one group per cell: "
                    + sourceGroups.length + " source and " + targetGroups.length + " target groups for a "
                    + sourceCount() + " x " + targetCount() + " coupling.");
        }
        double[][] out = new double[sourceGroupCount][targetGroupCount];
        for (int t = 0; t < targetGroupCount; t++) {
            double[] indicator = new double[targetCount()];
            for (int j = 0; j < indicator.length; j++) {
                indicator[j] = targetGroups[j] == t ? 1.0 : 0.0;
            }
            double[] pushed = apply(indicator);
            for (int i = 0; i < pushed.length; i++) {
                out[sourceGroups[i]][t] += pushed[i];
            }
        }
        return out;
    }

    /**
     * Row i of P (m entries): the targets of source cell i. The default is one transpose product with the unit vector
     * (O(n·m) for recomputed couplings); implementations that can read a row directly override it.
     */
    default double[] row(int i) {
        if (i < 0 || i >= sourceCount()) {
            throw new org.chreode.kernels.common.InvalidInputException("Row " + i + " is outside the coupling's "
                    + sourceCount() + " source cells.");
        }
        double[] unit = new double[sourceCount()];
        unit[i] = 1.0;
        return applyTranspose(unit);
    }

    /** max_ij P_ij. */
    double maxEntry();

    /**
     * Entries with P_ij ≥ relativeThreshold · max P, in row-major order, and the mass of the others.
     *
     * @param relativeThreshold in [0, 1)
     */
    SparseCoupling sparse(double relativeThreshold);

    /**
     * Entries with P_ij ≥ relativeThreshold · max P, at most {@code maxPerRow} per row (each row's largest; ties by
     * the smaller column), in row-major order, and the mass of the others. {@code maxPerRow} ≥ m is
     * {@link #sparse(double)}; otherwise one {@link #row} per source cell (rows in parallel), so the cost is one
     * sweep over P and the memory O(n·maxPerRow).
     *
     * @param relativeThreshold in [0, 1)
     * @param maxPerRow         ≥ 1
     */
    default SparseCoupling sparse(double relativeThreshold, int maxPerRow) {
        TileCoupling.requireThreshold(relativeThreshold);
        org.chreode.kernels.common.InvalidInputException.requireAtLeast("maxPerRow", maxPerRow, 1);
        if (maxPerRow >= targetCount()) {
            return sparse(relativeThreshold);
        }
        int n = sourceCount();
        double max = maxEntry();
        double cut = relativeThreshold * max;
        double total = 0;
        for (double r : rowSums()) {
            total += r;
        }
        int[][] columns = new int[n][];
        double[][] weights = new double[n][];
        java.util.stream.IntStream.range(0, n).parallel().forEach(i -> {
            RowTopEntries top = new RowTopEntries(maxPerRow);
            double[] row = row(i);
            for (int j = 0; j < row.length; j++) {
                if (row[j] > 0 && row[j] >= cut) {
                    top.offer(j, row[j]);
                }
            }
            columns[i] = top.sortedColumns();
            weights[i] = new double[columns[i].length];
            for (int q = 0; q < columns[i].length; q++) {
                weights[i][q] = row[columns[i][q]];
            }
        });
        int size = 0;
        for (int[] c : columns) {
            size += c.length;
        }
        int[] rows = new int[size];
        int[] cols = new int[size];
        double[] w = new double[size];
        double kept = 0;
        int at = 0;
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < columns[i].length; q++) {
                rows[at] = i;
                cols[at] = columns[i][q];
                w[at] = weights[i][q];
                kept += w[at];
                at++;
            }
        }
        return new SparseCoupling(rows, cols, w, Math.max(0.0, total - kept), max);
    }

    /** A sparse coupling: kept entries (row, column, weight) and the total weight dropped. Arrays are not copied. */
    record SparseCoupling(int[] rows, int[] columns, double[] weights, double droppedMass, double maxEntry)
            implements java.io.Serializable {
        public int size() {
            return weights.length;
        }

        public double keptMass() {
            double s = 0;
            for (double w : weights) {
                s += w;
            }
            return s;
        }
    }
}
