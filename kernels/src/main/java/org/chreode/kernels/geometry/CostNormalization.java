package org.chreode.kernels.geometry;

import java.util.Locale;

import org.chreode.kernels.common.InvalidInputException;

/**
 * How a squared-Euclidean cost is scaled before the entropic kernel {@code exp(-C/epsilon)} is formed, so that
 * epsilon is expressed in units of a typical cost.
 *
 * <ul>
 *   <li>{@link #MEDIAN}: divide by the median of the admissible costs (each block of the problem once, no
 *       forbidden self-pairs) - the intended math of MultistageOT (spec multistageot.md section 3).</li>
 *   <li>{@link #REFERENCE}: the median exactly as the published MultistageOT code computes it (zero self-distances
 *       included, the intermediate-to-terminal block counted twice) - for parity with its outputs.</li>
 *   <li>{@link #MEAN}: divide by the mean cost (StationaryOT, WOT and moscot convention).</li>
 *   <li>{@link #NONE}: no scaling.</li>
 * </ul>
 */
public enum CostNormalization {
    MEDIAN, REFERENCE, MEAN, NONE;

    public static CostNormalization parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.parameter("cost-normalization", value, "must be one of median, reference, mean, none");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
