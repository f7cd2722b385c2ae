package org.chreode.kernels.geometry;

import java.util.Locale;

import org.chreode.kernels.common.InvalidInputException;

/**
 * Where the intermediate Gibbs kernel E = exp(-C kappa) of a MultistageOT solve lives (CLI {@code --kernel}, run.json
 * {@code kernel_mode}).
 * <ul>
 *   <li>{@code stored}: the strict lower triangle in memory, n(n-1)/2 entries of the kernel precision; each product
 *       reads it once (memory-bound, fastest while it fits).</li>
 *   <li>{@code online}: nothing n x n is held; every product recomputes row tiles from the coordinates (d
 *       multiply-adds and one exp per entry), equal to stored to rounding.</li>
 *   <li>{@code distributed}: the triangle as a grid of tiles on Spark executors, products by broadcast and tree
 *       aggregation (spark-jobs only).</li>
 *   <li>{@code auto}: {@link #resolve}: stored when the packed kernel fits the budget, else online.</li>
 * </ul>
 *
 * @since 0.1
 */
public enum KernelMode {
    AUTO, STORED, ONLINE, DISTRIBUTED;

    /**
     * Fraction of the JVM's max heap (divided among the solves that run at once in it) that a stored kernel may
     * take under {@code auto}; the rest covers the O(T n) vectors, input, outputs and the JVM. The same fraction as
     * the partition sizing.
     */
    public static final double DEFAULT_BUDGET_FRACTION = 0.5;

    public static KernelMode parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw InvalidInputException.parameter("kernel", value, "must be auto, stored, online or distributed");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Bytes of the packed stored kernel of size n: n(n-1)/2 entries of 8 (float64) or 4 (float32) bytes. */
    public static long storedBytes(long n, KernelPrecision precision) {
        return n * (n - 1) / 2 * (precision == KernelPrecision.FLOAT32 ? 4 : 8);
    }

    /** The default budget: {@link #DEFAULT_BUDGET_FRACTION} of {@code maxHeapBytes} per concurrent solve. */
    public static long defaultBudget(long maxHeapBytes, int concurrentSolves) {
        return (long) (DEFAULT_BUDGET_FRACTION * maxHeapBytes / Math.max(1, concurrentSolves));
    }

    /**
     * The mode a solve of an n x n kernel runs in: this mode unless it is {@code auto}, which becomes
     * {@code stored} when {@link #storedBytes storedBytes(n, precision)} &lt;= budgetBytes and {@code online}
     * otherwise.
     */
    public KernelMode resolve(long n, KernelPrecision precision, long budgetBytes) {
        if (this != AUTO) {
            return this;
        }
        return storedBytes(n, precision) <= budgetBytes ? STORED : ONLINE;
    }
}
