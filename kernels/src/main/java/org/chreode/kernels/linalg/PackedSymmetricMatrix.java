package org.chreode.kernels.linalg;

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
public final class PackedSymmetricMatrix extends AbstractSymmetricKernel {

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

    @Override
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
    @Override
    public long storageBytes() {
        return (long) n * (n - 1) / 2 * (blocks64 != null ? 8 : 4);
    }

    /**
     * y_c = K x_c for c = 0 .. count-1 (every {@code y[c]} is overwritten). Rows are split into chunks of equal
     * triangle area, one per worker, each accumulating into its own buffer; the buffers are summed at the end.
     */
    @Override
    public void multiply(double[][] x, double[][] y, int count, Workers workers) {
        multiplyByChunks(y, count, workers, (begin, end, acc) -> {
            double[] dots = new double[2];
            for (int i = begin; i < end; i++) {
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
        });
    }

    /** Copies each stored row into a scratch row. */
    @Override
    public void forEachRow(RowVisitor visitor) {
        double[] row = new double[n];
        for (int i = 1; i < n; i++) {
            int off = rowOffset[i];
            if (blocks64 != null) {
                System.arraycopy(blocks64[rowBlock[i]], off, row, 0, i);
            } else {
                float[] data = blocks32[rowBlock[i]];
                for (int j = 0; j < i; j++) {
                    row[j] = data[off + j];
                }
            }
            visitor.visit(i, row);
        }
    }

    @Override
    public String mode() {
        return "stored";
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
