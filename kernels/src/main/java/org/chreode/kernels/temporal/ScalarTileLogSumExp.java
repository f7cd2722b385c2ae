package org.chreode.kernels.temporal;

/** Plain-loop {@link TileLogSumExp}: the fallback without the Vector API, and the reference in tests. */
final class ScalarTileLogSumExp implements TileLogSumExp {

    @Override
    public void rows(double[] p, int d, int from, int to, double[] qT, int paddedColumns, double[] h, double invEps,
                     double[] max, double[] sum) {
        double[] w = new double[TILE_COLUMNS];
        for (int r = from; r < to; r++) {
            max[r] = Double.NEGATIVE_INFINITY;
            sum[r] = 0.0;
        }
        for (int c0 = 0; c0 < paddedColumns; c0 += TILE_COLUMNS) {
            int len = Math.min(TILE_COLUMNS, paddedColumns - c0);
            for (int r = from; r < to; r++) {
                double tileMax = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < len; c++) {
                    double s = h[c0 + c];
                    for (int k = 0; k < d; k++) {
                        s += p[r * d + k] * qT[k * paddedColumns + c0 + c];
                    }
                    w[c] = s;
                    tileMax = Math.max(tileMax, s);
                }
                if (tileMax == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                if (tileMax > max[r]) {
                    sum[r] = max[r] == Double.NEGATIVE_INFINITY ? 0.0 : sum[r] * Math.exp((max[r] - tileMax) * invEps);
                    max[r] = tileMax;
                }
                double s = 0;
                for (int c = 0; c < len; c++) {
                    s += Math.exp((w[c] - max[r]) * invEps);
                }
                sum[r] += s;
            }
        }
    }

    @Override
    public String name() {
        return "scalar";
    }
}
