package org.chreode.kernels.linalg;


/**
 * A dense row-major float64 matrix for the small blocks of a problem (initial x intermediate, intermediate x
 * terminal). Products are single-threaded: these blocks are a small fraction of the work.
 */
public final class DenseMatrix {

    /** Computes one entry. */
    @FunctionalInterface
    public interface EntryFunction {
        double at(int i, int j);
    }

    private final int rows;
    private final int cols;
    private final double[] data;

    private DenseMatrix(int rows, int cols, double[] data) {
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    public static DenseMatrix build(int rows, int cols, EntryFunction entry) {
        double[] data = new double[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                data[i * cols + j] = entry.at(i, j);
            }
        }
        return new DenseMatrix(rows, cols, data);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public double get(int i, int j) {
        return data[i * cols + j];
    }

    /** y = A x (length rows). */
    public void multiply(double[] x, double[] y) {
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                sum += data[base + j] * x[j];
            }
            y[i] = sum;
        }
    }

    /** y = A^T x (length cols). */
    public void multiplyTranspose(double[] x, double[] y) {
        java.util.Arrays.fill(y, 0, cols, 0.0);
        for (int i = 0; i < rows; i++) {
            double xi = x[i];
            if (xi == 0) {
                continue;
            }
            int base = i * cols;
            for (int j = 0; j < cols; j++) {
                y[j] += data[base + j] * xi;
            }
        }
    }

    /**
     * Returns sum_ij w_ij a_ij x_i y_j over the entries where a_ij != 0 (so an infinite weight on a zero entry, a
     * forbidden move, contributes nothing): with w the cost matrix, the transport cost of diag(x) A diag(y).
     */
    public double weightedBilinear(DenseMatrix weight, double[] x, double[] y) {
        double sum = 0;
        for (int i = 0; i < rows; i++) {
            int base = i * cols;
            double rowSum = 0;
            for (int j = 0; j < cols; j++) {
                double a = data[base + j];
                if (a != 0) {
                    rowSum += weight.data[base + j] * a * y[j];
                }
            }
            sum += rowSum * x[i];
        }
        return sum;
    }

    /** First row whose entries are all zero, or -1. */
    public int firstZeroRow() {
        for (int i = 0; i < rows; i++) {
            boolean any = false;
            for (int j = 0; j < cols && !any; j++) {
                any = data[i * cols + j] != 0;
            }
            if (!any) {
                return i;
            }
        }
        return -1;
    }

    /** First column whose entries are all zero, or -1. */
    public int firstZeroColumn() {
        for (int j = 0; j < cols; j++) {
            boolean any = false;
            for (int i = 0; i < rows && !any; i++) {
                any = data[i * cols + j] != 0;
            }
            if (!any) {
                return j;
            }
        }
        return -1;
    }
}
