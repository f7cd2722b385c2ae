package org.chreode.kernels.common;

/**
 * A solver met NaN, infinity or an underflow to zero that would otherwise poison the result (or, in the
 * published MultistageOT code, loop forever). The message says where it happened and what to change.
 *
 * @since 0.1
 */
public class NumericalInstabilityException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    private final int iteration;
    private final double epsilon;

    public NumericalInstabilityException(String message, int iteration, double epsilon) {
        super(message);
        this.iteration = iteration;
        this.epsilon = epsilon;
    }

    public int iteration() {
        return iteration;
    }

    public double epsilon() {
        return epsilon;
    }
}
