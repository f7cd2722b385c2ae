package org.chreode.kernels.linalg;

import java.util.function.DoubleUnaryOperator;

import org.chreode.kernels.geometry.KernelPrecision;

/**
 * A symmetric n x n matrix with zero diagonal, stored as its strict lower triangle (row i holds columns 0..i-1), in
 * float64 or float32. Half the memory of a full matrix, and a product reads every stored entry once while using it
 * twice (y_i += k_ij x_j and y_j += k_ij x_i), so each product moves half the bytes of a dense matrix-vector product.
 *
 * <p>Rows are packed back to back in a few large flat arrays (blocks of at most {@link #BLOCK_ENTRIES} entries), so
 * a product streams memory sequentially. Products take several vectors at once: the matrix is streamed once for all
 * of them, which is how one sweep of MultistageOT evaluates all its stages.
 */
public final class PackedSymmetricMatrix {

    /** Entries per storage block (2^26: 512 MiB of float64); rows never straddle blocks. */
    static final int BLOCK_ENTRIES = 1 << 26;

    private static final RowKernels KERNELS = RowKernels.get();

    /** Computes the entries of one row: {@code row[j] = k(i, j)} for j &lt; i. */
    @FunctionalInterface
    public interface RowFiller {
        void fill(int i, double[] row);
    }

    private final int n;
    private final double[][] blocks64;
    private final float[][] blocks32;
    /** Block holding row i, and the offset of its first entry there. */
    private final int[] rowBlock;
    private final int[] rowOffset;

    private PackedSymmetricMatrix(int n, KernelPrecision precision) {
        this.n = n;
        this.rowBlock = new int[n];
        this.rowOffset = new int[n];
        java.util.List<Integer> sizes = new java.util.ArrayList<>();
        int block = 0;
        int used = 0;
        for (int i = 0; i < n; i++) {
            if (used + i > BLOCK_ENTRIES) {
                sizes.add(used);
                block++;
                used = 0;
            }
            rowBlock[i] = block;
            rowOffset[i] = used;
            used += i;
        }
        sizes.add(used);
        if (precision == KernelPrecision.FLOAT64) {
            blocks64 = new double[sizes.size()][];
            blocks32 = null;
            for (int b = 0; b < sizes.size(); b++) {
                blocks64[b] = new double[sizes.get(b)];
            }
        } else {
            blocks32 = new float[sizes.size()][];
            blocks64 = null;
            for (int b = 0; b < sizes.size(); b++) {
                blocks32[b] = new float[sizes.get(b)];
            }
        }
    }

    /** Builds the matrix, rows computed in parallel. */
    public static PackedSymmetricMatrix build(int n, KernelPrecision precision, RowFiller filler, Workers workers) {
        PackedSymmetricMatrix matrix = new PackedSymmetricMatrix(n, precision);
        matrix.refill(filler, workers);
        return matrix;
    }

    /** Recomputes every entry in place (e.g. the kernel at a new epsilon), rows in parallel. */
    public void refill(RowFiller filler, Workers workers) {
        int[] bounds = balancedBounds(n, workers.threads());
        workers.forEachChunk(bounds.length - 1, chunk -> {
            double[] scratch = new double[n];
            for (int i = bounds[chunk]; i < bounds[chunk + 1]; i++) {
                filler.fill(i, scratch);
                int off = rowOffset[i];
                if (blocks64 != null) {
                    System.arraycopy(scratch, 0, blocks64[rowBlock[i]], off, i);
                } else {
                    float[] data = blocks32[rowBlock[i]];
                    for (int j = 0; j < i; j++) {
                        data[off + j] = (float) scratch[j];
                    }
                }
            }
        });
    }

    public int size() {
        return n;
    }

    /** Entry (i, j); 0 on the diagonal. */
    public double get(int i, int j) {
        if (i == j) {
            return 0;
        }
        int r = Math.max(i, j);
        int c = Math.min(i, j);
        return blocks64 != null ? blocks64[rowBlock[r]][rowOffset[r] + c] : blocks32[rowBlock[r]][rowOffset[r] + c];
    }

    /** Which inner loop the products use ("vector-api(...)" or "scalar"). */
    public static String implementation() {
        return KERNELS.name();
    }

    /** Bytes held by the entries. */
    public long storageBytes() {
        return (long) n * (n - 1) / 2 * (blocks64 != null ? 8 : 4);
    }

    /** Whether every row of the full matrix has a non-zero entry; returns the first all-zero row or -1. */
    public int firstZeroRow(Workers workers) {
        boolean[] nonzero = new boolean[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                if (get(i, j) != 0) {
                    nonzero[i] = true;
                    nonzero[j] = true;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (!nonzero[i]) {
                return i;
            }
        }
        return -1;
    }

    /**
     * y_c = K x_c for c = 0 .. count-1 (every {@code y[c]} is overwritten). Rows are split into chunks of equal
     * triangle area, one per worker, each accumulating into its own buffer; the buffers are summed at the end.
     */
    public void multiply(double[][] x, double[][] y, int count, Workers workers) {
        int[] bounds = balancedBounds(n, workers.threads());
        int chunks = bounds.length - 1;
        double[][][] partial = new double[chunks][][];
        workers.forEachChunk(chunks, chunk -> {
            double[][] acc = chunk == 0 ? y : new double[count][n];
            if (chunk == 0) {
                for (int c = 0; c < count; c++) {
                    java.util.Arrays.fill(y[c], 0, n, 0.0);
                }
            }
            double[] dots = new double[2];
            int end = bounds[chunk + 1];
            for (int i = bounds[chunk]; i < end; i++) {
                int off = rowOffset[i];
                boolean pair = i + 1 < end && rowBlock[i + 1] == rowBlock[i];
                for (int c = 0; c < count; c++) {
                    double[] yc = acc[c];
                    double[] xc = x[c];
                    if (pair) {
                        if (blocks64 != null) {
                            KERNELS.dotAndAxpyPair(blocks64[rowBlock[i]], off, i, xc, yc, xc[i], xc[i + 1], dots);
                        } else {
                            KERNELS.dotAndAxpyPair(blocks32[rowBlock[i]], off, i, xc, yc, xc[i], xc[i + 1], dots);
                        }
                        yc[i] += dots[0];
                        yc[i + 1] += dots[1];
                    } else {
                        yc[i] += blocks64 != null ? KERNELS.dotAndAxpy(blocks64[rowBlock[i]], off, i, xc, yc, xc[i])
                                : KERNELS.dotAndAxpy(blocks32[rowBlock[i]], off, i, xc, yc, xc[i]);
                    }
                }
                if (pair) {
                    i++;
                }
            }
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

    /** Single-vector form of {@link #multiply(double[][], double[][], int, Workers)}. */
    public void multiply(double[] x, double[] y, Workers workers) {
        multiply(new double[][] {x}, new double[][] {y}, 1, workers);
    }

    /**
     * Width (natural-log units) of one band of a log-stabilised product: entries of a band span at most e^600, so
     * with the band's shift every term k_ij e^(z_j - shift) of a non-zero entry k_ij &gt;= e^-745 stays a normal double.
     */
    static final double LOG_BAND = 600;

    /**
     * Log-domain products for vectors whose logs span more than the double range: {@code out[c][i] =
     * ln sum_j k_ij exp(z[c][j])} (negative infinity where the sum is empty; z may hold negative infinity). Exact to
     * rounding for every stored non-zero entry (no term under- or overflows), at the price of one vector per band of
     * width {@link #LOG_BAND} that z spans, all streamed in a single pass over the matrix. Entries must be
     * non-negative.
     */
    public double[][] logMultiply(double[][] z, int count, Workers workers) {
        Bands bands = bands(z, null, count, workers);
        double[][] out = new double[count][n];
        for (int c = 0; c < count; c++) {
            java.util.Arrays.fill(out[c], Double.NEGATIVE_INFINITY);
        }
        for (int b = 0; b < bands.count; b++) {
            double[] sum = bands.y[b];
            double shift = bands.shift[b];
            double[] o = out[bands.owner[b]];
            for (int i = 0; i < n; i++) {
                if (sum[i] > 0) {
                    o[i] = logAddExp(o[i], shift + Math.log(sum[i]));
                }
            }
        }
        return out;
    }

    /**
     * y_c = exp(rowLog_c) . K (exp(colLog_c) . x_c) (element-wise products) for log scales that span more than the
     * double range and signed x_c; each result entry must itself be representable (e.g. a transport plan applied to
     * a bounded vector). Costs one vector per band of colLog_c + ln|x_c| (see {@link #logMultiply}).
     */
    public void multiplyLogScaled(double[][] rowLog, double[][] colLog, double[][] x, double[][] y, int count,
                                  Workers workers) {
        double[][] z = new double[count][n];
        for (int c = 0; c < count; c++) {
            for (int j = 0; j < n; j++) {
                z[c][j] = colLog[c][j] + Math.log(Math.abs(x[c][j]));
            }
        }
        Bands bands = bands(z, x, count, workers);
        for (int c = 0; c < count; c++) {
            java.util.Arrays.fill(y[c], 0, n, 0.0);
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
        double headroom = 698 - Math.log(Math.max(n, 1));
        java.util.List<double[]> vectors = new java.util.ArrayList<>();
        java.util.List<Integer> owners = new java.util.ArrayList<>();
        java.util.List<Double> shifts = new java.util.ArrayList<>();
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

    /**
     * Returns sum_c sum_{i != j} g(k_ij) a_c,i b_c,j over the full symmetric matrix (both triangles) and the given
     * pairs of vectors, in one pass; e.g. with g(k) = k * (-ln k) / kappa the transport cost of the plans
     * diag(a_c) K diag(b_c).
     */
    public double bilinearSum(DoubleUnaryOperator g, double[][] a, double[][] b, int count) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double rowSum = 0;
            for (int j = 0; j < i; j++) {
                double k = get(i, j);
                if (k != 0) {
                    double pair = 0;
                    for (int c = 0; c < count; c++) {
                        pair += a[c][i] * b[c][j] + a[c][j] * b[c][i];
                    }
                    rowSum += g.applyAsDouble(k) * pair;
                }
            }
            sum += rowSum;
        }
        return sum;
    }

    /**
     * {@link #bilinearSum} for factors given by their logs, a_c = exp(logA_c), b_c = exp(logB_c), whose ranges exceed
     * the double range: each term g(k_ij) exp(logA_c,i + logB_c,j) is formed in the exponent (one log and 2 count
     * exponentials per stored non-zero entry).
     */
    public double bilinearSumLog(java.util.function.DoubleUnaryOperator g, double[][] logA, double[][] logB,
                                 int count) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double rowSum = 0;
            for (int j = 0; j < i; j++) {
                double k = get(i, j);
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
            sum += rowSum;
        }
        return sum;
    }

    /** ln(e^a + e^b), exact for infinite arguments. */
    public static double logAddExp(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) {
            return b;
        }
        if (b == Double.NEGATIVE_INFINITY) {
            return a;
        }
        return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
    }

    /** Row bounds 0 = b_0 &lt; ... &lt; b_P = n splitting the triangle into P parts of equal area. */
    static int[] balancedBounds(int n, int parts) {
        int p = Math.max(1, Math.min(parts, n / 64 + 1));
        int[] bounds = new int[p + 1];
        for (int w = 1; w < p; w++) {
            bounds[w] = (int) Math.round(n * Math.sqrt((double) w / p));
        }
        bounds[p] = n;
        return bounds;
    }
}
