package org.chreode.kernels.linalg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * What every {@link SymmetricKernel} derives from its plain batched product and its row visitor: the log-stabilised
 * products (bands of the exponent, each with its own shift, all evaluated by one batched product), bilinear sums and
 * the empty-row check (a product with the ones vector: entries are non-negative, so a row sum is 0 exactly when the
 * row is).
 *
 * @since 0.1
 */
public abstract class AbstractSymmetricKernel implements SymmetricKernel {

    /**
     * Width (natural-log units) of one band of a log-stabilised product: entries of a band span at most e^600, so
     * with the band's shift every term k_ij e^(z_j - shift) of a non-zero entry k_ij &gt;= e^-745 stays a normal double.
     */
    static final double LOG_BAND = 600;

    /** The rows begin ≤ i &lt; end of one worker chunk of a batched product, added into acc[c] (length n each). */
    @FunctionalInterface
    interface ChunkRows {
        void accumulate(int begin, int end, double[][] acc);
    }

    /**
     * The frame of a batched product y_c = K x_c shared by the stored and online kernels, so that both sum in the same
     * order (their float64 results are bitwise equal): rows are split by {@link PackedSymmetricMatrix#balancedBounds}
     * into chunks of equal triangle area, chunk 0 accumulates into y (zeroed first), every other chunk into its own
     * buffer, and the buffers are added to y in chunk order at the end. {@code rows} holds the inner loops.
     */
    final void multiplyByChunks(double[][] y, int count, Workers workers, ChunkRows rows) {
        int n = size();
        int[] bounds = PackedSymmetricMatrix.balancedBounds(n, workers.threads());
        int chunks = bounds.length - 1;
        double[][][] partial = new double[chunks][][];
        workers.forEachChunk(chunks, chunk -> {
            double[][] acc = chunk == 0 ? y : new double[count][n];
            if (chunk == 0) {
                for (int c = 0; c < count; c++) {
                    Arrays.fill(y[c], 0, n, 0.0);
                }
            }
            rows.accumulate(bounds[chunk], bounds[chunk + 1], acc);
            partial[chunk] = acc;
        });
        for (int chunk = 1; chunk < chunks; chunk++) {
            for (int c = 0; c < count; c++) {
                double[] yc = y[c];
                double[] pc = partial[chunk][c];
                for (int j = 0; j < n; j++) {
                    yc[j] += pc[j];
                }
            }
        }
    }

    /**
     * Exact to rounding for every non-zero entry (no term under- or overflows), at the price of one vector per band
     * of width {@link #LOG_BAND} that z spans, all streamed in a single batched product.
     */
    @Override
    public double[][] logMultiply(double[][] z, int count, Workers workers) {
        int n = size();
        Bands bands = bands(z, null, count, workers);
        double[][] out = new double[count][n];
        for (int c = 0; c < count; c++) {
            Arrays.fill(out[c], Double.NEGATIVE_INFINITY);
        }
        for (int b = 0; b < bands.count; b++) {
            double[] sum = bands.y[b];
            double shift = bands.shift[b];
            double[] o = out[bands.owner[b]];
            for (int i = 0; i < n; i++) {
                if (sum[i] > 0) {
                    o[i] = PackedSymmetricMatrix.logAddExp(o[i], shift + Math.log(sum[i]));
                }
            }
        }
        return out;
    }

    /** Each result entry must itself be representable; costs one vector per band of colLog_c + ln|x_c|. */
    @Override
    public void multiplyLogScaled(double[][] rowLog, double[][] colLog, double[][] x, double[][] y, int count,
                                  Workers workers) {
        int n = size();
        double[][] z = new double[count][n];
        for (int c = 0; c < count; c++) {
            for (int j = 0; j < n; j++) {
                z[c][j] = colLog[c][j] + Math.log(Math.abs(x[c][j]));
            }
        }
        Bands bands = bands(z, x, count, workers);
        for (int c = 0; c < count; c++) {
            Arrays.fill(y[c], 0, n, 0.0);
        }
        for (int b = 0; b < bands.count; b++) {
            double[] sum = bands.y[b];
            double shift = bands.shift[b];
            int c = bands.owner[b];
            double[] yc = y[c];
            double[] rl = rowLog[c];
            for (int i = 0; i < n; i++) {
                if (sum[i] != 0) {
                    yc[i] += Math.copySign(Math.exp(rl[i] + shift + Math.log(Math.abs(sum[i]))), sum[i]);
                }
            }
        }
    }

    /** The band vectors of a log-stabilised product and their products with this matrix. */
    private static final class Bands {
        int count;
        int[] owner;
        double[] shift;
        double[][] y;
    }

    /**
     * Splits every z_c into bands of width LOG_BAND below its maximum; band b of vector c holds
     * sign(x_j) exp(z_j - shift_b) for its members (0 elsewhere), with shift_b chosen so the largest member maps to
     * e^(700 - ln n - 2) (no sum overflows, no term of a non-zero entry underflows); then one batched product.
     */
    private Bands bands(double[][] z, double[][] signs, int count, Workers workers) {
        int n = size();
        double headroom = 698 - Math.log(Math.max(n, 1));
        List<double[]> vectors = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        List<Double> shifts = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            double[] zc = z[c];
            double top = Double.NEGATIVE_INFINITY;
            double bottom = Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (zc[j] > Double.NEGATIVE_INFINITY) {
                    top = Math.max(top, zc[j]);
                    bottom = Math.min(bottom, zc[j]);
                }
            }
            if (top == Double.NEGATIVE_INFINITY) {
                continue;
            }
            if (!(top < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("log-scaled product: non-finite log scale " + top);
            }
            int bandCount = (int) Math.floor((top - bottom) / LOG_BAND) + 1;
            double[][] band = new double[bandCount][];
            for (int j = 0; j < n; j++) {
                if (zc[j] > Double.NEGATIVE_INFINITY) {
                    int b = Math.min(bandCount - 1, (int) ((top - zc[j]) / LOG_BAND));
                    if (band[b] == null) {
                        band[b] = new double[n];
                    }
                    double shift = top - b * LOG_BAND - headroom;
                    double value = Math.exp(zc[j] - shift);
                    band[b][j] = signs == null ? value : Math.copySign(value, signs[c][j]);
                }
            }
            for (int b = 0; b < bandCount; b++) {
                if (band[b] != null) {
                    vectors.add(band[b]);
                    owners.add(c);
                    shifts.add(top - b * LOG_BAND - headroom);
                }
            }
        }
        Bands out = new Bands();
        out.count = vectors.size();
        out.owner = new int[out.count];
        out.shift = new double[out.count];
        out.y = new double[out.count][n];
        for (int b = 0; b < out.count; b++) {
            out.owner[b] = owners.get(b);
            out.shift[b] = shifts.get(b);
        }
        if (out.count > 0) {
            multiply(vectors.toArray(new double[0][]), out.y, out.count, workers);
        }
        return out;
    }

    /** One pass over {@link #forEachRow}; e.g. g(k) = k (-ln k) / kappa gives the transport cost of the plans. */
    @Override
    public double bilinearSum(DoubleUnaryOperator g, double[][] a, double[][] b, int count) {
        double[] sum = new double[1];
        forEachRow((i, row) -> {
            double rowSum = 0;
            for (int j = 0; j < i; j++) {
                double k = row[j];
                if (k != 0) {
                    double pair = 0;
                    for (int c = 0; c < count; c++) {
                        pair += a[c][i] * b[c][j] + a[c][j] * b[c][i];
                    }
                    rowSum += g.applyAsDouble(k) * pair;
                }
            }
            sum[0] += rowSum;
        });
        return sum[0];
    }

    /** One log and 2 count exponentials per non-zero entry. */
    @Override
    public double bilinearSumLog(DoubleUnaryOperator g, double[][] logA, double[][] logB, int count) {
        double[] sum = new double[1];
        forEachRow((i, row) -> {
            double rowSum = 0;
            for (int j = 0; j < i; j++) {
                double k = row[j];
                if (k != 0) {
                    double gk = g.applyAsDouble(k);
                    if (gk > 0) {
                        double lg = Math.log(gk);
                        for (int c = 0; c < count; c++) {
                            rowSum += Math.exp(lg + logA[c][i] + logB[c][j]) + Math.exp(lg + logA[c][j] + logB[c][i]);
                        }
                    }
                }
            }
            sum[0] += rowSum;
        });
        return sum[0];
    }

    @Override
    public int firstZeroRow(Workers workers) {
        int n = size();
        double[] ones = new double[n];
        Arrays.fill(ones, 1.0);
        double[] rowSums = new double[n];
        multiply(ones, rowSums, workers);
        for (int i = 0; i < n; i++) {
            if (!(rowSums[i] > 0)) {
                return i;
            }
        }
        return -1;
    }
}
