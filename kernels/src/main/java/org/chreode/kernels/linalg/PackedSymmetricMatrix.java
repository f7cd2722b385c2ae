package org.chreode.kernels.linalg;


import org.chreode.kernels.geometry.KernelPrecision;

/**
 * A symmetric n x n matrix with zero diagonal, stored as its strict lower triangle (row i holds columns 0..i-1), in
 * float64 or float32. Half the memory of a full matrix, and a product reads every stored entry once while using it
 * twice (y_i += k_ij x_j and y_j += k_ij x_i), so each product moves half the bytes of a dense matrix-vector product.
 *
 * <p>Products take several vectors at once: the matrix is streamed once for all of them, which is how one sweep of
 * MultistageOT evaluates all its stages.
 */
public final class PackedSymmetricMatrix {

    /** Computes the entries of one row: {@code row[j] = k(i, j)} for j &lt; i. */
    @FunctionalInterface
    public interface RowFiller {
        void fill(int i, double[] row);
    }

    private final int n;
    private final double[][] rows64;
    private final float[][] rows32;

    private PackedSymmetricMatrix(int n, double[][] rows64, float[][] rows32) {
        this.n = n;
        this.rows64 = rows64;
        this.rows32 = rows32;
    }

    /** Builds the matrix row by row, rows computed in parallel. */
    public static PackedSymmetricMatrix build(int n, KernelPrecision precision, RowFiller filler, Workers workers) {
        double[][] r64 = precision == KernelPrecision.FLOAT64 ? new double[n][] : null;
        float[][] r32 = precision == KernelPrecision.FLOAT32 ? new float[n][] : null;
        for (int i = 0; i < n; i++) {
            if (r64 != null) {
                r64[i] = new double[i];
            } else {
                r32[i] = new float[i];
            }
        }
        PackedSymmetricMatrix matrix = new PackedSymmetricMatrix(n, r64, r32);
        matrix.refill(filler, workers);
        return matrix;
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
        return rows64 != null ? rows64[r][c] : rows32[r][c];
    }

    /** Bytes held by the entries. */
    public long storageBytes() {
        return (long) n * (n - 1) / 2 * (rows64 != null ? 8 : 4);
    }

    /** Recomputes every entry in place (e.g. the kernel at a new epsilon), rows in parallel. */
    public void refill(RowFiller filler, Workers workers) {
        int[] bounds = balancedBounds(n, workers.threads());
        workers.forEachChunk(bounds.length - 1, chunk -> {
            double[] scratch = new double[n];
            for (int i = bounds[chunk]; i < bounds[chunk + 1]; i++) {
                if (rows64 != null) {
                    filler.fill(i, rows64[i]);
                } else {
                    filler.fill(i, scratch);
                    float[] row = rows32[i];
                    for (int j = 0; j < i; j++) {
                        row[j] = (float) scratch[j];
                    }
                }
            }
        });
    }

    /** Row i, columns 0..i-1, as float64 (a copy into {@code scratch} for float32 storage). */
    private double[] row(int i, double[] scratch) {
        if (rows64 != null) {
            return rows64[i];
        }
        float[] row = rows32[i];
        for (int j = 0; j < i; j++) {
            scratch[j] = row[j];
        }
        return scratch;
    }

    /** Whether every row of the full matrix has a non-zero entry; returns the first all-zero row or -1. */
    public int firstZeroRow(Workers workers) {
        boolean[] nonzero = new boolean[n];
        double[] scratch = new double[n];
        for (int i = 0; i < n; i++) {
            double[] row = row(i, scratch);
            for (int j = 0; j < i; j++) {
                if (row[j] != 0) {
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
            double[] scratch = rows64 == null ? new double[n] : null;
            for (int i = bounds[chunk]; i < bounds[chunk + 1]; i++) {
                double[] row = row(i, scratch);
                for (int c = 0; c < count; c++) {
                    double[] yc = acc[c];
                    yc[i] += dotAndAxpy(row, i, x[c], yc, x[c][i]);
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
    public double bilinearSum(java.util.function.DoubleUnaryOperator g, double[][] a, double[][] b, int count) {
        double sum = 0;
        double[] scratch = rows64 == null ? new double[n] : null;
        for (int i = 0; i < n; i++) {
            double[] row = row(i, scratch);
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
        double[] scratch = rows64 == null ? new double[n] : null;
        for (int i = 0; i < n; i++) {
            double[] row = row(i, scratch);
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

    /** Computes sum_j row[j] x[j] for j &lt; len and adds row[j] * xi to y[j]; four accumulators for ILP. */
    private static double dotAndAxpy(double[] row, int len, double[] x, double[] y, double xi) {
        double a0 = 0;
        double a1 = 0;
        double a2 = 0;
        double a3 = 0;
        int j = 0;
        for (; j + 3 < len; j += 4) {
            double r0 = row[j];
            double r1 = row[j + 1];
            double r2 = row[j + 2];
            double r3 = row[j + 3];
            a0 += r0 * x[j];
            a1 += r1 * x[j + 1];
            a2 += r2 * x[j + 2];
            a3 += r3 * x[j + 3];
            y[j] += r0 * xi;
            y[j + 1] += r1 * xi;
            y[j + 2] += r2 * xi;
            y[j + 3] += r3 * xi;
        }
        for (; j < len; j++) {
            a0 += row[j] * x[j];
            y[j] += row[j] * xi;
        }
        return (a0 + a1) + (a2 + a3);
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
