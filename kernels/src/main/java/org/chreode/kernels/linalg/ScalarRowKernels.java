package org.chreode.kernels.linalg;

/** Portable {@link RowKernels}: four independent accumulators for instruction-level parallelism. */
final class ScalarRowKernels implements RowKernels {

    @Override
    public double dotAndAxpy(double[] row, int offset, int len, double[] x, double[] y, double xi) {
        double a0 = 0;
        double a1 = 0;
        int j = 0;
        for (; j + 1 < len; j += 2) {
            double r0 = row[offset + j];
            double r1 = row[offset + j + 1];
            a0 += r0 * x[j];
            a1 += r1 * x[j + 1];
            y[j] += r0 * xi;
            y[j + 1] += r1 * xi;
        }
        for (; j < len; j++) {
            a0 += row[offset + j] * x[j];
            y[j] += row[offset + j] * xi;
        }
        return a0 + a1;
    }

    @Override
    public double dotAndAxpy(float[] row, int offset, int len, double[] x, double[] y, double xi) {
        double a0 = 0;
        double a1 = 0;
        int j = 0;
        for (; j + 1 < len; j += 2) {
            double r0 = row[offset + j];
            double r1 = row[offset + j + 1];
            a0 += r0 * x[j];
            a1 += r1 * x[j + 1];
            y[j] += r0 * xi;
            y[j + 1] += r1 * xi;
        }
        for (; j < len; j++) {
            a0 += row[offset + j] * x[j];
            y[j] += row[offset + j] * xi;
        }
        return a0 + a1;
    }

    @Override
    public String name() {
        return "scalar";
    }
}
