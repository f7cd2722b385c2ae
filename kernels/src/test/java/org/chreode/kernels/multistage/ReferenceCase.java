package org.chreode.kernels.multistage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.snapshot.Role;

/** Loads the shipped MultistageOT inputs and compares results with the shipped reference outputs. */
final class ReferenceCase {

    final String[] ids;
    final double[][] features;
    final Role[] roles;
    final String[] fates;

    static ReferenceCase of(String[] ids, double[][] features, Role[] roles, String[] fates) {
        return new ReferenceCase(ids, features, roles, fates);
    }

    private ReferenceCase(String[] ids, double[][] features, Role[] roles, String[] fates) {
        this.ids = ids;
        this.features = features;
        this.roles = roles;
        this.fates = fates;
    }

    static Path input(String name) {
        return SharedData.data("multistageot/input/" + name);
    }

    static Path reference(String name) {
        return SharedData.data("multistageot/reference_outputs/" + name);
    }

    /** Synthetic 2-D set (with or without the three outliers): fates by row ranges (data README). */
    static ReferenceCase synthetic(String file) {
        return of(SharedData.snapshot(file,
                i -> i <= 91 ? "Fate 1" : i <= 94 ? "Fate 2" : i <= 98 ? "Fate 3" : "Fate 4"));
    }

    /** Inputs with columns cell,x,y,role,fate (uniform sets). */
    static ReferenceCase withFateColumn(String file) {
        return of(SharedData.snapshot(file, null));
    }

    private static ReferenceCase of(org.chreode.kernels.snapshot.SnapshotInput in) {
        return new ReferenceCase(in.cellIds(), in.features(), in.roles(), in.fates());
    }

    /** The plain (no outlier states) problem on this case. */
    MultistageOtProblem problem(int stages, CostNormalization normalization) {
        return new MultistageOtProblem(features, MultistageLayout.of(ids, roles, fates, stages), stages, normalization,
                Double.NaN);
    }

    /** The problem with auxiliary outlier states of cost {@code outlierCost} (NaN: plain). */
    MultistageOtProblem problem(int stages, CostNormalization normalization, double outlierCost) {
        return new MultistageOtProblem(features, MultistageLayout.of(ids, roles, fates, stages), stages, normalization,
                outlierCost);
    }

    MultistageOtResult solveReferenceMode(int stages, double epsilon, double epsilonTarget, double outlierCost,
                                          double tolerance, int checkInterval) {
        MultistageLayout layout = MultistageLayout.of(ids, roles, fates, stages);
        MultistageOtProblem problem = new MultistageOtProblem(features, layout, stages, CostNormalization.REFERENCE,
                outlierCost);
        return new MultistageOtSolver(epsilon, epsilonTarget, tolerance, 1_000_000, checkInterval, true,
                KernelPrecision.FLOAT64, 2).solve(problem, IterationListener.NONE);
    }

    Map<String, Integer> rowOf() {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            m.put(ids[i], i);
        }
        return m;
    }

    /** Max |difference| between our fate columns and a reference fate file (real cells only). */
    double maxFateDifference(MultistageOtResult r, String referenceFile) {
        SharedData.Table t = SharedData.csv(reference(referenceFile));
        Map<String, Integer> row = rowOf();
        double max = 0;
        int compared = 0;
        for (String[] line : t.rows()) {
            Integer i = row.get(line[0]);
            if (i == null) {
                continue;  // auxiliary rows
            }
            for (int c = 1; c < t.header().length; c++) {
                String label = t.header()[c];
                double expected = Double.parseDouble(line[c]);
                double actual;
                if (label.equals("Fate unknown")) {
                    actual = r.pUnknown()[i];
                } else {
                    int k = java.util.Arrays.asList(r.fateLabels()).indexOf(label);
                    actual = r.fateProbabilities()[i][k];
                }
                max = Math.max(max, Math.abs(expected - actual));
                compared++;
            }
        }
        assertEquals(true, compared > 0, "nothing compared");
        return max;
    }

    /** Max |difference| of a per-cell value column (pseudotime, expected_stage, mean_absorption_time). */
    double maxColumnDifference(double[] ours, String referenceFile, String column) {
        SharedData.Table t = SharedData.csv(reference(referenceFile));
        Map<String, Integer> row = rowOf();
        double[] expected = t.doubles(column);
        String[] cells = t.strings("cell");
        double max = 0;
        for (int k = 0; k < cells.length; k++) {
            Integer i = row.get(cells[k]);
            if (i != null) {
                max = Math.max(max, Math.abs(expected[k] - ours[i]));
            }
        }
        return max;
    }
}
