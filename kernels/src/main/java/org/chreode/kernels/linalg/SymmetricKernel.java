package org.chreode.kernels.linalg;

import java.util.function.DoubleUnaryOperator;

/**
 * A symmetric n x n matrix K with zero diagonal and non-negative entries (the intermediate Gibbs kernel
 * E = exp(-C kappa) of MultistageOT), seen only through what the solvers need from it: batched products, their
 * log-stabilised forms, bilinear sums and a row visitor. Where the entries live is the implementation's business:
 * {@link PackedSymmetricMatrix} stores the strict lower triangle, {@link OnlineSymmetricKernel} recomputes row tiles
 * from the coordinates on every product, and the Spark module holds the triangle as a distributed grid of tiles.
 *
 * @since 0.1
 */
public interface SymmetricKernel {

    /** Receives row i of the strict lower triangle: {@code row[j] = k_ij} for j &lt; i (entries past i-1 are junk). */
    @FunctionalInterface
    interface RowVisitor {
        void visit(int i, double[] row);
    }

    int size();

    /** y_c = K x_c for c = 0 .. count-1 (every {@code y[c]} is overwritten). */
    void multiply(double[][] x, double[][] y, int count, Workers workers);

    /** Single-vector form of {@link #multiply(double[][], double[][], int, Workers)}. */
    default void multiply(double[] x, double[] y, Workers workers) {
        multiply(new double[][] {x}, new double[][] {y}, 1, workers);
    }

    /**
     * Log-domain products for vectors whose logs span more than the double range: {@code out[c][i] =
     * ln sum_j k_ij exp(z[c][j])} (negative infinity where the sum is empty; z may hold negative infinity).
     */
    double[][] logMultiply(double[][] z, int count, Workers workers);

    /**
     * y_c = exp(rowLog_c) . K (exp(colLog_c) . x_c) (element-wise products) for log scales that span more than the
     * double range and signed x_c.
     */
    void multiplyLogScaled(double[][] rowLog, double[][] colLog, double[][] x, double[][] y, int count,
                           Workers workers);

    /** sum_c sum_{i != j} g(k_ij) a_c,i b_c,j over both triangles, in one pass. */
    double bilinearSum(DoubleUnaryOperator g, double[][] a, double[][] b, int count);

    /** {@link #bilinearSum} for factors given by their logs, formed in the exponent. */
    double bilinearSumLog(DoubleUnaryOperator g, double[][] logA, double[][] logB, int count);

    /** The first row of the full matrix with no non-zero entry, or -1. */
    int firstZeroRow(Workers workers);

    /**
     * Visits rows 1 .. n-1 of the strict lower triangle in order, on the caller's thread (one pass, e.g. the sparse
     * export). Implementations that cannot bring rows to the caller (the distributed one) throw
     * {@link UnsupportedOperationException} with a message saying so.
     */
    void forEachRow(RowVisitor visitor);

    /** Bytes held by stored entries on this JVM (0 when nothing N x N is held). */
    long storageBytes();

    /** Short label for run.json and logs: "stored", "online", "distributed". */
    String mode();
}
