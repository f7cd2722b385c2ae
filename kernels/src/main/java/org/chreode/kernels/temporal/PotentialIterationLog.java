package org.chreode.kernels.temporal;

import java.util.Arrays;

import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;

/**
 * The per-iteration bookkeeping shared by the dense and the online unbalanced Sinkhorn loops: the history of
 * max(‖Δf‖∞, ‖Δg‖∞), one progress call per iteration, and the stop on non-finite potentials.
 */
final class PotentialIterationLog {

    private final String solverName;
    private final String phase;
    private final int maxIterations;
    private final double epsilon;
    private final IterationListener listener;
    private final long start = System.nanoTime();
    private double[] history;
    private int recorded;

    /**
     * @param solverName the solver as named in error messages, e.g. {@code "Unbalanced Sinkhorn"}
     * @param phase      the listener's phase, e.g. {@code "unbalanced sinkhorn"}
     */
    PotentialIterationLog(String solverName, String phase, int maxIterations, double epsilon,
                          IterationListener listener) {
        this.solverName = solverName;
        this.phase = phase;
        this.maxIterations = maxIterations;
        this.epsilon = epsilon;
        this.listener = listener;
        this.history = new double[Math.min(maxIterations, 1 << 16)];
    }

    /**
     * Records the error of {@code iteration} and reports it.
     *
     * @return whether the error is below {@code tolerance}
     * @throws NumericalInstabilityException when the error is NaN or ∞
     */
    boolean record(int iteration, double error, double tolerance) {
        if (recorded == history.length) {
            history = Arrays.copyOf(history, Math.min(maxIterations, history.length * 2));
        }
        history[recorded++] = error;
        listener.onCheck(phase, iteration, maxIterations, error, epsilon, System.nanoTime() - start);
        if (!Double.isFinite(error)) {
            throw new NumericalInstabilityException(solverName + " produced non-finite potentials at iteration "
                    + iteration + " (epsilon = " + epsilon + "); normalise the cost or use a larger epsilon.",
                    iteration, epsilon);
        }
        return error < tolerance;
    }

    int recorded() {
        return recorded;
    }

    /** The recorded errors, one per iteration. */
    double[] history() {
        return Arrays.copyOf(history, recorded);
    }
}
