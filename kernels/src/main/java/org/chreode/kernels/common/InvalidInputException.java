package org.chreode.kernels.common;

/**
 * Bad user input or parameter: the message names the parameter, column or cell and the rule it breaks, in one
 * sentence that a user can act on. Thrown at the boundary, before any expensive work.
 *
 * @since 0.1
 */
public class InvalidInputException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    /** {@code parameter} = {@code value} breaks {@code rule}, e.g. ("epsilon", -1, "must be > 0"). */
    public static InvalidInputException parameter(String parameter, Object value, String rule) {
        return new InvalidInputException("Invalid " + parameter + " = " + value + ": " + rule + ".");
    }

    /** Checks {@code value > 0} and finite. */
    public static double requirePositive(String parameter, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw parameter(parameter, value, "must be a finite number > 0");
        }
        return value;
    }

    /** Checks {@code value >= min}. */
    public static int requireAtLeast(String parameter, int value, int min) {
        if (value < min) {
            throw parameter(parameter, value, "must be >= " + min);
        }
        return value;
    }
}
