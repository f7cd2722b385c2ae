package org.chreode.partitioning;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.KernelPrecision;

/**
 * How many cells one subset may hold so that its MultistageOT solve fits in memory (STYLE.md section 5 item 13: plans
 * are sized by memory, in the spirit of Spark's {@code maxBlockSizeInMB}). Pure functions of their arguments.
 *
 * <p><b>Memory model</b> of one subset solve with n cells (all roles counted) and T stages, in bytes:
 * <pre>
 *   memory(n) = e · n(n − 1)/2  +  8 · n · (VECTORS_PER_STAGE · T + FIXED_VECTORS)
 * </pre>
 * The first term is the packed symmetric Gibbs kernel (strict lower triangle, as
 * {@code org.chreode.kernels.linalg.PackedSymmetricMatrix} stores it) with e = 8 bytes per entry for float64 and 4
 * for float32; the second is the O(T·n) float64 state of the memory-light sweep (spec multistageot.md sections 11 and
 * 16: potentials, stage sums and work vectors, never the T dense plans).
 *
 * <p><b>Rule.</b> The default partition size is the largest n with memory(n) ≤ budget, where
 * budget = {@link #DEFAULT_BUDGET_FRACTION} · heap. For large n this is n ≈ floor(sqrt(2 · budget / e)); e.g. a
 * 8 GiB heap, float64, T = 10 gives n = 32,720 (sqrt gives 32,768; the vectors take the difference). The remaining
 * half of the heap is left for the JVM, the input coordinates and the partition's output triples.
 *
 * @since 0.1
 */
public final class PartitionSizing {

    /** Fraction of the heap one subset solve may use; the rest covers input, output triples and JVM overhead. */
    public static final double DEFAULT_BUDGET_FRACTION = 0.5;
    /** float64 vectors of length n kept per stage (log potentials u_t and v_t, a stage sum and one work vector). */
    public static final int VECTORS_PER_STAGE = 4;
    /** float64 vectors of length n independent of T (s, initial/terminal duals, coordinates' norms, scratch). */
    public static final int FIXED_VECTORS = 8;
    /** The smallest subset worth solving; a budget that cannot hold it is rejected. */
    public static final int MIN_PARTITION_SIZE = 16;

    private PartitionSizing() {
    }

    /**
     * Bytes of one subset solve with {@code n} cells: see the class comment.
     *
     * @throws InvalidInputException if n &lt; 0, stages &lt; 1 or precision is null
     */
    public static long memoryBytes(long n, int stages, KernelPrecision precision) {
        if (n < 0) {
            throw InvalidInputException.parameter("n", n, "must be >= 0");
        }
        checkStagesAndPrecision(stages, precision);
        long kernel = entryBytes(precision) * (n * (n - 1) / 2);
        long vectors = 8L * n * ((long) VECTORS_PER_STAGE * stages + FIXED_VECTORS);
        return n == 0 ? 0 : kernel + vectors;
    }

    /**
     * The largest n with {@link #memoryBytes memoryBytes(n)} ≤ {@code budgetBytes}.
     *
     * @throws InvalidInputException if the budget holds fewer than {@link #MIN_PARTITION_SIZE} cells
     */
    public static int partitionSizeForBudget(long budgetBytes, int stages, KernelPrecision precision) {
        checkStagesAndPrecision(stages, precision);
        double a = entryBytes(precision);
        double c = 8.0 * ((double) VECTORS_PER_STAGE * stages + FIXED_VECTORS);
        // a/2 n^2 + (c - a/2) n <= B  =>  n = (-(c - a/2) + sqrt((c - a/2)^2 + 2 a B)) / a
        double lin = c - a / 2;
        double estimate = (-lin + Math.sqrt(lin * lin + 2 * a * Math.max(0, budgetBytes))) / a;
        long n = (long) Math.min(Math.floor(estimate), Integer.MAX_VALUE - 1);
        while (n > 0 && memoryBytes(n, stages, precision) > budgetBytes) {
            n--;
        }
        while (n < Integer.MAX_VALUE - 1 && memoryBytes(n + 1, stages, precision) <= budgetBytes) {
            n++;
        }
        if (n < MIN_PARTITION_SIZE) {
            throw new InvalidInputException("A memory budget of " + budgetBytes + " bytes holds only " + n
                    + " cells per subset at " + stages + " stages and " + precision.label() + " kernels; at least "
                    + MIN_PARTITION_SIZE + " are needed (" + memoryBytes(MIN_PARTITION_SIZE, stages, precision)
                    + " bytes): give the executors more memory or use float32 kernels.");
        }
        return (int) n;
    }

    /**
     * Default subset size for a JVM heap of {@code heapBytes} (e.g. {@code Runtime.getRuntime().maxMemory()} or the
     * executor memory): {@link #partitionSizeForBudget} with budget = {@link #DEFAULT_BUDGET_FRACTION} · heap.
     */
    public static int defaultPartitionSize(long heapBytes, int stages, KernelPrecision precision) {
        if (heapBytes <= 0) {
            throw InvalidInputException.parameter("heapBytes", heapBytes, "must be > 0");
        }
        return partitionSizeForBudget((long) (DEFAULT_BUDGET_FRACTION * heapBytes), stages, precision);
    }

    private static long entryBytes(KernelPrecision precision) {
        return precision == KernelPrecision.FLOAT32 ? 4 : 8;
    }

    private static void checkStagesAndPrecision(int stages, KernelPrecision precision) {
        InvalidInputException.requireAtLeast("stages", stages, 1);
        if (precision == null) {
            throw InvalidInputException.parameter("precision", null, "must be float64 or float32");
        }
    }
}
