package org.chreode.kernels.temporal;

import java.util.Random;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.lowrank.LinearAssignment;

/**
 * Held-out interpolation of a middle time point (WOT {@code optimal_transport_validation}, spec
 * {@code unbalanced_temporal_ot.md} §6.1): for consecutive time points t₀ &lt; t½ &lt; t₁, the coupling P of t₀ → t₁
 * (solved without t½) predicts the t½ cells; the prediction is compared with the observed t½ cells and with
 * baselines.
 *
 * <p>With s = (t½ − t₀)/(t₁ − t₀), source points x_i, target points y_j and k = min(#t½ cells, sampleSize):
 * <ul>
 *   <li><b>I</b> (interpolation): k index pairs (i, j) drawn with probability ∝ P_ij / (Σ_i' P_i'j)^{1−s}
 *       (WOT's correction for growth), point (1−s)·x_i + s·y_j;</li>
 *   <li><b>R</b> (random coupling): i and j uniform and independent (WOT: no growth), same point formula;</li>
 *   <li><b>Rg</b> (growth-weighted random): i with probability ∝ G_i^s (G = the pair's learned growth budget),
 *       j uniform, independent;</li>
 *   <li><b>F</b> / <b>L</b>: the observed t₀ / t₁ cells themselves.</li>
 * </ul>
 * Each cloud is compared with the observed t½ cells by the <b>exact W2 distance between equal-size uniform
 * subsamples</b>: draw k' = min(|A|, |B|, sampleSize) points of each cloud without replacement, solve the
 * assignment problem on the squared-Euclidean cost exactly ({@link LinearAssignment}, Hungarian, O(k'³)), and return
 * sqrt(mean squared distance of the matched pairs). For equal sizes with uniform weights an optimal transport plan is
 * a permutation (Birkhoff), so this equals POT {@code emd2} on the subsamples; WOT instead draws 10,000 interpolated
 * points and uses all observed cells with unequal weights, so values agree only up to subsampling noise.
 *
 * <p><b>Sampling</b>: the k indices are drawn by systematic resampling ({@link #systematic}: k evenly spaced
 * quantiles of the cumulative weights with one random offset) rather than WOT's independent draws, so that each
 * index appears ⌊k w⌋ or ⌈k w⌉ times. Why: with equal-size clouds, the binomial scatter of independent draws between
 * well-separated populations (e.g. two lineages) moves whole points between clusters and dominates W2; systematic
 * draws keep population proportions exact to 1/k. The cells are first sorted along the first principal axis of their
 * cloud ({@link #principalOrder}), so that populations separated along it are contiguous in the cumulative weights
 * and their counts are exact to ±1. For R and Rg the source and target indices are drawn systematically on each side
 * and paired by a random permutation.
 *
 * <p>A good coupling gives I ≪ R (and I ≈ the noise floor between two samples of t½). The I draws use a
 * {@link Random} seeded with {@code seed}, the baselines and subsamples one seeded with {@code seed + 1} (so R, Rg,
 * F and L do not depend on how I was drawn): results are reproducible for a given seed.
 *
 * @since 0.1
 */
public final class InterpolationValidation {

    /** Largest sample per cloud: the Hungarian solve is O(k³); 1000 takes about a second. */
    public static final int DEFAULT_SAMPLE_SIZE = 1000;
    /** Default seed of the sampling. */
    public static final long DEFAULT_SEED = 42L;
    /** Power iterations for the first principal axis that orders the cells before systematic resampling. */
    private static final int POWER_ITERATIONS = 30;

    private final int sampleSize;
    private final long seed;

    /**
     * @param sampleSize at most this many points per cloud, ≥ 2
     * @param seed       seed of the sampling
     */
    public InterpolationValidation(int sampleSize, long seed) {
        this.sampleSize = InvalidInputException.requireAtLeast("validationSize", sampleSize, 2);
        this.seed = seed;
    }

    public int sampleSize() {
        return sampleSize;
    }

    public long seed() {
        return seed;
    }

    /**
     * W2 distances of the clouds I, R, Rg, F, L to the observed middle cells.
     *
     * @param interpolated I
     * @param random       R
     * @param randomGrowth Rg
     * @param first        F
     * @param last         L
     * @param sampleSize   points per cloud in the I, R, Rg comparisons
     */
    public record Distances(double interpolated, double random, double randomGrowth, double first, double last,
                            int sampleSize) implements java.io.Serializable {
    }

    /**
     * @param source   n × d coordinates of the t₀ cells
     * @param middle   h × d coordinates of the observed t½ cells
     * @param target   m × d coordinates of the t₁ cells
     * @param coupling n × m coupling of t₀ → t₁ (any scale)
     * @param growth   n growth budgets G_i ≥ 0 for Rg (e.g. the learned budget; all 1 without growth)
     * @param fraction s ∈ (0, 1)
     */
    public Distances evaluate(double[][] source, double[][] middle, double[][] target, double[][] coupling,
                              double[] growth, double fraction) {
        int n = source.length;
        int m = target.length;
        checkShapes(source, middle, target, coupling.length, coupling.length == 0 ? 0 : coupling[0].length, growth,
                fraction);
        Random rng = new Random(seed);
        int k = Math.min(middle.length, sampleSize);
        // I: pairs ∝ P_ij / colsum_j^{1−s}
        double[] colSums = new double[m];
        for (double[] row : coupling) {
            for (int j = 0; j < m; j++) {
                colSums[j] += row[j];
            }
        }
        int[] rowOrder = principalOrder(source);
        int[] colOrder = principalOrder(target);
        double[] cumulative = new double[n * m];
        double acc = 0;
        for (int a = 0; a < n; a++) {
            int i = rowOrder[a];
            for (int c = 0; c < m; c++) {
                int j = colOrder[c];
                double w = colSums[j] > 0 ? coupling[i][j] / Math.pow(colSums[j], 1 - fraction) : 0.0;
                acc += w;
                cumulative[a * m + c] = acc;
            }
        }
        requireMass(acc);
        int[] pairs = systematic(cumulative, k, rng);
        int[] sampledRows = new int[k];
        int[] sampledColumns = new int[k];
        for (int s = 0; s < k; s++) {
            sampledRows[s] = rowOrder[pairs[s] / m];
            sampledColumns[s] = colOrder[pairs[s] % m];
        }
        return distances(source, middle, target, sampledRows, sampledColumns, growth, fraction, rowOrder, colOrder);
    }

    /**
     * The same distances for a coupling seen as an operator (online tiles, low-rank factors): a stored
     * {@link DenseCoupling} takes the exact path above; otherwise the I pairs are drawn in two systematic stages —
     * k rows ∝ (P v)_i with v_j = colsum_j^{−(1−s)} (one product), then for each drawn row its count of columns
     * ∝ P_ij v_j from that row alone — which samples the same distribution without the n × m array.
     */
    public Distances evaluate(double[][] source, double[][] middle, double[][] target, CouplingOperator coupling,
                              double[] growth, double fraction) {
        if (coupling instanceof DenseCoupling dense) {
            return evaluate(source, middle, target, dense.plan(), growth, fraction);
        }
        int n = source.length;
        int m = target.length;
        checkShapes(source, middle, target, coupling.sourceCount(), coupling.targetCount(), growth, fraction);
        Random rng = new Random(seed);
        int k = Math.min(middle.length, sampleSize);
        double[] colSums = coupling.columnSums();
        double[] v = new double[m];
        for (int j = 0; j < m; j++) {
            v[j] = colSums[j] > 0 ? 1 / Math.pow(colSums[j], 1 - fraction) : 0.0;
        }
        double[] rowWeights = coupling.apply(v);
        int[] rowOrder = principalOrder(source);
        int[] colOrder = principalOrder(target);
        double[] rowCumulative = new double[n];
        double acc = 0;
        for (int a = 0; a < n; a++) {
            acc += Math.max(0.0, rowWeights[rowOrder[a]]);
            rowCumulative[a] = acc;
        }
        requireMass(acc);
        int[] drawnRows = systematic(rowCumulative, k, rng);
        int[] sampledRows = new int[k];
        int[] sampledColumns = new int[k];
        int s = 0;
        while (s < k) {
            int e = s;
            while (e < k && drawnRows[e] == drawnRows[s]) {
                e++;
            }
            int i = rowOrder[drawnRows[s]];
            double[] row = coupling.row(i);
            double[] columnCumulative = new double[m];
            double c = 0;
            for (int q = 0; q < m; q++) {
                int j = colOrder[q];
                c += row[j] * v[j];
                columnCumulative[q] = c;
            }
            int[] columns = systematic(columnCumulative, e - s, rng);
            for (int r = s; r < e; r++) {
                sampledRows[r] = i;
                sampledColumns[r] = colOrder[columns[r - s]];
            }
            s = e;
        }
        return distances(source, middle, target, sampledRows, sampledColumns, growth, fraction, rowOrder, colOrder);
    }

    private static void checkShapes(double[][] source, double[][] middle, double[][] target, int couplingRows,
                                    int couplingColumns, double[] growth, double fraction) {
        int n = source.length;
        int m = target.length;
        if (n == 0 || m == 0 || middle.length == 0) {
            throw new InvalidInputException("Interpolation validation needs cells at all three time points.");
        }
        if (couplingRows != n || couplingColumns != m || growth.length != n) {
            throw new InvalidInputException("The coupling must be " + n + " x " + m + " and the growth must have " + n
                    + " entries.");
        }
        if (!(fraction > 0 && fraction < 1)) {
            throw InvalidInputException.parameter("fraction", fraction, "must lie in (0, 1)");
        }
    }

    private static void requireMass(double total) {
        if (!(total > 0) || !Double.isFinite(total)) {
            throw new InvalidInputException("The coupling has no mass to interpolate (total " + total + ").");
        }
    }

    /** I from the drawn index pairs, then R, Rg, F and L, each against the middle cells. */
    private Distances distances(double[][] source, double[][] middle, double[][] target, int[] sampledRows,
                                int[] sampledColumns, double[] growth, double fraction, int[] rowOrder,
                                int[] colOrder) {
        // The baselines draw from their own stream: R, Rg, F and L do not depend on how I was sampled.
        Random rng = new Random(seed + 1);
        int n = source.length;
        int m = target.length;
        int k = sampledRows.length;
        double[][] interp = new double[k][];
        for (int s = 0; s < k; s++) {
            interp[s] = between(source[sampledRows[s]], target[sampledColumns[s]], fraction);
        }
        double[] uniformSources = new double[n];
        for (int i = 0; i < n; i++) {
            uniformSources[i] = i + 1;
        }
        double[] uniformTargets = new double[m];
        for (int j = 0; j < m; j++) {
            uniformTargets[j] = j + 1;
        }
        int[] rs = systematic(uniformSources, k, rng);
        int[] rt = shuffled(systematic(uniformTargets, k, rng), rng);
        double[][] random = new double[k][];
        for (int s = 0; s < k; s++) {
            random[s] = between(source[rowOrder[rs[s]]], target[colOrder[rt[s]]], fraction);
        }
        double[] growthCumulative = new double[n];
        double g = 0;
        for (int a = 0; a < n; a++) {
            int i = rowOrder[a];
            if (!(growth[i] >= 0) || Double.isInfinite(growth[i])) {
                throw InvalidInputException.parameter("growth[" + i + "]", growth[i], "must be finite and >= 0");
            }
            g += Math.pow(growth[i], fraction);
            growthCumulative[a] = g;
        }
        if (!(g > 0)) {
            throw new InvalidInputException("Every source cell has growth 0; the Rg baseline is undefined.");
        }
        int[] gs = systematic(growthCumulative, k, rng);
        int[] gt = shuffled(systematic(uniformTargets, k, rng), rng);
        double[][] randomGrowth = new double[k][];
        for (int s = 0; s < k; s++) {
            randomGrowth[s] = between(source[rowOrder[gs[s]]], target[colOrder[gt[s]]], fraction);
        }
        double dI = subsampledW2(interp, middle, rng);
        double dR = subsampledW2(random, middle, rng);
        double dRg = subsampledW2(randomGrowth, middle, rng);
        double dF = subsampledW2(source, middle, rng);
        double dL = subsampledW2(target, middle, rng);
        return new Distances(dI, dR, dRg, dF, dL, k);
    }

    /** Exact W2 between min(|a|, |b|, sampleSize) points drawn without replacement from each cloud. */
    public double subsampledW2(double[][] a, double[][] b, Random rng) {
        int k = Math.min(sampleSize, Math.min(a.length, b.length));
        return exactW2(subsample(a, k, rng), subsample(b, k, rng));
    }

    /**
     * Exact W2 between two clouds of equal size k with uniform weights 1/k: sqrt(min over permutations σ of
     * (1/k) Σ_i ‖x_i − y_σ(i)‖²), by {@link LinearAssignment}.
     */
    public static double exactW2(double[][] x, double[][] y) {
        if (x.length != y.length || x.length == 0) {
            throw new InvalidInputException("Exact W2 by assignment needs two non-empty clouds of equal size (got "
                    + x.length + " and " + y.length + ").");
        }
        int k = x.length;
        double[][] cost = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                cost[i][j] = squaredDistance(x[i], y[j]);
            }
        }
        int[] match = LinearAssignment.solve(cost);
        double s = 0;
        for (int i = 0; i < k; i++) {
            s += cost[i][match[i]];
        }
        return Math.sqrt(Math.max(s / k, 0.0));
    }

    private static double squaredDistance(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new InvalidInputException("Points of different dimension: " + x.length + " and " + y.length + ".");
        }
        double s = 0;
        for (int d = 0; d < x.length; d++) {
            double diff = x[d] - y[d];
            s += diff * diff;
        }
        return s;
    }

    private static double[][] subsample(double[][] x, int k, Random rng) {
        if (k == x.length) {
            return x;
        }
        int[] idx = new int[x.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        double[][] out = new double[k][];
        for (int s = 0; s < k; s++) {
            int r = s + rng.nextInt(idx.length - s);
            int t = idx[s];
            idx[s] = idx[r];
            idx[r] = t;
            out[s] = x[idx[s]];
        }
        return out;
    }

    private static double[] between(double[] x, double[] y, double s) {
        double[] p = new double[x.length];
        for (int d = 0; d < p.length; d++) {
            p[d] = (1 - s) * x[d] + s * y[d];
        }
        return p;
    }

    /**
     * Systematic resampling: k indices at the evenly spaced quantiles (s + u₀)/k, s = 0…k−1, of the cumulative
     * weights, with one uniform offset u₀. Index e is drawn ⌊k w_e⌋ or ⌈k w_e⌉ times (w = normalised weights).
     */
    static int[] systematic(double[] cumulative, int k, Random rng) {
        double total = cumulative[cumulative.length - 1];
        double offset = rng.nextDouble();
        int[] out = new int[k];
        int e = 0;
        for (int s = 0; s < k; s++) {
            double u = (s + offset) / k * total;
            while (e < cumulative.length - 1 && cumulative[e] <= u) {
                e++;
            }
            out[s] = e;
        }
        return out;
    }

    /**
     * Cells sorted by their coordinate along the first principal axis of their cloud (power iteration on the
     * covariance, deterministic start), so that nearby cells are contiguous in the cumulative weights.
     */
    static int[] principalOrder(double[][] x) {
        int n = x.length;
        int d = x[0].length;
        double[] mean = new double[d];
        for (double[] row : x) {
            for (int c = 0; c < d; c++) {
                mean[c] += row[c] / n;
            }
        }
        double[] v = new double[d];
        for (int c = 0; c < d; c++) {
            v[c] = 1.0 / Math.sqrt(d) * (1 + 0.01 * c);
        }
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            double[] next = new double[d];
            for (double[] row : x) {
                double dot = 0;
                for (int c = 0; c < d; c++) {
                    dot += (row[c] - mean[c]) * v[c];
                }
                for (int c = 0; c < d; c++) {
                    next[c] += dot * (row[c] - mean[c]);
                }
            }
            double norm = 0;
            for (double t : next) {
                norm += t * t;
            }
            norm = Math.sqrt(norm);
            if (!(norm > 0)) {
                break;
            }
            for (int c = 0; c < d; c++) {
                v[c] = next[c] / norm;
            }
        }
        double[] score = new double[n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < d; c++) {
                score[i] += (x[i][c] - mean[c]) * v[c];
            }
        }
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (p, q) -> Double.compare(score[p], score[q]));
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = idx[i];
        }
        return out;
    }

    private static int[] shuffled(int[] x, Random rng) {
        for (int i = x.length - 1; i > 0; i--) {
            int r = rng.nextInt(i + 1);
            int t = x[i];
            x[i] = x[r];
            x[r] = t;
        }
        return x;
    }
}
