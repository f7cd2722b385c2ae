package org.chreode.kernels.common;

/**
 * Receives progress of iterative solvers. Kernels never log; callers (CLI, Spark jobs) adapt this into log lines
 * with an ETA or into Spark job descriptions.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface IterationListener {

    /** A listener that ignores every event. */
    IterationListener NONE = (phase, iteration, maxIterations, error, epsilon, elapsedNanos) -> { };

    /**
     * Called after every convergence check.
     *
     * @param phase         what is iterating, e.g. {@code "sinkhorn"}, {@code "proximal 2/3"}, {@code "gmres fate A"}
     * @param iteration     iterations done so far in this phase
     * @param maxIterations the cap of this phase
     * @param error         the stopping quantity at this check
     * @param epsilon       the regularisation in use (NaN where meaningless)
     * @param elapsedNanos  time since the phase started
     */
    void onCheck(String phase, int iteration, int maxIterations, double error, double epsilon, long elapsedNanos);

    /**
     * A one-line decision worth logging (e.g. which kernel memory strategy {@code auto} chose and why). Ignored by
     * default.
     *
     * @param phase   what the note is about, e.g. {@code "kernel"}
     * @param message one line, no trailing period needed
     */
    default void onNote(String phase, String message) {
    }
}
