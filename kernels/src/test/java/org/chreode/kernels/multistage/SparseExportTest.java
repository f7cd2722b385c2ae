package org.chreode.kernels.multistage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.markov.AbsorbingChain;
import org.chreode.kernels.markov.SparseAbsorbingChain;
import org.junit.jupiter.api.Test;

/** The sparse chain export of {@link MultistageOtSolver#solveSparse} against the dense-path fates. */
class SparseExportTest {

    private static MultistageOtProblem problem() {
        return ReferenceCase.withFateColumn("uniform2d_N105.csv").problem(10, CostNormalization.REFERENCE);
    }

    private static MultistageOtSolver solver(double target) {
        return new MultistageOtSolver(0.05, target, 1e-6, 100_000, 10, false, KernelPrecision.FLOAT64, 1);
    }

    /** Fates, P(unknown) (null without outlier states) and mean absorption times of the exported chain. */
    record ChainResult(double[][] fates, double[] pUnknown, double[] times) {
    }

    /**
     * The chain of the exported triples, solved: cells absorb at their terminal fate; with outlier states the
     * auxiliary intermediate is a transient state and the auxiliary terminal the absorbing class K ("unknown").
     */
    static ChainResult chain(MultistageOtProblem problem, SparseTransitions sparse) {
        MultistageLayout layout = problem.layout();
        int cells = layout.cellCount();
        int fates = layout.fateCount();
        int states = sparse.auxiliary() ? cells + 2 : cells;
        int[] cls = new int[states];
        java.util.Arrays.fill(cls, SparseAbsorbingChain.TRANSIENT);
        int[] term = layout.terminalRef();
        for (int j = 0; j < term.length; j++) {
            cls[term[j]] = layout.terminalFate(j);
        }
        if (sparse.auxiliary()) {
            cls[sparse.unknownState()] = fates;
        }
        SparseAbsorbingChain.Builder b = SparseAbsorbingChain.builder(states, cls);
        for (int e = 0; e < sparse.size(); e++) {
            b.add(sparse.rows()[e], sparse.cols()[e], sparse.weights()[e]);
        }
        for (int c = 0; c < sparse.droppedMass().length; c++) {
            if (sparse.droppedMass()[c] > 0) {
                b.addDropped(c, sparse.droppedMass()[c]);
            }
        }
        SparseAbsorbingChain.Absorption a = b.build().absorption(new AbsorbingChain(), IterationListener.NONE, true);
        double[][] out = new double[cells][fates];
        double[] unknown = sparse.auxiliary() ? new double[cells] : null;
        for (int c = 0; c < cells; c++) {
            for (int k = 0; k < fates; k++) {
                out[c][k] = a.probability(c, k);
            }
            if (unknown != null) {
                unknown[c] = a.probability(c, fates);
            }
        }
        return new ChainResult(out, unknown, java.util.Arrays.copyOf(a.meanAbsorptionTimes(), cells));
    }

    /** Fates of the chain built from the exported triples, cell-major. */
    static double[][] chainFates(MultistageOtProblem problem, SparseTransitions sparse) {
        return chain(problem, sparse).fates();
    }

    private static double maxRelativeDiff(double[] p, double[] q) {
        double max = 0;
        for (int c = 0; c < p.length; c++) {
            max = Math.max(max, Math.abs(p[c] - q[c]) / Math.max(1, Math.abs(q[c])));
        }
        return max;
    }

    private static double meanTv(double[][] p, double[][] q) {
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            double tv = 0;
            for (int k = 0; k < p[c].length; k++) {
                tv += Math.abs(p[c][k] - q[c][k]);
            }
            sum += tv / 2;
        }
        return sum / p.length;
    }

    private static double maxDiff(double[][] p, double[][] q) {
        double max = 0;
        for (int c = 0; c < p.length; c++) {
            for (int k = 0; k < p[c].length; k++) {
                max = Math.max(max, Math.abs(p[c][k] - q[c][k]));
            }
        }
        return max;
    }

    @Test
    void allEntriesReproduceDenseFates() {
        for (double target : new double[] {Double.NaN, 0.02}) {
            MultistageOtProblem problem = problem();
            MultistageOtSolver.SparseSolution s = solver(target).solveSparse(problem, IterationListener.NONE,
                    Integer.MAX_VALUE);
            assertEquals(0.0, s.transitions().droppedFraction(), 1e-15);
            ChainResult chain = chain(problem, s.transitions());
            double diff = maxDiff(chain.fates(), s.result().fateProbabilities());
            double timeDiff = maxRelativeDiff(chain.times(), s.result().meanAbsorptionTime());
            System.out.printf("sparse export k=all target=%s: %d entries, max fate diff %.3e, max relative mean"
                    + " absorption time diff %.3e%n", target, s.transitions().size(), diff, timeDiff);
            assertTrue(diff < 1e-10, "max fate difference " + diff);
            assertTrue(timeDiff < 1e-9, "max mean absorption time difference " + timeDiff);
        }
    }

    /**
     * Outlier states (synthetic 2-D set with three outliers, Q = 0.9, the reference workflow's epsilon): with all
     * entries the exported chain (auxiliary intermediate transient, auxiliary terminal absorbing "unknown") gives the
     * dense solve's fates, P(unknown) and mean absorption times.
     */
    @Test
    void allEntriesWithOutlierStatesReproduceDenseFatesAndUnknown() {
        ReferenceCase c = ReferenceCase.synthetic("synthetic2d_outliers_normalized_input.csv");
        MultistageOtProblem problem = c.problem(10, CostNormalization.REFERENCE, 0.9);
        MultistageOtSolver.SparseSolution s = new MultistageOtSolver(0.0376610292221405, Double.NaN, 1e-6, 100_000,
                10, false, KernelPrecision.FLOAT64, 1).solveSparse(problem, IterationListener.NONE, Integer.MAX_VALUE);
        SparseTransitions t = s.transitions();
        assertTrue(t.auxiliary());
        assertEquals(problem.layout().cellCount() + 1, t.rowTotal().length);
        assertEquals(0.0, t.droppedFraction(), 1e-15);
        ChainResult chain = chain(problem, t);
        double diff = maxDiff(chain.fates(), s.result().fateProbabilities());
        double unknownDiff = 0;
        for (int i = 0; i < chain.pUnknown().length; i++) {
            unknownDiff = Math.max(unknownDiff, Math.abs(chain.pUnknown()[i] - s.result().pUnknown()[i]));
        }
        double timeDiff = maxRelativeDiff(chain.times(), s.result().meanAbsorptionTime());
        System.out.printf("sparse export with outlier states, k=all: max fate diff %.3e, max P(unknown) diff %.3e,"
                + " max relative time diff %.3e; P(unknown) of 105..107 = %.5f %.5f %.5f%n", diff, unknownDiff,
                timeDiff, chain.pUnknown()[105], chain.pUnknown()[106], chain.pUnknown()[107]);
        assertTrue(diff < 1e-10, "max fate difference " + diff);
        assertTrue(unknownDiff < 1e-10, "max P(unknown) difference " + unknownDiff);
        assertTrue(timeDiff < 1e-9, "max mean absorption time difference " + timeDiff);
        assertTrue(chain.pUnknown()[106] > 0.5, "outlier 106 should mostly go to the unknown fate");
    }

    @Test
    void topKReportsDroppedMassAndStaysClose() {
        MultistageOtProblem problem = problem();
        for (int k : new int[] {32, 8}) {
            MultistageOtSolver.SparseSolution s = solver(Double.NaN).solveSparse(problem, IterationListener.NONE, k);
            SparseTransitions t = s.transitions();
            double tv = meanTv(chainFates(problem, t), s.result().fateProbabilities());
            System.out.printf("sparse export k=%d: %d entries, dropped mass %.4f (max row %.4f), mean TV %.4f%n", k,
                    t.size(), t.droppedFraction(), t.maxRowDroppedFraction(), tv);
            assertTrue(t.droppedFraction() > 0);
            for (int c = 0; c < t.rowTotal().length; c++) {
                double kept = 0;
                for (int e = 0; e < t.size(); e++) {
                    kept += t.rows()[e] == c ? t.weights()[e] : 0;
                }
                assertEquals(t.rowTotal()[c], kept + t.droppedMass()[c], 1e-12 * Math.max(1, t.rowTotal()[c]));
            }
            assertTrue(tv < (k >= 32 ? 0.01 : 0.1), "mean TV " + tv);
        }
    }
}
