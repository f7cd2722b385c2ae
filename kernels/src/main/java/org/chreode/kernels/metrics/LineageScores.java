package org.chreode.kernels.metrics;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

import org.chreode.kernels.common.InvalidInputException;

/**
 * Scores fate predictions against clonal (lineage-tracing) truth, as the lineage-tracing benchmarks of the field do
 * (Weinreb et al. 2020; spec {@code anchors.md} §5.5 item 5): an early cell's <em>clonal fate</em> is the fraction
 * of its clone's cells at the last day in each fate,
 * <pre>
 *   c_ik = #{j : clone(j) = clone(i), day(j) = T, type(j) = k} / #{j : clone(j) = clone(i), day(j) = T}
 * </pre>
 * defined for cells i with day(i) &lt; T whose clone has cells at T. Predicted fate probabilities p_ik are compared
 * with c_ik by mean total variation ½·Σ_k |p_ik − c_ik|, dominant-fate accuracy (argmax agrees), and per fate k the
 * Pearson correlation of p_·k with c_·k over the scored cells. Baselines give the numbers a scale: the uniform
 * prediction 1/K, and the {@value #NEIGHBOURS} nearest last-day cells' fates in feature space (a prediction that
 * knows the last day but no dynamics). Pure functions of their arguments.
 *
 * @since 0.1
 */
public final class LineageScores {

    /** Neighbours of the nearest-neighbour baseline: few enough to stay local, enough to give fractions. */
    public static final int NEIGHBOURS = 5;

    private LineageScores() {
    }

    /**
     * Agreement of a fate prediction with clonal fates over the scored cells.
     *
     * @param pearsonPerFate Pearson correlation of predicted and clonal P(fate) per fate column (NaN where either
     *                       side is constant)
     * @param meanPearson    mean of the finite per-fate correlations
     */
    public record Agreement(int cells, double meanTotalVariation, double dominantFateAccuracy, double[] pearsonPerFate,
                            double meanPearson) {
        public Agreement {
            pearsonPerFate = pearsonPerFate.clone();
        }

        @Override
        public double[] pearsonPerFate() {
            return pearsonPerFate.clone();
        }
    }

    /**
     * Clonal fates c_ik (see the class description), N x K in {@code fateLabels} order; rows of cells that are not
     * scored (day ≥ T or no clone mate at T) are NaN.
     *
     * @param lastDay    T, the day whose cells define the fates
     * @param fateLabels the fate columns; every cell of day T must have one of them as its type
     */
    public static double[][] clonalFates(int[] clones, double[] days, String[] types, double lastDay,
                                         String[] fateLabels) {
        int n = clones.length;
        if (days.length != n || types.length != n) {
            throw new InvalidInputException("clones, days and types must have one entry per cell (" + n + ", "
                    + days.length + ", " + types.length + ").");
        }
        int k = fateLabels.length;
        Map<String, Integer> column = new HashMap<>();
        for (int c = 0; c < k; c++) {
            column.put(fateLabels[c], c);
        }
        Map<Integer, double[]> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            if (days[i] != lastDay) {
                continue;
            }
            Integer c = column.get(types[i]);
            if (c == null) {
                throw new InvalidInputException("Cell " + i + " of the last day has type '" + types[i]
                        + "', which is not a fate column (" + String.join(", ", fateLabels) + ").");
            }
            counts.computeIfAbsent(clones[i], x -> new double[k])[c] += 1;
        }
        double[][] out = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] cnt = days[i] < lastDay ? counts.get(clones[i]) : null;
            out[i] = new double[k];
            if (cnt == null) {
                Arrays.fill(out[i], Double.NaN);
                continue;
            }
            double total = Arrays.stream(cnt).sum();
            for (int c = 0; c < k; c++) {
                out[i][c] = cnt[c] / total;
            }
        }
        return out;
    }

    /** Rows with a clonal fate (not NaN), in increasing order. */
    public static int[] scoredRows(double[][] clonal) {
        return IntStream.range(0, clonal.length).filter(i -> clonal[i].length > 0 && !Double.isNaN(clonal[i][0]))
                .toArray();
    }

    /** Compares predicted fate probabilities with clonal fates over {@code rows}. */
    public static Agreement compare(double[][] predicted, double[][] clonal, int[] rows) {
        double tv = FateMetrics.meanTotalVariation(predicted, clonal, rows);
        double accuracy = FateMetrics.dominantFateAccuracy(predicted, clonal, rows);
        int k = rows.length == 0 ? 0 : clonal[rows[0]].length;
        double[] pearson = new double[k];
        double sum = 0;
        int finite = 0;
        for (int c = 0; c < k; c++) {
            double[] p = new double[rows.length];
            double[] q = new double[rows.length];
            for (int j = 0; j < rows.length; j++) {
                p[j] = predicted[rows[j]][c];
                q[j] = clonal[rows[j]][c];
            }
            pearson[c] = FateMetrics.pearson(p, q, null);
            if (Double.isFinite(pearson[c])) {
                sum += pearson[c];
                finite++;
            }
        }
        return new Agreement(rows.length, tv, accuracy, pearson, finite == 0 ? Double.NaN : sum / finite);
    }

    /** The uniform prediction 1/K for every cell. */
    public static double[][] uniform(int cells, int fates) {
        double[][] out = new double[cells][fates];
        for (double[] row : out) {
            Arrays.fill(row, 1.0 / fates);
        }
        return out;
    }

    /**
     * The nearest-neighbour baseline: for each cell i in {@code rows}, the fractions of fates among its
     * {@code neighbours} nearest reference cells (squared Euclidean distance in feature space, ties by index);
     * other rows are left zero.
     *
     * @param references   the cells whose fates are known (the last day's)
     * @param referenceFate fate column of each reference cell, aligned with {@code references}
     */
    public static double[][] nearestNeighbourFates(double[][] features, int[] rows, int[] references,
                                                   int[] referenceFate, int fates, int neighbours) {
        if (references.length != referenceFate.length) {
            throw new InvalidInputException("references and referenceFate differ in length (" + references.length
                    + ", " + referenceFate.length + ").");
        }
        InvalidInputException.requireAtLeast("neighbours", neighbours, 1);
        int m = Math.min(neighbours, references.length);
        double[][] out = new double[features.length][fates];
        double[] dist = new double[references.length];
        Integer[] order = new Integer[references.length];
        for (int i : rows) {
            for (int r = 0; r < references.length; r++) {
                double[] a = features[i];
                double[] b = features[references[r]];
                double s = 0;
                for (int d = 0; d < a.length; d++) {
                    double t = a[d] - b[d];
                    s += t * t;
                }
                dist[r] = s;
                order[r] = r;
            }
            Arrays.sort(order, (x, y) -> {
                int c = Double.compare(dist[x], dist[y]);
                return c != 0 ? c : Integer.compare(x, y);
            });
            for (int j = 0; j < m; j++) {
                out[i][referenceFate[order[j]]] += 1.0 / m;
            }
        }
        return out;
    }
}
