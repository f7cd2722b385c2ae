package org.chreode.kernels.markov;

/**
 * Outcome of an iterative linear solve.
 *
 * @param solution         the approximate solution x
 * @param iterations       operator applications performed
 * @param relativeResidual the true residual norm ||b - A x|| / ||b|| of the returned x
 * @param converged        whether relativeResidual met the requested tolerance
 */
public record KrylovResult(double[] solution, int iterations, double relativeResidual, boolean converged) {
}
