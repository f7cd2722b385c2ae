package org.chreode.kernels.temporal;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD {@link TileLogSumExp} (JDK Vector API): the tile scores of four rows at a time by broadcast fused
 * multiply-adds over two vectors of columns (one load of the column block serves four rows), then a vectorised
 * max and {@code lanewise(EXP)} per row. Loaded reflectively by {@link TileLogSumExp#get()}.
 */
final class VectorTileLogSumExp implements TileLogSumExp {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int BLOCK = 4;

    @Override
    public void rows(double[] p, int d, int from, int to, double[] qT, int paddedColumns, double[] h, double invEps,
                     double[] max, double[] sum) {
        int lanes = D.length();
        double[] w = new double[BLOCK * TILE_COLUMNS];
        for (int r = from; r < to; r++) {
            max[r] = Double.NEGATIVE_INFINITY;
            sum[r] = 0.0;
        }
        for (int c0 = 0; c0 < paddedColumns; c0 += TILE_COLUMNS) {
            int len = Math.min(TILE_COLUMNS, paddedColumns - c0);
            int r = from;
            for (; r + BLOCK <= to; r += BLOCK) {
                int p0 = r * d;
                int p1 = p0 + d;
                int p2 = p1 + d;
                int p3 = p2 + d;
                for (int c = 0; c < len; c += 2 * lanes) {
                    DoubleVector h0 = DoubleVector.fromArray(D, h, c0 + c);
                    DoubleVector h1 = DoubleVector.fromArray(D, h, c0 + c + lanes);
                    DoubleVector a00 = h0;
                    DoubleVector a01 = h1;
                    DoubleVector a10 = h0;
                    DoubleVector a11 = h1;
                    DoubleVector a20 = h0;
                    DoubleVector a21 = h1;
                    DoubleVector a30 = h0;
                    DoubleVector a31 = h1;
                    int q = c0 + c;
                    for (int k = 0; k < d; k++, q += paddedColumns) {
                        DoubleVector q0 = DoubleVector.fromArray(D, qT, q);
                        DoubleVector q1 = DoubleVector.fromArray(D, qT, q + lanes);
                        DoubleVector b0 = DoubleVector.broadcast(D, p[p0 + k]);
                        DoubleVector b1 = DoubleVector.broadcast(D, p[p1 + k]);
                        DoubleVector b2 = DoubleVector.broadcast(D, p[p2 + k]);
                        DoubleVector b3 = DoubleVector.broadcast(D, p[p3 + k]);
                        a00 = q0.fma(b0, a00);
                        a01 = q1.fma(b0, a01);
                        a10 = q0.fma(b1, a10);
                        a11 = q1.fma(b1, a11);
                        a20 = q0.fma(b2, a20);
                        a21 = q1.fma(b2, a21);
                        a30 = q0.fma(b3, a30);
                        a31 = q1.fma(b3, a31);
                    }
                    a00.intoArray(w, c);
                    a01.intoArray(w, c + lanes);
                    a10.intoArray(w, TILE_COLUMNS + c);
                    a11.intoArray(w, TILE_COLUMNS + c + lanes);
                    a20.intoArray(w, 2 * TILE_COLUMNS + c);
                    a21.intoArray(w, 2 * TILE_COLUMNS + c + lanes);
                    a30.intoArray(w, 3 * TILE_COLUMNS + c);
                    a31.intoArray(w, 3 * TILE_COLUMNS + c + lanes);
                }
                for (int b = 0; b < BLOCK; b++) {
                    accumulate(w, b * TILE_COLUMNS, len, invEps, max, sum, r + b);
                }
            }
            for (; r < to; r++) {
                int p0 = r * d;
                for (int c = 0; c < len; c += lanes) {
                    DoubleVector a = DoubleVector.fromArray(D, h, c0 + c);
                    int q = c0 + c;
                    for (int k = 0; k < d; k++, q += paddedColumns) {
                        a = DoubleVector.fromArray(D, qT, q).fma(DoubleVector.broadcast(D, p[p0 + k]), a);
                    }
                    a.intoArray(w, c);
                }
                accumulate(w, 0, len, invEps, max, sum, r);
            }
        }
    }

    /** Folds one row's tile scores w[offset .. offset+len) into the running (max, sum) of row r. */
    private static void accumulate(double[] w, int offset, int len, double invEps, double[] max, double[] sum,
                                   int r) {
        int lanes = D.length();
        DoubleVector mv = DoubleVector.broadcast(D, Double.NEGATIVE_INFINITY);
        for (int c = 0; c < len; c += lanes) {
            mv = mv.max(DoubleVector.fromArray(D, w, offset + c));
        }
        double tileMax = mv.reduceLanes(VectorOperators.MAX);
        if (tileMax == Double.NEGATIVE_INFINITY) {
            return;
        }
        if (tileMax > max[r]) {
            sum[r] = max[r] == Double.NEGATIVE_INFINITY ? 0.0 : sum[r] * Math.exp((max[r] - tileMax) * invEps);
            max[r] = tileMax;
        }
        DoubleVector shift = DoubleVector.broadcast(D, max[r]);
        DoubleVector scale = DoubleVector.broadcast(D, invEps);
        DoubleVector acc = DoubleVector.zero(D);
        for (int c = 0; c < len; c += lanes) {
            acc = acc.add(DoubleVector.fromArray(D, w, offset + c).sub(shift).mul(scale)
                    .lanewise(VectorOperators.EXP));
        }
        sum[r] += acc.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public String name() {
        return "vector-api(" + D.length() + "x" + Double.SIZE + ")";
    }
}
