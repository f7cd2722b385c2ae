package org.chreode.kernels.multistage;

import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.SquaredEuclidean;
import org.chreode.kernels.geometry.WeightedSelection;

/**
 * Normalised squared-Euclidean costs of the three MultistageOT blocks (spec multistageot.md sections 3 and 8),
 * computed on demand from the coordinates: nothing N x N is stored.
 *
 * <p>Blocks, with n0, n, nF counting the auxiliary cells when outlier states are on:
 * <ul>
 *   <li>initial: n0 x n1 (n1 = n + 1 with outlier states: the last column is the stage-0 exit to the auxiliary
 *       terminal a_F);</li>
 *   <li>intermediate: n x n, symmetric, the diagonal forbidden (+infinity);</li>
 *   <li>terminal: n x nF.</li>
 * </ul>
 * Auxiliary states (cost Q in normalised units, applied after normalisation): initial rows [C0 | inf (to a) |
 * Q (to a_F)], the auxiliary initial a0 costs Q to everything; intermediate a costs Q to and from every real
 * intermediate; a exits only to a_F (cost Q), real intermediates reach a_F at cost Q.
 *
 * <p>Scale (the divisor): {@code median} over the admissible costs (initial block, off-diagonal intermediate block,
 * terminal block, each once); {@code reference} over the published code's multiset (initial block once, the full
 * intermediate block including its n zero self-distances, the terminal block twice); {@code mean} over the
 * admissible costs; {@code none} = 1.
 */
public final class MultistageCosts implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private final double[][] initial;
    private final double[][] intermediate;
    private final double[][] terminal;
    private final double scale;
    private final double outlierCost;

    /**
     * @param features     coordinates of every input cell
     * @param layout       the cell sets
     * @param normalization how to pick the scale
     * @param outlierCost  Q in normalised units, NaN for no auxiliary states
     */
    public MultistageCosts(double[][] features, MultistageLayout layout, CostNormalization normalization,
                           double outlierCost) {
        this.initial = rows(features, layout.initialRef());
        this.intermediate = rows(features, layout.intermediateRef());
        this.terminal = rows(features, layout.terminalRef());
        this.outlierCost = outlierCost;
        this.scale = scale(normalization);
    }

    private static double[][] rows(double[][] features, int[] index) {
        double[][] out = new double[index.length][];
        for (int i = 0; i < index.length; i++) {
            out[i] = features[index[i]];
        }
        return out;
    }

    private double scale(CostNormalization normalization) {
        if (normalization == CostNormalization.NONE) {
            return 1.0;
        }
        boolean reference = normalization == CostNormalization.REFERENCE;
        WeightedSelection.Source costs = sink -> {
            for (double[] x0 : initial) {
                for (double[] xm : intermediate) {
                    sink.accept(SquaredEuclidean.cost(x0, xm), 1);
                }
            }
            for (int i = 0; i < intermediate.length; i++) {
                for (int j = 0; j < i; j++) {
                    sink.accept(SquaredEuclidean.cost(intermediate[i], intermediate[j]), 2);
                }
                for (double[] xf : terminal) {
                    sink.accept(SquaredEuclidean.cost(intermediate[i], xf), reference ? 2 : 1);
                }
            }
            if (reference) {
                sink.accept(0.0, intermediate.length);
            }
        };
        double value = normalization == CostNormalization.MEAN ? WeightedSelection.mean(costs)
                : WeightedSelection.median(costs);
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new org.chreode.kernels.common.InvalidInputException("The " + normalization.label()
                    + " of the squared distances is " + value + ": the cells' features do not vary (all cells at"
                    + " one point?); use --cost-normalization none or check the feature columns.");
        }
        return value;
    }

    public boolean outlierStates() {
        return !Double.isNaN(outlierCost);
    }

    /** The divisor applied to every squared distance. */
    public double scale() {
        return scale;
    }

    public int initialCount() {
        return initial.length + (outlierStates() ? 1 : 0);
    }

    public int intermediateCount() {
        return intermediate.length + (outlierStates() ? 1 : 0);
    }

    public int terminalCount() {
        return terminal.length + (outlierStates() ? 1 : 0);
    }

    /** Columns of the initial block: intermediates plus, with outlier states, the exit to a_F. */
    public int initialColumns() {
        return intermediateCount() + (outlierStates() ? 1 : 0);
    }

    /** Normalised cost from initial row i to column j of the initial block (+infinity = forbidden). */
    public double initialCost(int i, int j) {
        int n0 = initial.length;
        int n = intermediate.length;
        if (i < n0 && j < n) {
            return SquaredEuclidean.cost(initial[i], intermediate[j]) / scale;
        }
        if (i == n0) {
            return outlierCost;
        }
        return j == n ? Double.POSITIVE_INFINITY : outlierCost;
    }

    /** Normalised cost between intermediates i and j (+infinity on the diagonal). */
    public double intermediateCost(int i, int j) {
        if (i == j) {
            return Double.POSITIVE_INFINITY;
        }
        int n = intermediate.length;
        if (i < n && j < n) {
            return SquaredEuclidean.cost(intermediate[i], intermediate[j]) / scale;
        }
        return outlierCost;
    }

    /** Normalised cost from intermediate i to terminal j. */
    public double terminalCost(int i, int j) {
        int n = intermediate.length;
        int nF = terminal.length;
        if (i < n && j < nF) {
            return SquaredEuclidean.cost(intermediate[i], terminal[j]) / scale;
        }
        if (i < n) {
            return outlierCost;
        }
        return j < nF ? Double.POSITIVE_INFINITY : outlierCost;
    }
}
