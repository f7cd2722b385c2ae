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
public interface CouplingOperator {

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

    /** max_ij P_ij. */
    double maxEntry();

    /**
     * Entries with P_ij ≥ relativeThreshold · max P, in row-major order, and the mass of the others.
     *
     * @param relativeThreshold in [0, 1)
     */
    SparseCoupling sparse(double relativeThreshold);

    /** A sparse coupling: kept entries (row, column, weight) and the total weight dropped. Arrays are not copied. */
    record SparseCoupling(int[] rows, int[] columns, double[] weights, double droppedMass, double maxEntry) {
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
