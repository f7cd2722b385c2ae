package org.chreode.kernels.linalg;

/**
 * A symmetric kernel whose entries are never stored: every product recomputes them, one row tile at a time, from a
 * {@link PackedSymmetricMatrix.RowFiller} (for MultistageOT: exp(-C_ij kappa) from the cells' coordinates). Memory is
 * O(n) per worker instead of n(n-1)/2 entries; the price is the entry computation (d multiply-adds and one exp per
 * entry) on every product instead of one memory read.
 *
 * <p>Products follow {@link PackedSymmetricMatrix#multiply} exactly: the same split of rows into worker chunks of
 * equal triangle area, the same pairs of consecutive rows and the same inner loops, so with float64 entries computed
 * by the same filler the results are bitwise equal to the stored matrix's. Entries are always float64 (storage
 * precision does not apply).
 *
 * @since 0.1
 */
public final class OnlineSymmetricKernel extends AbstractSymmetricKernel {

    private static final RowKernels KERNELS = RowKernels.get();

    private final int n;
    private final PackedSymmetricMatrix.RowFiller filler;

    /**
     * @param n      size
     * @param filler computes row i's entries k_ij, j &lt; i; called concurrently from several workers
     */
    public OnlineSymmetricKernel(int n, PackedSymmetricMatrix.RowFiller filler) {
        this.n = n;
        this.filler = filler;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public void multiply(double[][] x, double[][] y, int count, Workers workers) {
        multiplyByChunks(y, count, workers, (begin, end, acc) -> {
            // rows i and i+1 back to back, as the packed layout holds them
            double[] tile = new double[2 * n + 1];
            double[] scratch = new double[n];
            double[] dots = new double[2];
            for (int i = begin; i < end; i++) {
                boolean pair = i + 1 < end;
                filler.fill(i, scratch);
                System.arraycopy(scratch, 0, tile, 0, i);
                if (pair) {
                    filler.fill(i + 1, scratch);
                    System.arraycopy(scratch, 0, tile, i, i + 1);
                }
                for (int c = 0; c < count; c++) {
                    double[] yc = acc[c];
                    double[] xc = x[c];
                    if (pair) {
                        KERNELS.dotAndAxpyPair(tile, 0, i, xc, yc, xc[i], xc[i + 1], dots);
                        yc[i] += dots[0];
                        yc[i + 1] += dots[1];
                    } else {
                        yc[i] += KERNELS.dotAndAxpy(tile, 0, i, xc, yc, xc[i]);
                    }
                }
                if (pair) {
                    i++;
                }
            }
        });
    }

    @Override
    public void forEachRow(RowVisitor visitor) {
        double[] row = new double[n];
        for (int i = 1; i < n; i++) {
            filler.fill(i, row);
            visitor.visit(i, row);
        }
    }

    @Override
    public long storageBytes() {
        return 0;
    }

    @Override
    public String mode() {
        return "online";
    }
}
