package org.chreode.kernels.lowrank;

import org.chreode.kernels.common.InvalidInputException;

/**
 * A Hidden-Markov OT problem (spec {@code shared/specs/lowrank.md} §5.1, §5.4): point clouds X_1 … X_N of N ≥ 2
 * time points with uniform cell weights a_t = 𝟙/n_t, a latent rank r_t per time point, and what is fixed.
 *
 * <p>Cost between consecutive time points: squared Euclidean, C^{(t,t+1)}_ij = ‖x_i − y_j‖², held in factored form
 * ({@link LowRankGeometry#squaredEuclidean}), so nothing n_t × n_{t+1} is formed.
 *
 * <p>What can be fixed, per time point t (each entry may be null = free):
 * <ul>
 *   <li>{@code proportions[t]}: the latent-type proportions g_t (r_t entries &gt; 0, normalised to sum 1): the exact
 *       marginals of the transitions and the column marginal of Q_t;</li>
 *   <li>{@code fixedLabels[t]}: one label in [0, r_t) per cell: Q_t = one-hot/n_t is frozen (label transfer), and
 *       g_t = the label fractions;</li>
 * </ul>
 * and per pair (t, t+1) {@code warmTransitions[t]}: an r_t × r_{t+1} non-negative matrix used as the initial
 * transition of every solve that touches the pair (scaled onto the current marginals first).
 *
 * <p>Immutable: arrays are copied in and out.
 *
 * @param clouds          N point clouds, n_t × d (same d), finite
 * @param ranks           N latent ranks, 1 ≤ r_t ≤ n_t
 * @param proportions     N entries, each null or r_t weights &gt; 0; null = all free
 * @param fixedLabels     N entries, each null or n_t labels in [0, r_t) using every label; null = none fixed
 * @param warmTransitions N − 1 entries, each null or r_t × r_{t+1} with entries ≥ 0 and a positive sum in every row
 *                        and column; null = no warm start
 * @since 0.1
 */
public record HiddenMarkovOtProblem(double[][][] clouds, int[] ranks, double[][] proportions, int[][] fixedLabels,
                                    double[][][] warmTransitions) {

    public HiddenMarkovOtProblem {
        if (clouds == null || clouds.length < 2) {
            throw new InvalidInputException("HM-OT needs at least two time points (got "
                    + (clouds == null ? 0 : clouds.length) + ").");
        }
        int steps = clouds.length;
        double[][][] cloudCopy = new double[steps][][];
        int dim = -1;
        for (int t = 0; t < steps; t++) {
            if (clouds[t] == null || clouds[t].length == 0) {
                throw new InvalidInputException("Time point " + t + " of the HM-OT problem has no cells.");
            }
            cloudCopy[t] = new double[clouds[t].length][];
            for (int i = 0; i < clouds[t].length; i++) {
                double[] x = clouds[t][i];
                if (x == null || x.length == 0 || (dim >= 0 && x.length != dim)) {
                    throw new InvalidInputException("Cell " + i + " of time point " + t + " has "
                            + (x == null ? 0 : x.length) + " coordinates, expected " + (dim < 0 ? "> 0" : dim) + ".");
                }
                dim = x.length;
                for (double v : x) {
                    if (!Double.isFinite(v)) {
                        throw new InvalidInputException("Cell " + i + " of time point " + t + " has a coordinate "
                                + v + "; all coordinates must be finite.");
                    }
                }
                cloudCopy[t][i] = x.clone();
            }
        }
        clouds = cloudCopy;
        if (ranks == null || ranks.length != steps) {
            throw new InvalidInputException("HM-OT needs one rank per time point: got "
                    + (ranks == null ? 0 : ranks.length) + " ranks for " + steps + " time points.");
        }
        ranks = ranks.clone();
        for (int t = 0; t < steps; t++) {
            if (ranks[t] < 1 || ranks[t] > clouds[t].length) {
                throw InvalidInputException.parameter("rank of time point " + t, ranks[t],
                        "must be between 1 and the number of cells there (" + clouds[t].length + ")");
            }
        }
        proportions = proportions(proportions, ranks);
        fixedLabels = labels(fixedLabels, ranks, clouds);
        warmTransitions = transitions(warmTransitions, ranks);
    }

    /** Only clouds and ranks: fully unsupervised. */
    public static HiddenMarkovOtProblem unsupervised(double[][][] clouds, int[] ranks) {
        return new HiddenMarkovOtProblem(clouds, ranks, null, null, null);
    }

    /** Number of time points N. */
    public int timePoints() {
        return clouds.length;
    }

    /** Cells n_t at time point t. */
    public int cells(int t) {
        return clouds[t].length;
    }

    /** The same problem with these proportions (N entries, each null or r_t weights). */
    public HiddenMarkovOtProblem withProportions(double[][] newProportions) {
        return new HiddenMarkovOtProblem(clouds, ranks, newProportions, fixedLabels, warmTransitions);
    }

    /** The same problem with these frozen labels (N entries, each null or n_t labels). */
    public HiddenMarkovOtProblem withFixedLabels(int[][] newLabels) {
        return new HiddenMarkovOtProblem(clouds, ranks, proportions, newLabels, warmTransitions);
    }

    /** The same problem with these warm-start transitions (N − 1 entries, each null or r_t × r_{t+1}). */
    public HiddenMarkovOtProblem withWarmTransitions(double[][][] newTransitions) {
        return new HiddenMarkovOtProblem(clouds, ranks, proportions, fixedLabels, newTransitions);
    }

    @Override
    public double[][][] clouds() {
        double[][][] out = new double[clouds.length][][];
        for (int t = 0; t < clouds.length; t++) {
            out[t] = LowRankGeometry.deepCopy(clouds[t]);
        }
        return out;
    }

    /** Cloud t without a copy (the caller must not modify it). */
    double[][] cloudRef(int t) {
        return clouds[t];
    }

    @Override
    public int[] ranks() {
        return ranks.clone();
    }

    @Override
    public double[][] proportions() {
        return proportions == null ? null : LowRankGeometry.deepCopy(proportions);
    }

    @Override
    public int[][] fixedLabels() {
        if (fixedLabels == null) {
            return null;
        }
        int[][] out = new int[fixedLabels.length][];
        for (int t = 0; t < out.length; t++) {
            out[t] = fixedLabels[t] == null ? null : fixedLabels[t].clone();
        }
        return out;
    }

    @Override
    public double[][][] warmTransitions() {
        if (warmTransitions == null) {
            return null;
        }
        double[][][] out = new double[warmTransitions.length][][];
        for (int p = 0; p < out.length; p++) {
            out[p] = warmTransitions[p] == null ? null : LowRankGeometry.deepCopy(warmTransitions[p]);
        }
        return out;
    }

    /** Whether Q_t is frozen to given labels. */
    public boolean isFrozen(int t) {
        return fixedLabels != null && fixedLabels[t] != null;
    }

    /** The fixed g_t (sum 1) at time t: from the labels when frozen, else the given proportions, else null. */
    double[] fixedMarginal(int t) {
        if (isFrozen(t)) {
            double[] g = new double[ranks[t]];
            for (int label : fixedLabels[t]) {
                g[label] += 1.0 / fixedLabels[t].length;
            }
            return g;
        }
        return proportions == null || proportions[t] == null ? null : proportions[t].clone();
    }

    int[] labelsRef(int t) {
        return fixedLabels[t];
    }

    double[][] warmTransitionRef(int pair) {
        return warmTransitions == null ? null : warmTransitions[pair];
    }

    private static double[][] proportions(double[][] given, int[] ranks) {
        if (given == null) {
            return null;
        }
        if (given.length != ranks.length) {
            throw new InvalidInputException("HM-OT proportions need one entry (or null) per time point: got "
                    + given.length + " for " + ranks.length + " time points.");
        }
        double[][] out = new double[given.length][];
        for (int t = 0; t < given.length; t++) {
            if (given[t] == null) {
                continue;
            }
            if (given[t].length != ranks[t]) {
                throw new InvalidInputException("The proportions of time point " + t + " have " + given[t].length
                        + " entries but its rank is " + ranks[t] + "; give one proportion per latent type.");
            }
            double s = 0;
            for (int z = 0; z < given[t].length; z++) {
                if (!(given[t][z] > 0) || !Double.isFinite(given[t][z])) {
                    throw new InvalidInputException("Proportion " + z + " of time point " + t + " is " + given[t][z]
                            + "; proportions must be finite and > 0.");
                }
                s += given[t][z];
            }
            out[t] = new double[given[t].length];
            for (int z = 0; z < given[t].length; z++) {
                out[t][z] = given[t][z] / s;
            }
        }
        return out;
    }

    private static int[][] labels(int[][] given, int[] ranks, double[][][] clouds) {
        if (given == null) {
            return null;
        }
        if (given.length != ranks.length) {
            throw new InvalidInputException("HM-OT fixed labels need one entry (or null) per time point: got "
                    + given.length + " for " + ranks.length + " time points.");
        }
        int[][] out = new int[given.length][];
        for (int t = 0; t < given.length; t++) {
            if (given[t] == null) {
                continue;
            }
            if (given[t].length != clouds[t].length) {
                throw new InvalidInputException("Time point " + t + " has " + clouds[t].length + " cells but "
                        + given[t].length + " fixed labels; give one label per cell.");
            }
            boolean[] used = new boolean[ranks[t]];
            for (int i = 0; i < given[t].length; i++) {
                int z = given[t][i];
                if (z < 0 || z >= ranks[t]) {
                    throw new InvalidInputException("Cell " + i + " of time point " + t + " has fixed label " + z
                            + "; labels must be in [0, " + ranks[t] + ") (the rank there).");
                }
                used[z] = true;
            }
            for (int z = 0; z < used.length; z++) {
                if (!used[z]) {
                    throw new InvalidInputException("Latent type " + z + " of time point " + t + " has no cell with"
                            + " that fixed label; the rank there must equal the number of labels used.");
                }
            }
            out[t] = given[t].clone();
        }
        return out;
    }

    private static double[][][] transitions(double[][][] given, int[] ranks) {
        if (given == null) {
            return null;
        }
        if (given.length != ranks.length - 1) {
            throw new InvalidInputException("HM-OT warm-start transitions need one matrix (or null) per consecutive"
                    + " pair: got " + given.length + " for " + (ranks.length - 1) + " pairs.");
        }
        double[][][] out = new double[given.length][][];
        for (int p = 0; p < given.length; p++) {
            double[][] m = given[p];
            if (m == null) {
                continue;
            }
            String name = "warm-start transition " + p + "→" + (p + 1);
            if (m.length != ranks[p]) {
                throw new InvalidInputException("The " + name + " has " + m.length + " rows; expected " + ranks[p]
                        + " (the rank of time point " + p + ").");
            }
            double[] colSums = new double[ranks[p + 1]];
            for (int z = 0; z < m.length; z++) {
                if (m[z] == null || m[z].length != ranks[p + 1]) {
                    throw new InvalidInputException("Row " + z + " of the " + name + " has "
                            + (m[z] == null ? 0 : m[z].length) + " entries; expected " + ranks[p + 1]
                            + " (the rank of time point " + (p + 1) + ").");
                }
                double rowSum = 0;
                for (int l = 0; l < m[z].length; l++) {
                    if (!(m[z][l] >= 0) || !Double.isFinite(m[z][l])) {
                        throw new InvalidInputException("Entry (" + z + ", " + l + ") of the " + name + " is "
                                + m[z][l] + "; entries must be finite and >= 0.");
                    }
                    rowSum += m[z][l];
                    colSums[l] += m[z][l];
                }
                if (rowSum <= 0) {
                    throw new InvalidInputException("Row " + z + " of the " + name + " sums to 0; every latent type"
                            + " needs some outgoing mass.");
                }
            }
            for (int l = 0; l < colSums.length; l++) {
                if (colSums[l] <= 0) {
                    throw new InvalidInputException("Column " + l + " of the " + name + " sums to 0; every latent"
                            + " type needs some incoming mass.");
                }
            }
            out[p] = LowRankGeometry.deepCopy(m);
        }
        return out;
    }
}
