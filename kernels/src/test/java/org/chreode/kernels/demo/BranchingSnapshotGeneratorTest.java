package org.chreode.kernels.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.function.Consumer;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.metrics.FateMetrics;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.junit.jupiter.api.Test;

class BranchingSnapshotGeneratorTest {

    private static BranchingSnapshotGenerator.Builder small() {
        return BranchingSnapshotGenerator.builder().cells(1500).fates(3).dim(2).seed(7).futures(30).threads(2);
    }

    @Test
    void sameSeedGivesIdenticalArraysWhateverTheThreadCount() {
        DemoSnapshot a = small().dim(10).threads(1).build().generate();
        DemoSnapshot b = small().dim(10).threads(3).build().generate();
        assertTrue(Arrays.deepEquals(a.input().features(), b.input().features()));
        assertTrue(Arrays.deepEquals(a.trueFateProbabilities(), b.trueFateProbabilities()));
        assertArrayEquals(a.trueProgress(), b.trueProgress());
        assertArrayEquals(a.input().roles(), b.input().roles());
        assertArrayEquals(a.input().fates(), b.input().fates());
        assertArrayEquals(a.input().cellIds(), b.input().cellIds());
    }

    @Test
    void differentSeedGivesDifferentCells() {
        DemoSnapshot a = small().build().generate();
        DemoSnapshot b = small().seed(8).build().generate();
        assertFalse(Arrays.deepEquals(a.input().features(), b.input().features()));
    }

    @Test
    void theSnapshotDoesNotDependOnTheNumberOfFutures() {
        DemoSnapshot a = small().futures(5).build().generate();
        DemoSnapshot b = small().futures(30).build().generate();
        assertTrue(Arrays.deepEquals(a.input().features(), b.input().features()));
        DemoSnapshot none = small().futures(0).build().generate();
        assertTrue(Arrays.deepEquals(a.input().features(), none.input().features()));
        assertArrayEquals(a.input().roles(), none.input().roles());
        assertArrayEquals(a.input().fates(), none.input().fates());
        assertNull(none.trueFateProbabilities());
    }

    @Test
    void shapesIdsAndLabels() {
        DemoSnapshot d = small().fates(10).dim(50).build().generate();
        SnapshotInput in = d.input();
        assertEquals(1500, in.cellCount());
        assertEquals(50, in.dimension());
        assertEquals(50, in.featureNames().length);
        assertEquals("c0", in.cellIds()[0]);
        assertEquals("c1499", in.cellIds()[1499]);
        assertArrayEquals(new String[] {"F1", "F10", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9"},
                d.fateLabels());
        assertEquals(1500, d.trueFateProbabilities().length);
        assertEquals(10, d.trueFateProbabilities()[0].length);
        assertEquals(1500, d.trueProgress().length);
    }

    @Test
    void rolesCountsAndTerminalFates() {
        DemoSnapshot d = small().initialCells(4).terminalCellsPerFate(6).build().generate();
        Role[] roles = d.input().roles();
        String[] fates = d.input().fates();
        int initial = 0;
        int[] terminalPerFate = new int[3];
        for (int i = 0; i < roles.length; i++) {
            if (roles[i] == Role.INITIAL) {
                initial++;
            }
            if (roles[i] == Role.TERMINAL) {
                terminalPerFate[Arrays.asList(d.fateLabels()).indexOf(fates[i])]++;
            } else {
                assertNull(fates[i]);
            }
        }
        assertEquals(4, initial);
        assertArrayEquals(new int[] {6, 6, 6}, terminalPerFate);
    }

    @Test
    void trueFateRowsSumToOneAndTerminalCellsKeepTheirOwnFate() {
        DemoSnapshot d = small().build().generate();
        double ownFate = 0;
        int terminals = 0;
        for (int i = 0; i < d.cellCount(); i++) {
            double[] p = d.trueFateProbabilities()[i];
            assertEquals(1.0, Arrays.stream(p).sum(), 1e-12);
            if (d.input().roles()[i] == Role.TERMINAL) {
                ownFate += p[Arrays.asList(d.fateLabels()).indexOf(d.input().fates()[i])];
                terminals++;
            }
        }
        assertTrue(ownFate / terminals > 0.95, "terminal cells' own fate probability " + ownFate / terminals);
    }

    @Test
    void cellsNearTheStartAreMultipotentAndTheFatesBalanced() {
        DemoSnapshot d = small().build().generate();
        double[] progress = d.trueProgress();
        double early = 0;
        double late = 0;
        int nEarly = 0;
        int nLate = 0;
        double[] mean = new double[3];
        for (int i = 0; i < d.cellCount(); i++) {
            double h = FateMetrics.entropy(d.trueFateProbabilities()[i]);
            if (progress[i] < 0.2) {
                early += h;
                nEarly++;
            } else if (progress[i] > 1.3) {
                late += h;
                nLate++;
            }
            for (int k = 0; k < 3; k++) {
                mean[k] += d.trueFateProbabilities()[i][k] / d.cellCount();
            }
        }
        assertTrue(nEarly > 20 && nLate > 20);
        assertTrue(early / nEarly > 0.7, "mean entropy near the start " + early / nEarly);
        assertTrue(late / nLate < 0.05, "mean entropy near the basins " + late / nLate);
        for (double m : mean) {
            assertEquals(1.0 / 3, m, 0.05);
        }
    }

    @Test
    void initialCellsAreTheLeastAdvanced() {
        DemoSnapshot d = small().build().generate();
        double maxInitial = 0;
        double[] others = new double[d.cellCount()];
        int n = 0;
        for (int i = 0; i < d.cellCount(); i++) {
            if (d.input().roles()[i] == Role.INITIAL) {
                maxInitial = Math.max(maxInitial, d.trueProgress()[i]);
            } else {
                others[n++] = d.trueProgress()[i];
            }
        }
        final double limit = maxInitial;
        assertTrue(Arrays.stream(others, 0, n).allMatch(p -> p >= limit));
    }

    @Test
    void highDimensionalEmbeddingKeepsLatentDistances() {
        DemoSnapshot two = small().dim(2).build().generate();
        DemoSnapshot many = small().dim(30).noise(0).build().generate();
        double[][] a = two.input().features();
        double[][] b = many.input().features();
        for (int i = 0; i < 50; i++) {
            for (int j = 0; j < 50; j++) {
                assertEquals(distance(a[i], a[j]), distance(b[i], b[j]), 1e-9);
            }
        }
    }

    private static double distance(double[] u, double[] v) {
        double s = 0;
        for (int j = 0; j < u.length; j++) {
            s += (u[j] - v[j]) * (u[j] - v[j]);
        }
        return Math.sqrt(s);
    }

    @Test
    void invalidSettingsNameTheParameter() {
        expectInvalid("cells", b -> b.cells(19));
        expectInvalid("cells", b -> b.cells(30).fates(10));
        expectInvalid("fates", b -> b.fates(1));
        expectInvalid("fates", b -> b.fates(BranchingSnapshotGenerator.MAX_FATES + 1));
        expectInvalid("dim", b -> b.dim(1));
        expectInvalid("futures", b -> b.futures(-1));
        expectInvalid("initial-cells", b -> b.initialCells(0));
        expectInvalid("terminal-cells-per-fate", b -> b.terminalCellsPerFate(0));
        expectInvalid("diffusion", b -> b.diffusion(0));
        expectInvalid("noise", b -> b.noise(Double.NaN));
        expectInvalid("time-step", b -> b.timeStep(1));
        expectInvalid("threads", b -> b.threads(0));
    }

    private static void expectInvalid(String parameter, Consumer<BranchingSnapshotGenerator.Builder> change) {
        BranchingSnapshotGenerator.Builder b = BranchingSnapshotGenerator.builder();
        change.accept(b);
        InvalidInputException e = assertThrows(InvalidInputException.class, b::build);
        assertTrue(e.getMessage().contains(parameter + " ="), e.getMessage());
    }
}
