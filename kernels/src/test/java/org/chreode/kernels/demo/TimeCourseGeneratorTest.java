package org.chreode.kernels.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;

/** The simulated lineage-traced time course: sampling, clones, cell types, growth rates, determinism. */
class TimeCourseGeneratorTest {

    private static final TimeCourseGenerator DEFAULTS = TimeCourseGenerator.builder().cellsPerDay(200).seed(3).build();

    @Test
    void samplesTheRequestedCellsPerDayWithoutReplacement() {
        TimeCourse tc = DEFAULTS.generate();
        assertArrayEquals(new double[] {0, 1, 2, 3}, tc.sampleDays());
        for (int t = 0; t < 4; t++) {
            assertEquals(Math.min(200, tc.livingPerDay()[t] / 2), tc.sampledPerDay()[t], "day " + t);
            // a day's sample takes at most half of the living cells
            assertTrue(2 * tc.sampledPerDay()[t] <= tc.livingPerDay()[t], "living " + tc.livingPerDay()[t]);
            final double day = t;
            assertEquals(tc.sampledPerDay()[t], java.util.Arrays.stream(tc.days()).filter(d -> d == day).count());
        }
        assertTrue(tc.cellCount() > 700, "cells " + tc.cellCount());
        assertEquals(tc.cellCount(), new HashSet<>(java.util.List.of(tc.ids())).size());
        assertEquals(DEFAULTS.dim(), tc.features()[0].length);
        // the population grows: sampled cells are removed, yet there are more living cells every day
        for (int t = 1; t < 4; t++) {
            assertTrue(tc.livingPerDay()[t] > tc.livingPerDay()[t - 1] - tc.sampledPerDay()[t - 1]);
        }
    }

    @Test
    void cellTypesFollowTheLandscapeAndClonesSpanDays() {
        TimeCourse tc = DEFAULTS.generate();
        Map<Double, Map<String, Integer>> typesPerDay = new java.util.TreeMap<>();
        Map<Integer, Set<Double>> daysPerClone = new HashMap<>();
        for (int i = 0; i < tc.cellCount(); i++) {
            typesPerDay.computeIfAbsent(tc.days()[i], d -> new HashMap<>()).merge(tc.cellTypes()[i], 1, Integer::sum);
            daysPerClone.computeIfAbsent(tc.clones()[i], c -> new HashSet<>()).add(tc.days()[i]);
            assertTrue(tc.clones()[i] >= 0 && tc.clones()[i] < DEFAULTS.founders());
        }
        // progenitors dominate nothing at the last day, and day 0 still has some; every fate is reached
        int lastProgenitors = typesPerDay.get(3.0).getOrDefault(TimeCourseGenerator.PROGENITOR, 0);
        assertTrue(lastProgenitors < 10, "progenitors on the last day: " + lastProgenitors);
        assertTrue(typesPerDay.get(0.0).getOrDefault(TimeCourseGenerator.PROGENITOR, 0) > 20, typesPerDay.toString());
        for (String fate : new String[] {"F1", "F2", "F3"}) {
            assertTrue(typesPerDay.get(3.0).getOrDefault(fate, 0) > 20, typesPerDay.toString());
        }
        // F1 divides fastest (1.0/day) and F3 slowest (0.5/day): F1 outnumbers F3 at the last day
        assertTrue(typesPerDay.get(3.0).get("F1") > typesPerDay.get(3.0).get("F3"), typesPerDay.toString());
        long spanning = daysPerClone.values().stream().filter(d -> d.contains(0.0) && d.contains(3.0)).count();
        assertTrue(spanning > 20, "clones seen at day 0 and day 3: " + spanning);
    }

    @Test
    void trueGrowthRateIsExpOfTheBranchDivisionRateMinusDeath() {
        TimeCourse tc = TimeCourseGenerator.builder().cellsPerDay(100).seed(5).deathRate(0.1).build().generate();
        Map<String, Double> expected = Map.of(TimeCourseGenerator.PROGENITOR, Math.exp(1.0 - 0.1),
                "F1", Math.exp(1.0 - 0.1), "F2", Math.exp(0.75 - 0.1), "F3", Math.exp(0.5 - 0.1));
        for (int i = 0; i < tc.cellCount(); i++) {
            assertEquals(expected.get(tc.cellTypes()[i]), tc.trueGrowthRates()[i], 1e-12, tc.cellTypes()[i]);
        }
    }

    @Test
    void sameSeedSameCourseOtherSeedOtherCourse() {
        TimeCourse a = DEFAULTS.generate();
        TimeCourse b = DEFAULTS.generate();
        assertArrayEquals(a.clones(), b.clones());
        assertArrayEquals(a.cellTypes(), b.cellTypes());
        for (int i = 0; i < a.cellCount(); i++) {
            assertArrayEquals(a.features()[i], b.features()[i]);
        }
        TimeCourse c = TimeCourseGenerator.builder().cellsPerDay(200).seed(4).build().generate();
        assertTrue(!java.util.Arrays.equals(a.clones(), c.clones()));
    }

    @Test
    void badSettingsNameTheParameter() {
        assertTrue(assertThrows(InvalidInputException.class,
                () -> TimeCourseGenerator.builder().days(0, 2, 1).build()).getMessage().contains("days"));
        assertTrue(assertThrows(InvalidInputException.class,
                () -> TimeCourseGenerator.builder().days(1).build()).getMessage().contains("days"));
        assertTrue(assertThrows(InvalidInputException.class,
                () -> TimeCourseGenerator.builder().cellsPerDay(0).build()).getMessage().contains("cells-per-day"));
        assertTrue(assertThrows(InvalidInputException.class,
                () -> TimeCourseGenerator.builder().deathRate(-1).build()).getMessage().contains("death-rate"));
        assertTrue(assertThrows(InvalidInputException.class,
                () -> TimeCourseGenerator.builder().divisionRates(1, 1).build()).getMessage()
                .contains("division-rates"));
    }
}
