package org.chreode.kernels.multistage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelMode;
import org.chreode.kernels.geometry.KernelPrecision;
import org.junit.jupiter.api.Test;

/**
 * {@code --kernel online} against {@code stored} (same fixed point: the entries come from the same formula, so every
 * output agrees to rounding), and {@code auto}'s choice rule.
 */
class KernelModesTest {

    private static final double TOL = 1e-10;

    private static MultistageOtProblem uniform(String file, CostNormalization normalization) {
        return ReferenceCase.withFateColumn(file).problem(10, normalization);
    }

    private static MultistageOtSolver solver(double epsilon, double target, int threads, KernelMode mode) {
        return solver(epsilon, target, threads, mode, 1e-6);
    }

    private static MultistageOtSolver solver(double epsilon, double target, int threads, KernelMode mode,
                                             double tolerance) {
        return new MultistageOtSolver(epsilon, target, tolerance, 100_000, 10, false, KernelPrecision.FLOAT64,
                threads).withKernelMode(mode, Long.MAX_VALUE);
    }

    private static void assertSameSolution(MultistageOtSolver.Solution stored, MultistageOtSolver.Solution online) {
        MultistageOtResult a = stored.result();
        MultistageOtResult b = online.result();
        assertEquals("stored", a.diagnostics().get("kernel_mode"));
        assertEquals("online", b.diagnostics().get("kernel_mode"));
        assertEquals(a.convergence().iterations(), b.convergence().iterations(), "sweeps");
        for (int c = 0; c < a.fateProbabilities().length; c++) {
            for (int k = 0; k < a.fateProbabilities()[c].length; k++) {
                assertEquals(a.fateProbabilities()[c][k], b.fateProbabilities()[c][k], TOL, "fate of cell " + c);
            }
            assertEquals(a.pseudotime()[c], b.pseudotime()[c], TOL, "pseudotime of cell " + c);
            assertEquals(a.meanAbsorptionTime()[c], b.meanAbsorptionTime()[c], TOL * 100, "absorption of cell " + c);
        }
        assertEquals(a.costOfTransport(), b.costOfTransport(), TOL * Math.abs(a.costOfTransport()));
        for (int t = 0; t < stored.plan().stages(); t++) {
            assertClose(stored.plan().row[t], online.plan().row[t], "plan row factor, stage " + t);
            assertClose(stored.plan().toTerminal[t], online.plan().toTerminal[t], "plan terminal factor, stage " + t);
            assertClose(stored.plan().toIntermediate[t], online.plan().toIntermediate[t],
                    "plan intermediate factor, stage " + t);
        }
        double[][][] ms = stored.densePlans();
        double[][][] mo = online.densePlans();
        for (int t = 0; t < ms.length; t++) {
            for (int i = 0; i < ms[t].length; i++) {
                for (int j = 0; j < ms[t][i].length; j++) {
                    assertEquals(ms[t][i][j], mo[t][i][j], TOL, "plan M_" + t + "[" + i + "][" + j + "]");
                }
            }
        }
    }

    /** Relative agreement of two factor vectors (factors may be large or tiny; null = absent stage). */
    private static void assertClose(double[] a, double[] b, String what) {
        if (a == null || b == null) {
            assertEquals(a == null, b == null, what);
            return;
        }
        for (int i = 0; i < a.length; i++) {
            assertEquals(a[i], b[i], TOL * Math.max(1, Math.abs(a[i])), what + " entry " + i);
        }
    }

    @Test
    void onlineEqualsStoredOnThePlainSolve() {
        MultistageOtProblem p = uniform("uniform2d_N105.csv", CostNormalization.REFERENCE);
        for (int threads : new int[] {1, 2}) {
            assertSameSolution(solver(0.05, Double.NaN, threads, KernelMode.STORED).solveDetailed(p, IterationListener.NONE),
                    solver(0.05, Double.NaN, threads, KernelMode.ONLINE).solveDetailed(p, IterationListener.NONE));
        }
    }

    private static MultistageOtSolver capped(KernelMode mode) {
        return new MultistageOtSolver(0.05, Double.NaN, 1e-12, 10, 5, false, KernelPrecision.FLOAT64, 2)
                .withKernelMode(mode, Long.MAX_VALUE);
    }

    @Test
    void onlineEqualsStoredOnALargerInputWithWorkers() {
        MultistageOtProblem p = uniform("uniform2d_N1000.csv", CostNormalization.MEDIAN);
        // 10 sweeps (short of convergence): the same iterates must come out of both kernels
        MultistageOtSolver.Solution stored = capped(KernelMode.STORED).solveDetailed(p, IterationListener.NONE);
        MultistageOtSolver.Solution online = capped(KernelMode.ONLINE)
                .solveDetailed(p, IterationListener.NONE);
        assertEquals(0L, ((Number) online.result().diagnostics().get("kernel_bytes")).longValue()
                - 8L * p.layout().initialCount() * p.layout().intermediateCount()
                - 8L * p.layout().intermediateCount() * p.layout().terminalCount(),
                "online holds no intermediate entries");
        MultistageOtResult a = stored.result();
        MultistageOtResult b = online.result();
        for (int c = 0; c < a.fateProbabilities().length; c++) {
            for (int k = 0; k < a.fateProbabilities()[c].length; k++) {
                assertEquals(a.fateProbabilities()[c][k], b.fateProbabilities()[c][k], TOL, "fate of cell " + c);
            }
            assertEquals(a.pseudotime()[c], b.pseudotime()[c], TOL, "pseudotime of cell " + c);
        }
    }

    @Test
    void onlineEqualsStoredThroughTheProximalLoopIncludingLogStages() {
        MultistageOtProblem p = uniform("uniform2d_N105.csv", CostNormalization.REFERENCE);
        // 0.05 -> 0.005: nine proximal solves, whose accumulated priors push some stages into the log domain
        MultistageOtSolver.Solution stored = solver(0.05, 0.005, 1, KernelMode.STORED, 1e-4)
                .solveDetailed(p, IterationListener.NONE);
        MultistageOtSolver.Solution online = solver(0.05, 0.005, 1, KernelMode.ONLINE, 1e-4)
                .solveDetailed(p, IterationListener.NONE);
        assertTrue(((Number) stored.result().diagnostics().get("proximal_iterations")).intValue() >= 9);
        boolean anyLog = false;
        for (boolean b : stored.operators().logStage) {
            anyLog |= b;
        }
        assertTrue(anyLog, "the case should exercise log-domain stages");
        assertSameSolution(stored, online);
    }

    @Test
    void onlineSparseExportEqualsStored() {
        MultistageOtProblem p = uniform("uniform2d_N105.csv", CostNormalization.REFERENCE);
        SparseTransitions a = solver(0.05, 0.02, 1, KernelMode.STORED, 1e-4).solveSparse(p, IterationListener.NONE, 8)
                .transitions();
        SparseTransitions b = solver(0.05, 0.02, 1, KernelMode.ONLINE, 1e-4).solveSparse(p, IterationListener.NONE, 8)
                .transitions();
        assertEquals(a.size(), b.size());
        for (int e = 0; e < a.size(); e++) {
            assertEquals(a.rows()[e], b.rows()[e]);
            assertEquals(a.cols()[e], b.cols()[e]);
            assertEquals(a.weights()[e], b.weights()[e], TOL * Math.max(1, a.weights()[e]));
        }
        for (int c = 0; c < a.droppedMass().length; c++) {
            assertEquals(a.droppedMass()[c], b.droppedMass()[c], TOL);
        }
    }

    @Test
    void autoStoresWhatFitsTheBudgetAndRecomputesTheRest() {
        // 1000 x 1000 float64: 499,500 entries = 3,996,000 bytes
        assertEquals(3_996_000L, KernelMode.storedBytes(1000, KernelPrecision.FLOAT64));
        assertEquals(1_998_000L, KernelMode.storedBytes(1000, KernelPrecision.FLOAT32));
        assertEquals(KernelMode.STORED, KernelMode.AUTO.resolve(1000, KernelPrecision.FLOAT64, 3_996_000L));
        assertEquals(KernelMode.ONLINE, KernelMode.AUTO.resolve(1000, KernelPrecision.FLOAT64, 3_995_999L));
        assertEquals(KernelMode.STORED, KernelMode.AUTO.resolve(1000, KernelPrecision.FLOAT32, 3_995_999L));
        assertEquals(KernelMode.ONLINE, KernelMode.ONLINE.resolve(10, KernelPrecision.FLOAT64, Long.MAX_VALUE));
        assertEquals(KernelMode.STORED, KernelMode.STORED.resolve(100_000, KernelPrecision.FLOAT64, 1));
        // half the heap, shared by the solves that run at once
        assertEquals(1L << 30, KernelMode.defaultBudget(8L << 30, 4));
        assertEquals(4L << 30, KernelMode.defaultBudget(8L << 30, 1));

        MultistageOtProblem p = uniform("uniform2d_N105.csv", CostNormalization.REFERENCE);
        int n = p.layout().intermediateCount();
        long need = KernelMode.storedBytes(n, KernelPrecision.FLOAT64);
        List<String> notes = new ArrayList<>();
        IterationListener listener = new IterationListener() {
            @Override
            public void onCheck(String phase, int iteration, int max, double error, double eps, long nanos) {
            }

            @Override
            public void onNote(String phase, String message) {
                notes.add(phase + ": " + message);
            }
        };
        MultistageOtSolver base = new MultistageOtSolver(0.05, Double.NaN, 1e-6, 100_000, 10, false,
                KernelPrecision.FLOAT64, 1);
        MultistageOtResult fits = base.withKernelMode(KernelMode.AUTO, need).solve(p, listener);
        MultistageOtResult tooBig = base.withKernelMode(KernelMode.AUTO, need - 1).solve(p, listener);
        assertEquals("stored", fits.diagnostics().get("kernel_mode"));
        assertEquals("auto", fits.diagnostics().get("kernel_mode_requested"));
        assertEquals("online", tooBig.diagnostics().get("kernel_mode"));
        assertEquals(need, ((Number) tooBig.diagnostics().get("kernel_stored_bytes_needed")).longValue());
        assertEquals(2, notes.size());
        assertTrue(notes.get(0).startsWith("kernel: --kernel auto chose stored"), notes.get(0));
        assertTrue(notes.get(1).startsWith("kernel: --kernel auto chose online"), notes.get(1));
        assertTrue(notes.get(1).contains("exceeds the budget"), notes.get(1));
    }

    @Test
    void badKernelSettingsAreRejectedByName() {
        InvalidInputException parse = assertThrows(InvalidInputException.class, () -> KernelMode.parse("dense"));
        assertTrue(parse.getMessage().contains("kernel"), parse.getMessage());
        MultistageOtProblem p = uniform("uniform2d_N105.csv", CostNormalization.REFERENCE);
        InvalidInputException distributed = assertThrows(InvalidInputException.class,
                () -> solver(0.05, Double.NaN, 1, KernelMode.DISTRIBUTED).solve(p, IterationListener.NONE));
        assertTrue(distributed.getMessage().contains("needs Spark"), distributed.getMessage());
        assertThrows(InvalidInputException.class, () -> solver(0.05, Double.NaN, 1, KernelMode.AUTO)
                .withKernelMode(KernelMode.AUTO, 0));
    }
}
