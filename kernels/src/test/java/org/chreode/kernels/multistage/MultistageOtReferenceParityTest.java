package org.chreode.kernels.multistage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Parity with the published MultistageOT code's outputs (shared/data/multistageot/reference_outputs) in
 * reference-parity mode: the published median, start-of-sweep plans and check schedule.
 */
class MultistageOtReferenceParityTest {

    private static final double PARITY = 1e-9;

    @Test
    void syntheticPlainMatchesReference() {
        ReferenceCase c = ReferenceCase.synthetic("synthetic2d_normalized_input.csv");
        MultistageOtResult r = c.solveReferenceMode(10, 0.0125, Double.NaN, Double.NaN, 1e-4, 10);
        String tag = "synthetic2d_T11_eps0.0125_tol1e-4_";
        assertEquals(0.15691906284552382, r.costScale(), 1e-16);
        assertEquals(48, r.totalChecks());
        assertEquals(7.0476523119415715, r.costOfTransport(), 1e-9);
        assertTrue(c.maxFateDifference(r, tag + "fate_probabilities.csv") < PARITY);
        assertEquals(0.0, c.maxColumnDifference(r.pseudotime(), tag + "pseudotime.csv", "pseudotime"), 1e-15);
        assertTrue(c.maxColumnDifference(r.expectedStage(), tag + "expected_stage.csv", "expected_stage") < PARITY);
        assertTrue(c.maxColumnDifference(r.meanAbsorptionTime(), tag + "mean_absorption_time.csv",
                "mean_absorption_time") < 1e-8);
    }

    @Test
    void syntheticTightToleranceMatchesTheUniqueOptimum() {
        ReferenceCase c = ReferenceCase.synthetic("synthetic2d_normalized_input.csv");
        MultistageOtResult r = c.solveReferenceMode(10, 0.0125, Double.NaN, Double.NaN, 1e-12, 1);
        String tag = "synthetic2d_T11_eps0.0125_tol1e-12_";
        assertEquals(1371, r.totalChecks());
        assertEquals(7.049425747410206, r.costOfTransport(), 1e-9);
        assertTrue(c.maxFateDifference(r, tag + "fate_probabilities.csv") < PARITY);
        assertEquals(0.0, c.maxColumnDifference(r.pseudotime(), tag + "pseudotime.csv", "pseudotime"), 1e-15);
    }

    @Test
    void syntheticProximalMatchesReference() {
        ReferenceCase c = ReferenceCase.synthetic("synthetic2d_normalized_input.csv");
        MultistageOtResult r = c.solveReferenceMode(10, 0.0125, 0.006, Double.NaN, 1e-4, 10);
        String tag = "synthetic2d_T11_proximal_eps0.0125to0.006_tol1e-4_";
        assertEquals(0.004166666666666667, r.epsilonEffective(), 1e-18);
        assertEquals(155, r.totalChecks());
        assertEquals(5.051126149617918, r.costOfTransport(), 1e-8);
        assertTrue(c.maxFateDifference(r, tag + "fate_probabilities.csv") < PARITY);
        assertEquals(0.0, c.maxColumnDifference(r.pseudotime(), tag + "pseudotime.csv", "pseudotime"), 1e-15);
        assertTrue(c.maxColumnDifference(r.meanAbsorptionTime(), tag + "mean_absorption_time.csv",
                "mean_absorption_time") < 1e-8);
    }

    @Test
    void auxiliaryOutlierStatesMatchReference() {
        ReferenceCase c = ReferenceCase.synthetic("synthetic2d_outliers_normalized_input.csv");
        MultistageOtResult plain = c.solveReferenceMode(10, 0.0376610292221405, Double.NaN, 0.9, 1e-4, 10);
        assertEquals(0.17361040647664028, plain.costScale(), 1e-16);
        assertEquals(10, plain.totalChecks());
        assertTrue(c.maxFateDifference(plain, "synthetic2d_outliers_aux0.9_T11_eps0.037661_tol1e-4_fate_probabilities.csv")
                < PARITY);

        MultistageOtResult prox = c.solveReferenceMode(10, 0.0376610292221405, 0.0037661029222140503, 0.9, 1e-4, 10);
        assertEquals(9, ((Number) prox.diagnostics().get("proximal_iterations")).intValue());
        assertTrue(c.maxFateDifference(prox, "synthetic2d_outliers_aux0.9_T11_proximal_fate_probabilities.csv")
                < PARITY);
        assertEquals(0.0, c.maxColumnDifference(prox.pseudotime(),
                "synthetic2d_outliers_aux0.9_T11_proximal_pseudotime.csv", "pseudotime"), 1e-15);
        for (int outlier = 105; outlier <= 107; outlier++) {
            assertTrue(prox.pUnknown()[outlier] > 0.9997, "outlier " + outlier + ": " + prox.pUnknown()[outlier]);
        }
    }

    @Test
    void toyOneDimensionalChain() {
        SharedDataToy toy = SharedDataToy.load();
        MultistageOtResult r = toy.c.solveReferenceMode(4, 0.01, Double.NaN, Double.NaN, 1e-8, 1);
        assertEquals(4.0, r.costScale(), 0);
        assertEquals(29, r.totalChecks());
        assertEquals(0.0, toy.c.maxColumnDifference(r.pseudotime(), "toy1d_T5_eps0.01_pseudotime.csv", "pseudotime"),
                1e-15);
    }

    @Test
    void uniformPointsPlainAndProximal() {
        for (int n : new int[] {105, 1000}) {
            ReferenceCase c = ReferenceCase.withFateColumn("uniform2d_N" + n + ".csv");
            String tag = "uniform2d_N" + n + "_T11_eps0.05_tol0.0001";
            MultistageOtResult plain = c.solveReferenceMode(10, 0.05, Double.NaN, Double.NaN, 1e-4, 10);
            assertTrue(c.maxFateDifference(plain, tag + "_fate_probabilities.csv") < PARITY, "N=" + n);
            assertEquals(0.0, c.maxColumnDifference(plain.pseudotime(), tag + "_pseudotime.csv", "pseudotime"), 1e-15);
            MultistageOtResult prox = c.solveReferenceMode(10, 0.05, 0.02, Double.NaN, 1e-4, 10);
            assertTrue(c.maxFateDifference(prox, tag + "_prox0.02_fate_probabilities.csv") < PARITY, "N=" + n);
            assertEquals(0.0, c.maxColumnDifference(prox.pseudotime(), tag + "_prox0.02_pseudotime.csv", "pseudotime"),
                    1e-15);
        }
    }

    /** The README toy: 6 cells on a line, initial 0, terminal 5. */
    private record SharedDataToy(ReferenceCase c) {
        static SharedDataToy load() {
            org.chreode.kernels.SharedData.Table t = org.chreode.kernels.SharedData.csv(
                    ReferenceCase.input("toy1d_input.csv"));
            String[] ids = t.strings("cell");
            double[] x = t.doubles("gene_expression");
            double[][] f = new double[ids.length][];
            org.chreode.kernels.snapshot.Role[] roles = new org.chreode.kernels.snapshot.Role[ids.length];
            String[] fates = new String[ids.length];
            for (int i = 0; i < ids.length; i++) {
                f[i] = new double[] {x[i]};
                roles[i] = i == 0 ? org.chreode.kernels.snapshot.Role.INITIAL
                        : i == ids.length - 1 ? org.chreode.kernels.snapshot.Role.TERMINAL
                        : org.chreode.kernels.snapshot.Role.INTERMEDIATE;
            }
            fates[ids.length - 1] = "end";
            return new SharedDataToy(ReferenceCase.of(ids, f, roles, fates));
        }
    }
}
