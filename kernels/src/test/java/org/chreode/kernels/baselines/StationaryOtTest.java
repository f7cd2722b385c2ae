package org.chreode.kernels.baselines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.snapshot.Role;
import org.junit.jupiter.api.Test;

class StationaryOtTest {

    /** Reference tolerance: statot's 1e-9 would stop at a column error of ~1e-8; run to convergence instead. */
    private static final double TIGHT = 1e-12;

    /** Cells, roles and fates of a MultistageOT input table. */
    record Input(double[][] x, Role[] roles, String[] fates) {
    }

    static Input synthetic() {
        SharedData.Table t = SharedData.csv(SharedData.data("multistageot/input/synthetic2d_normalized_input.csv"));
        String[] raw = t.strings("raw_class");
        String[] fates = new String[raw.length];
        for (int i = 0; i < raw.length; i++) {
            switch (raw[i]) {
                case "5": fates[i] = "Fate 1"; break;
                case "4": fates[i] = "Fate 2"; break;
                case "3": fates[i] = "Fate 3"; break;
                case "2": fates[i] = "Fate 4"; break;
                default: fates[i] = "";
            }
        }
        return new Input(points(t), roles(t), fates);
    }

    static Input uniform1000() {
        SharedData.Table t = SharedData.csv(SharedData.data("multistageot/input/uniform2d_N1000.csv"));
        return new Input(points(t), roles(t), t.strings("fate"));
    }

    static double[][] points(SharedData.Table t) {
        double[] xs = t.doubles("x");
        double[] ys = t.doubles("y");
        double[][] x = new double[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            x[i] = new double[] {xs[i], ys[i]};
        }
        return x;
    }

    static Role[] roles(SharedData.Table t) {
        String[] r = t.strings("role");
        Role[] roles = new Role[r.length];
        for (int i = 0; i < r.length; i++) {
            roles[i] = Role.parse(r[i], String.valueOf(i));
        }
        return roles;
    }

    // ---------------------------------------------------------------- failures

    @Test
    void missingInitialCellsThrow() {
        Input in = synthetic();
        Role[] roles = in.roles().clone();
        for (int i = 0; i < roles.length; i++) {
            if (roles[i] == Role.INITIAL) {
                roles[i] = Role.INTERMEDIATE;
            }
        }
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> StationaryOt.fit(in.x(), roles, in.fates()));
        assertTrue(e.getMessage().contains("needs at least one initial cell"), e.getMessage());
    }

    @Test
    void missingTerminalCellsThrow() {
        Input in = synthetic();
        Role[] roles = in.roles().clone();
        for (int i = 0; i < roles.length; i++) {
            if (roles[i] == Role.TERMINAL) {
                roles[i] = Role.INTERMEDIATE;
            }
        }
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> StationaryOt.fit(in.x(), roles, in.fates()));
        assertTrue(e.getMessage().startsWith("No terminal cells"), e.getMessage());
    }

    @Test
    void terminalWithoutFateThrows() {
        Input in = synthetic();
        String[] fates = in.fates().clone();
        fates[99] = " ";
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> StationaryOt.fit(in.x(), in.roles(), fates));
        assertEquals("Terminal cell at row 99 has no fate label.", e.getMessage());
    }

    @Test
    void invalidParametersThrow() {
        Input in = synthetic();
        assertThrows(InvalidInputException.class, () -> StationaryOt.fit(in.x(), in.roles(), in.fates(), 0, 0.25,
                CostNormalization.MEAN, 1e-9, 100, IterationListener.NONE));
        assertThrows(InvalidInputException.class, () -> StationaryOt.fit(in.x(), in.roles(), in.fates(), 0.1, -1,
                CostNormalization.MEAN, 1e-9, 100, IterationListener.NONE));
        assertThrows(InvalidInputException.class, () -> StationaryOt.fit(in.x(), in.roles(), in.fates(), 0.1, 0.25,
                CostNormalization.REFERENCE, 1e-9, 100, IterationListener.NONE));
        assertThrows(InvalidInputException.class,
                () -> StationaryOt.fit(Arrays.copyOf(in.x(), 10), in.roles(), in.fates()));
        double[][] ragged = in.x().clone();
        ragged[3] = new double[] {1};
        assertThrows(InvalidInputException.class, () -> StationaryOt.fit(ragged, in.roles(), in.fates()));
        assertThrows(InvalidInputException.class,
                () -> StationaryOt.fit(in.x(), in.roles(), Arrays.copyOf(in.fates(), 3)));
    }

    // ---------------------------------------------------------------- pieces

    @Test
    void growthHeuristicGivesTotalMassN() {
        Input in = synthetic();
        double[] mu = StationaryOt.sourceMass(in.roles(), 0.25);
        assertEquals(105.0, Arrays.stream(mu).sum(), 1e-12);
        assertEquals(6.0, mu[0], 1e-12);
        assertEquals(1.0, mu[50]);
        assertEquals(0.0, mu[100]);
    }

    @Test
    void costScaleConventions() {
        double[][] d = StationaryOt.squaredDistances(new double[][] {{0}, {1}, {3}});
        assertEquals((2 * (1 + 9 + 4)) / 9.0, StationaryOt.costScale(d, CostNormalization.MEAN), 1e-15);
        assertEquals(4.0, StationaryOt.costScale(d, CostNormalization.MEDIAN));
        assertEquals(1.0, StationaryOt.costScale(d, CostNormalization.NONE));
        Input in = synthetic();
        assertEquals(0.23340426496833, StationaryOt.costScale(StationaryOt.squaredDistances(in.x()),
                CostNormalization.MEAN), 1e-13);
    }

    // ---------------------------------------------------------------- reference outputs

    @Test
    void synthetic2dEpsilon005MatchesReference() {
        assertMatchesReference(synthetic(), 0.05, "synthetic2d_statot_eps0.05");
    }

    @Test
    void synthetic2dEpsilon012MatchesReference() {
        assertMatchesReference(synthetic(), 0.12, "synthetic2d_statot_eps0.12");
    }

    @Test
    void uniform2dN1000Epsilon005MatchesReference() {
        long start = System.nanoTime();
        assertMatchesReference(uniform1000(), 0.05, "uniform2d_N1000_statot_eps0.05");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 30, "took " + seconds + " s");
    }

    private static void assertMatchesReference(Input in, double epsilon, String run) {
        StationaryOt.Result r = StationaryOt.fit(in.x(), in.roles(), in.fates(), epsilon, 0.25,
                CostNormalization.MEAN, TIGHT, 100_000, IterationListener.NONE);
        Path file = SharedData.data("stationaryot/reference_outputs/" + run + "_fate_probabilities.csv");
        SharedData.Table ref = SharedData.csv(file);
        String[] labels = Arrays.copyOfRange(ref.header(), 1, ref.header().length);
        assertArrayEquals(labels, r.fateLabels());
        double[][] p = r.fateProbabilities();
        assertEquals(ref.rows().size(), p.length);
        for (int k = 0; k < labels.length; k++) {
            double[] expected = ref.doubles(labels[k]);
            for (int i = 0; i < p.length; i++) {
                assertEquals(expected[i], p[i][k], 1e-6, run + " cell " + i + " " + labels[k]);
            }
        }
        for (int i = 0; i < p.length; i++) {
            assertEquals(1.0, Arrays.stream(p[i]).sum(), 1e-12, run + " row sum " + i);
            if (in.roles()[i] == Role.TERMINAL) {
                double[] oneHot = new double[labels.length];
                oneHot[Arrays.asList(labels).indexOf(in.fates()[i])] = 1.0;
                assertArrayEquals(oneHot, p[i]);
            }
        }
        assertTrue(r.convergence().converged(), r.convergence().toString());
        assertTrue((double) r.diagnostics().get("rowMarginalError") <= 1e-7);
        assertTrue((double) r.diagnostics().get("columnMarginalError") <= 1e-7);
        assertEquals(labels.length, ((List<?>) r.diagnostics().get("gmresIterations")).size());
    }
}
