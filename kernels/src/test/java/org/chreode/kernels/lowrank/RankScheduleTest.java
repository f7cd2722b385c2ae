package org.chreode.kernels.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

class RankScheduleTest {

    private static void check(int n, int depth, int maxBase, int maxRank, int... expected) {
        RankSchedule s = RankSchedule.optimal(n, depth, maxBase, maxRank);
        assertArrayEquals(expected, s.ranks(), "schedule for n = " + n);
        long product = 1;
        for (int r : s.ranks()) {
            product *= r;
        }
        assertEquals(n, product);
        assertEquals(n, s.sizeUsed());
    }

    /** The test vectors of spec lowrank.md §4.2 (schedules printed in the reference notebooks). */
    @Test
    void specTestVectors() {
        check(84172, 4, 4096, 11, 2, 11, 3826);
        check(640500, 6, 2048, 64, 7, 50, 1830);
        check(8192, 6, 1024, 1024, 16, 512);
        check(200000, 6, 1024, 1024, 200, 1000);
        check(1024, 6, 50, 50, 32, 32);
        check(10000, 6, 200, 500, 80, 125);
        check(100000, 6, 1000, 1000, 125, 800);
        check(1048576, 6, 2048, 64, 16, 64, 1024);
        check(1024, 6, 128, 16, 16, 64);
        check(4096, 6, 128, 16, 4, 16, 64);
    }

    @Test
    void largePrimeFactorFailsAndNearestFeasibleDropsNothingItCanAvoid() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> RankSchedule.optimal(113350, 6, 1024, 128));
        assertTrue(e.getMessage().contains("2267"), e.getMessage());
        RankSchedule s = RankSchedule.nearestFeasible(113350, 6, 1024, 128);
        assertTrue(s.sizeUsed() < 113350 && s.sizeUsed() >= 113340, "n' = " + s.sizeUsed());
        long product = 1;
        for (int r : s.ranks()) {
            product *= r;
        }
        assertEquals(s.sizeUsed(), product);
        assertEquals(1024, RankSchedule.nearestFeasible(1024, 6, 128, 16).sizeUsed());
    }

    @Test
    void smallSizesAreASingleBaseBlock() {
        assertArrayEquals(new int[] {100}, RankSchedule.optimal(100, 6, 128, 16).ranks());
        assertArrayEquals(new int[] {1}, RankSchedule.optimal(1, 6, 128, 16).ranks());
        assertThrows(InvalidInputException.class, () -> RankSchedule.optimal(0, 6, 128, 16));
        assertThrows(InvalidInputException.class, () -> RankSchedule.optimal(100, 0, 128, 16));
        assertArrayEquals(new int[] {4, 16, 64}, RankSchedule.optimal(4096, 1000, 128, 16).ranks());
    }
}
