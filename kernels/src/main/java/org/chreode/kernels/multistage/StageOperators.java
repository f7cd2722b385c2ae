package org.chreode.kernels.multistage;

import org.chreode.kernels.linalg.DenseMatrix;

/**
 * The stage kernels G_0..G_{T-1} of one Sinkhorn solve. With a prior given by log factors (lx_t, ly_t) (the proximal
 * loop, spec section 9.2) stage t's kernel is exp(-C kappa + lx_t,i + ly_t,j):
 * <ul>
 *   <li>intermediate block: diag(midRow_t) E diag(midCol_t) with the shared packed kernel E and scaling-domain
 *       factors, rebalanced (midRow e^-c, midCol e^c) so neither over- nor underflows;</li>
 *   <li>initial and terminal blocks: small dense matrices with the prior folded into the exponent.</li>
 * </ul>
 * Without a prior the factors are ones and every stage shares the plain kernels.
 */
final class StageOperators {

    final MultistageKernel kernel;
    /** Indexed by stage t = 1..T-2 (entries 0 and T-1 unused). */
    final double[][] midRow;
    final double[][] midCol;
    final DenseMatrix initial;
    /** Indexed by stage t = 1..T-1. */
    final DenseMatrix[] terminal;
    /** Whether the stage kernels carry a proximal prior (cells may then be absent from a stage). */
    final boolean hasPrior;

    private StageOperators(MultistageKernel kernel, double[][] midRow, double[][] midCol, DenseMatrix initial,
                           DenseMatrix[] terminal, boolean hasPrior) {
        this.kernel = kernel;
        this.hasPrior = hasPrior;
        this.midRow = midRow;
        this.midCol = midCol;
        this.initial = initial;
        this.terminal = terminal;
    }

    /** The plain model: G_t = E for every stage. */
    static StageOperators plain(MultistageKernel kernel, int stagesT) {
        int n = kernel.intermediate().size();
        double[][] ones = new double[stagesT][];
        DenseMatrix[] terminal = new DenseMatrix[stagesT];
        DenseMatrix shared = kernel.terminalKernel(null, null);
        double[] one = new double[n];
        java.util.Arrays.fill(one, 1.0);
        for (int t = 1; t < stagesT; t++) {
            ones[t] = one;
            terminal[t] = shared;
        }
        return new StageOperators(kernel, ones, ones, kernel.initialKernel(null, null), terminal, false);
    }

    /** Stage kernels exp(-C kappa + lx_t + ly_t) for a prior in log form. */
    static StageOperators withPrior(MultistageKernel kernel, PlanFactors logPrior) {
        int stagesT = logPrior.stages();
        double[][] midRow = new double[stagesT][];
        double[][] midCol = new double[stagesT][];
        DenseMatrix[] terminal = new DenseMatrix[stagesT];
        for (int t = 1; t < stagesT; t++) {
            terminal[t] = kernel.terminalKernel(logPrior.row[t], logPrior.toTerminal[t]);
            if (t < stagesT - 1) {
                double[] lx = logPrior.row[t];
                double[] ly = logPrior.toIntermediate[t];
                double shift = (max(lx) - max(ly)) / 2;
                midRow[t] = exp(lx, -shift);
                midCol[t] = exp(ly, shift);
            }
        }
        DenseMatrix initial = kernel.initialKernel(logPrior.row[0], logPrior.toIntermediate[0]);
        return new StageOperators(kernel, midRow, midCol, initial, terminal, true);
    }

    private static double max(double[] a) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : a) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static double[] exp(double[] a, double shift) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Math.exp(a[i] + shift);
        }
        return out;
    }
}
