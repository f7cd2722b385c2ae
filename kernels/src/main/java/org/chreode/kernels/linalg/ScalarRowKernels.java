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

    @Override
    public void dotAndAxpyPair(double[] rows, int offset, int len, double[] x, double[] y, double xi, double xi1,
                               double[] dots) {
        int next = offset + len;
        double a = 0;
        double b = 0;
        for (int j = 0; j < len; j++) {
            double r0 = rows[offset + j];
            double r1 = rows[next + j];
            double xj = x[j];
            a += r0 * xj;
            b += r1 * xj;
            y[j] += r0 * xi + r1 * xi1;
        }
        double last = rows[next + len];
        dots[0] = a;
        dots[1] = b + last * x[len];
        y[len] += last * xi1;
    }

    @Override
    public void dotAndAxpyPair(float[] rows, int offset, int len, double[] x, double[] y, double xi, double xi1,
                               double[] dots) {
        int next = offset + len;
        double a = 0;
        double b = 0;
        for (int j = 0; j < len; j++) {
            double r0 = rows[offset + j];
            double r1 = rows[next + j];
            double xj = x[j];
            a += r0 * xj;
            b += r1 * xj;
            y[j] += r0 * xi + r1 * xi1;
        }
        double last = rows[next + len];
        dots[0] = a;
        dots[1] = b + last * x[len];
        y[len] += last * xi1;
    }
}
