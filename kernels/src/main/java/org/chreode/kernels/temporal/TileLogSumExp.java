package org.chreode.kernels.temporal;

/**
 * The one primitive of the online temporal kernel: for rows r of a tile side, a stabilised log-sum-exp over all
 * columns of an affine score,
 * <pre>
 *   w_rc = h_c + Σ_k p_rk q_kc,      max_r = max_c w_rc,      sum_r = Σ_c exp((w_rc − max_r) / ε)
 * </pre>
 * so that LSE_c(w_rc / ε) = max_r / ε + log sum_r. Columns are visited in tiles of {@link #TILE_COLUMNS}; each tile
 * updates a running (max, sum) pair (sum ← sum·exp((max − max')/ε) when the max grows), so nothing of size n × m
 * exists. Accumulation is in float64. h_c = −∞ marks a column that does not count (zero mass or padding).
 *
 * <p>Loaded like {@code RowKernels}: the Vector API implementation when {@code jdk.incubator.vector} is present,
 * otherwise the scalar one (same results up to rounding).
 */
interface TileLogSumExp {

    /** Columns per tile: the transposed column block (TILE_COLUMNS × d doubles) stays in the core's L2 cache. */
    int TILE_COLUMNS = 128;

    /**
     * @param p        rows, row-major count × d (already scaled by 2/s)
     * @param d        dimension
     * @param from     first row (inclusive)
     * @param to       last row (exclusive)
     * @param qT       columns transposed, d × paddedColumns
     * @param paddedColumns column count, a multiple of {@link PointCloudCost#PAD}
     * @param h        column offsets, paddedColumns entries (−∞ on padding and excluded columns)
     * @param invEps   1/ε
     * @param max      out: max_r for rows from..to−1 (−∞ when every column is excluded)
     * @param sum      out: sum_r (0 when every column is excluded)
     */
    void rows(double[] p, int d, int from, int to, double[] qT, int paddedColumns, double[] h, double invEps,
              double[] max, double[] sum);

    String name();

    static TileLogSumExp get() {
        return Holder.INSTANCE;
    }

    /** Lazily picks the implementation once. */
    final class Holder {
        static final TileLogSumExp INSTANCE = load();

        private Holder() {
        }

        private static TileLogSumExp load() {
            try {
                Class.forName("jdk.incubator.vector.DoubleVector");
                return (TileLogSumExp) Class.forName("org.chreode.kernels.temporal.VectorTileLogSumExp")
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return new ScalarTileLogSumExp();
            }
        }
    }
}
