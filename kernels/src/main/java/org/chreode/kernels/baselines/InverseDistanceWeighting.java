package org.chreode.kernels.baselines;

import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;

/**
 * The inverse-distance-weighted (IDW) naive fate predictor of the MultistageOT paper (Methods 6.3.5; spec
 * stationaryot.md §3): relative proximity to the terminal fates, biased by prior fate weights.
 *
 * <p>With x̄₀ the mean of the initial cells, x̄_k the mean of the terminal cells of fate k, prior weights b_k ≥ 0
 * (Σ b_k = 1) and exponent γ ≥ 0,
 * <pre>
 *   d_k(i) = ‖x(i) − x̄_k‖ / ‖x̄₀ − x̄_k‖
 *   r_k(i) = b_k · d_k(i)^(−γ) / Σ_k' b_k' · d_k'(i)^(−γ)
 * </pre>
 * γ = 0 gives r_k ≡ b_k; γ → ∞ gives a one-hot on the nearest fate in normalised distance (among fates with
 * b_k &gt; 0). The weights are evaluated as a softmax of log b_k − γ log d_k, so large γ neither overflows nor
 * underflows. Guard (not in the paper): for γ &gt; 0, a cell exactly at some x̄_k with b_k &gt; 0 (d_k = 0, weight ∞)
 * is assigned one-hot to that fate (the first such in label order); fates with b_k = 0 always get 0. Cost
 * O(N·K·d), parallel over cells.
 *
 * <p>Reference: M. Tronstad, J. Karlsson, J. S. Dahlin, MultistageOT, PNAS (2025), Methods 6.3.5 (γ* = 20).
 *
 * @since 0.1
 */
public final class InverseDistanceWeighting {

    /** The exponent chosen in the MultistageOT paper (Fig. S.3b). */
    public static final double DEFAULT_GAMMA = 20.0;

    private InverseDistanceWeighting() {
    }

    /**
     * Fate probabilities. Immutable: arrays are copied in and out.
     *
     * @param fateLabels        sorted fate labels (column order)
     * @param fateProbabilities N × K in data order
     * @param weights           the prior weights b_k used, normalised to sum 1, in label order
     * @param gamma             the exponent γ
     */
    public record Result(String[] fateLabels, double[][] fateProbabilities, double[] weights, double gamma) {
        public Result {
            fateLabels = fateLabels.clone();
            fateProbabilities = Arrays.stream(fateProbabilities).map(double[]::clone).toArray(double[][]::new);
            weights = weights.clone();
        }

        @Override
        public String[] fateLabels() {
            return fateLabels.clone();
        }

        @Override
        public double[][] fateProbabilities() {
            return Arrays.stream(fateProbabilities).map(double[]::clone).toArray(double[][]::new);
        }

        @Override
        public double[] weights() {
            return weights.clone();
        }
    }

    /**
     * Computes r_k(i) for every cell.
     *
     * @param x       N × d coordinates (e.g. the first 50 PCs), not modified
     * @param roles   per cell; initial cells define x̄₀, terminal cells the fate means
     * @param fates   per cell fate label, read for terminal cells only
     * @param gamma   exponent γ, finite and ≥ 0
     * @param weights prior weight per fate label (any positive scale; normalised to sum 1), or {@code null} for
     *                uniform 1/K
     * @throws InvalidInputException on bad shapes, roles, labels, weights or γ, or when a fate mean coincides with
     *                               the initial mean (the distance ratio is undefined)
     */
    public static Result fit(double[][] x, Role[] roles, String[] fates, double gamma, Map<String, Double> weights) {
        FateLabels labels = FateLabels.of(roles, fates).requireInitialCells("IDW");
        FateLabels.requirePoints(x, roles.length);
        if (!(gamma >= 0) || Double.isInfinite(gamma)) {
            throw InvalidInputException.parameter("gamma", gamma, "must be a finite number >= 0");
        }
        double[] b = priorWeights(labels, weights);
        int k = labels.count();
        int dim = x[0].length;
        double[] initialMean = new double[dim];
        double[][] fateMeans = new double[k][dim];
        int[] fateSizes = new int[k];
        for (int i = 0; i < x.length; i++) {
            if (roles[i] == Role.INITIAL) {
                accumulate(initialMean, x[i]);
            } else if (labels.fateOf(i) >= 0) {
                accumulate(fateMeans[labels.fateOf(i)], x[i]);
                fateSizes[labels.fateOf(i)]++;
            }
        }
        scale(initialMean, 1.0 / labels.initialCount());
        double[] reference = new double[k];
        for (int f = 0; f < k; f++) {
            scale(fateMeans[f], 1.0 / fateSizes[f]);
            reference[f] = distance(initialMean, fateMeans[f]);
            if (!(reference[f] > 0)) {
                throw new InvalidInputException("IDW: the mean of fate '" + labels.label(f) + "' coincides with the"
                        + " mean of the initial cells, so its distance ratio is undefined.");
            }
        }
        double[][] p = new double[x.length][];
        IntStream.range(0, x.length).parallel().forEach(i -> p[i] = cell(x[i], fateMeans, reference, b, gamma));
        return new Result(labels.labels(), p, b, gamma);
    }

    /** r(i) for one cell. */
    private static double[] cell(double[] xi, double[][] fateMeans, double[] reference, double[] b, double gamma) {
        int k = b.length;
        double[] r = new double[k];
        if (gamma == 0) {
            System.arraycopy(b, 0, r, 0, k);
            return r;
        }
        double[] logWeight = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int f = 0; f < k; f++) {
            if (b[f] == 0) {
                logWeight[f] = Double.NEGATIVE_INFINITY;
                continue;
            }
            double d = distance(xi, fateMeans[f]);
            if (d == 0) {                              // guard: exactly at a fate mean
                r[f] = 1.0;
                return r;
            }
            logWeight[f] = Math.log(b[f]) - gamma * Math.log(d / reference[f]);
            max = Math.max(max, logWeight[f]);
        }
        double sum = 0;
        for (int f = 0; f < k; f++) {
            r[f] = Math.exp(logWeight[f] - max);
            sum += r[f];
        }
        for (int f = 0; f < k; f++) {
            r[f] /= sum;
        }
        return r;
    }

    /** b_k in label order, normalised to sum 1; uniform when {@code weights} is null. */
    private static double[] priorWeights(FateLabels labels, Map<String, Double> weights) {
        int k = labels.count();
        double[] b = new double[k];
        if (weights == null) {
            Arrays.fill(b, 1.0 / k);
            return b;
        }
        for (String key : weights.keySet()) {
            if (key == null || Arrays.binarySearch(labels.labels(), key) < 0) {
                throw new InvalidInputException("IDW prior weight given for unknown fate '" + key + "'; the fates are "
                        + Arrays.toString(labels.labels()) + ".");
            }
        }
        double sum = 0;
        for (int f = 0; f < k; f++) {
            Double w = weights.get(labels.label(f));
            if (w == null) {
                throw new InvalidInputException("IDW has no prior weight for fate '" + labels.label(f) + "'.");
            }
            if (!(w >= 0) || w.isInfinite()) {
                throw InvalidInputException.parameter("weight of fate '" + labels.label(f) + "'", w,
                        "must be a finite number >= 0");
            }
            b[f] = w;
            sum += w;
        }
        if (!(sum > 0)) {
            throw new InvalidInputException("IDW prior weights are all zero; at least one fate needs a positive weight.");
        }
        for (int f = 0; f < k; f++) {
            b[f] /= sum;
        }
        return b;
    }

    private static void accumulate(double[] sum, double[] v) {
        for (int c = 0; c < sum.length; c++) {
            sum[c] += v[c];
        }
    }

    private static void scale(double[] v, double factor) {
        for (int c = 0; c < v.length; c++) {
            v[c] *= factor;
        }
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int c = 0; c < a.length; c++) {
            double d = a[c] - b[c];
            s += d * d;
        }
        return Math.sqrt(s);
    }
}
