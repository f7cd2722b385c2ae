package org.chreode.kernels.geometry;

import java.util.Locale;

import org.chreode.kernels.common.InvalidInputException;

/**
 * Storage precision of a stored Gibbs kernel. Accumulation is always in float64; float32 storage halves the memory
 * and the memory traffic of every kernel product at a relative error of about 6e-8 per kernel entry.
 */
public enum KernelPrecision {
    FLOAT64, FLOAT32;

    public static KernelPrecision parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.parameter("kernel-precision", value, "must be float64 or float32");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
