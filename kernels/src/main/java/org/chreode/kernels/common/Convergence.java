package org.chreode.kernels.common;

import java.util.Arrays;

/**
 * How an iterative solve ended: the number of iterations, the error recorded at every check, the final
 * marginal error and the effective regularisation. Immutable; the error history is copied in and out.
 *
 * @param status         how the loop ended
 * @param iterations     sweeps (or iterations) performed
 * @param checks         convergence checks performed
 * @param finalError     the stopping quantity at the last check (solver-specific, documented by the solver)
 * @param marginalError  the largest constraint violation of the returned solution
 * @param epsilon        effective entropic regularisation of the returned solution
 * @param errorHistory   the stopping quantity at every check, in order
 * @since 0.1
 */
public record Convergence(Status status, int iterations, int checks, double finalError, double marginalError,
                          double epsilon, double[] errorHistory) {

    /** How an iterative loop ended. */
    public enum Status {
        /** The stopping rule was met. */
        CONVERGED,
        /** The iteration cap was reached first; the result is usable but not at tolerance. */
        MAX_ITERATIONS
    }

    public Convergence {
        errorHistory = errorHistory == null ? new double[0] : errorHistory.clone();
    }

    @Override
    public double[] errorHistory() {
        return errorHistory.clone();
    }

    public boolean converged() {
        return status == Status.CONVERGED;
    }

    @Override
    public String toString() {
        return "Convergence[" + status + ", iterations=" + iterations + ", checks=" + checks
                + ", finalError=" + finalError + ", marginalError=" + marginalError + ", epsilon=" + epsilon
                + ", history=" + Arrays.toString(Arrays.copyOf(errorHistory, Math.min(5, errorHistory.length)))
                + (errorHistory.length > 5 ? "..." : "") + "]";
    }
}
