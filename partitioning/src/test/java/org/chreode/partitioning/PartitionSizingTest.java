package org.chreode.partitioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.KernelPrecision;
import org.junit.jupiter.api.Test;

class PartitionSizingTest {

    private static final long GIB = 1L << 30;

    @Test
    void memoryModelCountsPackedKernelAndStageVectors() {
        // n = 1000, T = 10, float64: 8 * 1000*999/2 + 8 * 1000 * (4*10 + 8)
        assertEquals(3_996_000L + 384_000L, PartitionSizing.memoryBytes(1000, 10, KernelPrecision.FLOAT64));
        assertEquals(1_998_000L + 384_000L, PartitionSizing.memoryBytes(1000, 10, KernelPrecision.FLOAT32));
        assertEquals(0L, PartitionSizing.memoryBytes(0, 10, KernelPrecision.FLOAT64));
    }

    @Test
    void defaultSizeIsLargestFittingN() {
        int n = PartitionSizing.defaultPartitionSize(8 * GIB, 10, KernelPrecision.FLOAT64);
        assertEquals(32_720, n);
        long budget = 4 * GIB;
        assertTrue(PartitionSizing.memoryBytes(n, 10, KernelPrecision.FLOAT64) <= budget);
        assertTrue(PartitionSizing.memoryBytes(n + 1, 10, KernelPrecision.FLOAT64) > budget);
        // close to floor(sqrt(2 budget / 8)) = 32768
        assertEquals(32_768, Math.floor(Math.sqrt(2.0 * budget / 8)), 0);
        assertTrue(Math.abs(n - 32_768) < 0.002 * 32_768);
    }

    @Test
    void float32HoldsAboutSqrtTwoMoreCellsAndStagesCostVectors() {
        int f64 = PartitionSizing.defaultPartitionSize(8 * GIB, 10, KernelPrecision.FLOAT64);
        int f32 = PartitionSizing.defaultPartitionSize(8 * GIB, 10, KernelPrecision.FLOAT32);
        assertEquals(Math.sqrt(2), (double) f32 / f64, 0.01);
        int manyStages = PartitionSizing.defaultPartitionSize(8 * GIB, 200, KernelPrecision.FLOAT64);
        assertTrue(manyStages < f64);
        int big = PartitionSizing.defaultPartitionSize(512 * GIB, 20, KernelPrecision.FLOAT32);
        assertTrue(PartitionSizing.memoryBytes(big, 20, KernelPrecision.FLOAT32) <= 256 * GIB);
        assertTrue(PartitionSizing.memoryBytes(big + 1, 20, KernelPrecision.FLOAT32) > 256 * GIB);
    }

    @Test
    void tinyBudgetIsRejectedWithAdvice() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> PartitionSizing.defaultPartitionSize(4096, 10, KernelPrecision.FLOAT64));
        assertTrue(e.getMessage().contains("float32"), e.getMessage());
        assertThrows(InvalidInputException.class,
                () -> PartitionSizing.defaultPartitionSize(8 * GIB, 0, KernelPrecision.FLOAT64));
        assertThrows(InvalidInputException.class,
                () -> PartitionSizing.defaultPartitionSize(0, 10, KernelPrecision.FLOAT64));
    }
}
