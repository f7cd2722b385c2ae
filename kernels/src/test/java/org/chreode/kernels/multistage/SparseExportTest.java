package org.chreode.kernels.multistage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelPrecision;
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

    /** Fates of the chain built from the exported triples, cell-major. */
    static double[][] chainFates(MultistageOtProblem problem, SparseTransitions sparse) {
        MultistageLayout layout = problem.layout();
        int cells = layout.cellCount();
        int[] cls = new int[cells];
        java.util.Arrays.fill(cls, SparseAbsorbingChain.TRANSIENT);
        int[] term = layout.terminalRef();
        for (int j = 0; j < term.length; j++) {
            cls[term[j]] = layout.terminalFate(j);
        }
        SparseAbsorbingChain.Builder b = SparseAbsorbingChain.builder(cells, cls);
        for (int e = 0; e < sparse.size(); e++) {
            b.add(sparse.rows()[e], sparse.cols()[e], sparse.weights()[e]);
        }
        for (int c = 0; c < cells; c++) {
            if (sparse.droppedMass()[c] > 0) {
                b.addDropped(c, sparse.droppedMass()[c]);
            }
        }
        SparseAbsorbingChain.Absorption a = b.build().absorptionProbabilities();
        double[][] out = new double[cells][layout.fateCount()];
        for (int c = 0; c < cells; c++) {
            for (int k = 0; k < layout.fateCount(); k++) {
                out[c][k] = a.probability(c, k);
            }
        }
        return out;
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
            double[][] fates = chainFates(problem, s.transitions());
            double diff = maxDiff(fates, s.result().fateProbabilities());
            System.out.printf("sparse export k=all target=%s: %d entries, max fate diff %.3e%n", target,
                    s.transitions().size(), diff);
            assertTrue(diff < 1e-10, "max fate difference " + diff);
        }
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
