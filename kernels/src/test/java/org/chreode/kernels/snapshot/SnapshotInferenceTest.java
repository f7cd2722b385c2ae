package org.chreode.kernels.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.junit.jupiter.api.Test;

/** The facade: method dispatch, potency, validation. */
class SnapshotInferenceTest {

    /** uniform2d_N1000 with its roles and fates. */
    private static SnapshotInput uniform1000() {
        return SharedData.snapshot("uniform2d_N1000.csv", null);
    }

    @Test
    void stationaryMethodMatchesTheStatotReference() {
        SnapshotResult r = SnapshotInference.run(uniform1000(), SnapshotSettings.builder().method(Method.STATIONARY)
                .epsilon(0.05).costNormalization(CostNormalization.MEAN).tolerance(1e-12).maxIterations(100_000)
                .build(), IterationListener.NONE);
        SharedData.Table ref = SharedData.csv(SharedData.data(
                "stationaryot/reference_outputs/uniform2d_N1000_statot_eps0.05_fate_probabilities.csv"));
        assertEquals(Arrays.asList("A", "B", "C"), Arrays.asList(r.fateLabels()));
        double max = 0;
        for (int k = 0; k < 3; k++) {
            double[] expected = ref.doubles(r.fateLabels()[k]);
            for (int i = 0; i < expected.length; i++) {
                max = Math.max(max, Math.abs(expected[i] - r.fateProbabilities()[i][k]));
            }
        }
        assertTrue(max < 1e-6, "max difference " + max);
        assertTrue(Double.isNaN(r.pseudotime()[0]), "StationaryOT has no pseudotime");
        assertNull(r.pUnknown());
        assertEquals("stationary", r.diagnostics().get("method"));
    }

    @Test
    void multistagePotencyIsTheEntropyOfTheFates() {
        SnapshotResult r = SnapshotInference.run(uniform1000(), SnapshotSettings.builder().build(),
                IterationListener.NONE);
        for (int i = 0; i < r.cellCount(); i++) {
            double h = 0;
            double sum = 0;
            for (double p : r.fateProbabilities()[i]) {
                sum += p;
                h -= p > 0 ? p * Math.log(p) : 0;
            }
            assertEquals(1.0, sum, 1e-10);
            assertEquals(h, r.potency()[i], 1e-12);
            if (r.roles()[i] == Role.TERMINAL) {
                assertEquals(0.0, r.potency()[i], 0.0);
                assertTrue(r.pseudotime()[i] > 0);
            }
            if (r.roles()[i] == Role.INITIAL) {
                assertEquals(0.0, r.pseudotime()[i], 0.0);
            }
        }
    }

    @Test
    void idwMethodGivesRowsThatSumToOne() {
        SnapshotResult r = SnapshotInference.run(uniform1000(), SnapshotSettings.builder().method(Method.IDW)
                .idwGamma(5).build(), IterationListener.NONE);
        for (double[] row : r.fateProbabilities()) {
            assertEquals(1.0, Arrays.stream(row).sum(), 1e-12);
        }
        assertEquals("idw", r.diagnostics().get("method"));
    }

    @Test
    void invalidInputsNameTheCellOrColumn() {
        SnapshotInput good = uniform1000();
        double[][] nan = good.features().clone();
        nan[5] = new double[] {Double.NaN, 0};
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> SnapshotInference.run(
                new SnapshotInput(good.cellIds(), nan, good.roles(), good.fates(), good.featureNames()),
                SnapshotSettings.builder().build(), IterationListener.NONE));
        assertTrue(e.getMessage().contains("'" + good.cellIds()[5] + "'") && e.getMessage().contains("'x'"),
                e.getMessage());
        String[] ids = good.cellIds().clone();
        ids[9] = ids[3];
        e = assertThrows(InvalidInputException.class, () -> SnapshotInference.run(
                new SnapshotInput(ids, good.features(), good.roles(), good.fates(), good.featureNames()),
                SnapshotSettings.builder().build(), IterationListener.NONE));
        assertTrue(e.getMessage().contains("Duplicate cell id '" + ids[3] + "'"), e.getMessage());
        assertThrows(InvalidInputException.class, () -> SnapshotSettings.builder().epsilon(-1).build());
        assertThrows(InvalidInputException.class, () -> SnapshotSettings.builder().epsilonTarget(0.1).build());
    }
}
