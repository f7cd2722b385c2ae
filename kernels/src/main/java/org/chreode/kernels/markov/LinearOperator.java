package org.chreode.kernels.markov;

/**
 * A square linear map known only through its action y = A x (matrix-free), as Krylov solvers need.
 *
 * @since 0.1
 */
public interface LinearOperator {

    /** Number of rows (= columns). */
    int dimension();

    /**
     * Computes {@code y = A x}. {@code y} is overwritten; {@code x} is not modified; they are distinct arrays.
     */
    void apply(double[] x, double[] y);
}
