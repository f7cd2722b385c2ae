package org.chreode.kernels.multistage;

import org.chreode.kernels.linalg.DenseMatrix;
import org.chreode.kernels.linalg.Workers;

/**
 * The stage kernels G_0..G_{T-1} of one Sinkhorn solve. With a prior given by log factors (lx_t, ly_t) (the proximal
 * loop, spec section 9.2) stage t's kernel is exp(-C kappa + lx_t,i + ly_t,j):
 * <ul>
 *   <li>intermediate block, moderate factor ranges (every stage of the plain solve and of short proximal runs):
 *       diag(midRow_t) E diag(midCol_t) with the shared packed kernel E and scaling-domain factors, rebalanced
 *       (midRow e^-c, midCol e^c) so neither over- nor underflows;</li>
 *   <li>intermediate block, wide factor ranges ({@link #logStage}): after many proximal iterations lx_t and ly_t of
 *       one stage span more than the double range (a cell nearly absent from a stage has lx ~ -1000 while its
 *       neighbours have ly ~ +1000, although every entry -C kappa + lx + ly stays &lt;= ~0), so exp(lx), exp(ly)
 *       cannot be stored. Such stages keep the factors in logs and their products are evaluated in the log domain
 *       by {@link org.chreode.kernels.linalg.SymmetricKernel#logMultiply} (bands of the exponent, each with its own shift, all in one
 *       pass over E): exact to rounding for every non-zero entry of E, for any range, with no extra N x N storage.
 *       Entries where E itself underflowed (-C kappa &lt; -745) are dropped as before; there the plan entries of the
 *       published code are below e^-700 as well. The switch happens per stage above {@link #LOG_RANGE}, so the
 *       fast path (one vector per stage and product) and its rounding are unchanged wherever it is safe;</li>
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
    /**
     * Spread (max - min) of lx_t or ly_t above which stage t's intermediate block is evaluated in the log domain.
     * The scaling domain holds e^(+-708); 600 leaves room for the scalings u, v and the kernel entries.
     */
    static final double LOG_RANGE = 600;
    /** Stages t = 1..T-2 whose intermediate block is log-domain; their midRow, midCol are null. */
    final boolean[] logStage;
    /** lx_t, ly_t of the log-domain stages (null elsewhere). */
    final double[][] logRow;
    final double[][] logCol;
    final boolean anyLog;

    private StageOperators(MultistageKernel kernel, double[][] midRow, double[][] midCol, DenseMatrix initial,
                           DenseMatrix[] terminal, boolean hasPrior, boolean[] logStage, double[][] logRow,
                           double[][] logCol) {
        this.kernel = kernel;
        this.logStage = logStage;
        this.logRow = logRow;
        this.logCol = logCol;
        boolean any = false;
        for (boolean b : logStage) {
            any |= b;
        }
        this.anyLog = any;
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
        return new StageOperators(kernel, ones, ones, kernel.initialKernel(null, null), terminal, false,
                new boolean[stagesT], new double[stagesT][], new double[stagesT][]);
    }

    /** Stage kernels exp(-C kappa + lx_t + ly_t) for a prior in log form. */
    static StageOperators withPrior(MultistageKernel kernel, PlanFactors logPrior) {
        int stagesT = logPrior.stages();
        double[][] midRow = new double[stagesT][];
        double[][] midCol = new double[stagesT][];
        DenseMatrix[] terminal = new DenseMatrix[stagesT];
        boolean[] logStage = new boolean[stagesT];
        double[][] logRow = new double[stagesT][];
        double[][] logCol = new double[stagesT][];
        for (int t = 1; t < stagesT; t++) {
            terminal[t] = kernel.terminalKernel(logPrior.row[t], logPrior.toTerminal[t]);
            if (t < stagesT - 1) {
                double[] lx = logPrior.row[t];
                double[] ly = logPrior.toIntermediate[t];
                if (max(lx) - min(lx) > LOG_RANGE || max(ly) - min(ly) > LOG_RANGE) {
                    logStage[t] = true;
                    logRow[t] = lx;
                    logCol[t] = ly;
                } else {
                    double shift = (max(lx) - max(ly)) / 2;
                    midRow[t] = exp(lx, -shift);
                    midCol[t] = exp(ly, shift);
                }
            }
        }
        DenseMatrix initial = kernel.initialKernel(logPrior.row[0], logPrior.toIntermediate[0]);
        return new StageOperators(kernel, midRow, midCol, initial, terminal, true, logStage, logRow, logCol);
    }

    /**
     * Log-domain products of log-domain stages, one pass over E for all: for request k with stage t = stages[k],
     * {@code out[k] = ln(G~_t exp(z[k]))} (rows; G~_t = exp(-C kappa + lx_t + ly_t)) or, if {@code transposed[k]},
     * {@code ln(G~_t^T exp(z[k]))}.
     */
    double[][] logProducts(int[] stages, boolean[] transposed, double[][] z, Workers workers) {
        int count = stages.length;
        int n = kernel.intermediate().size();
        double[][] in = new double[count][n];
        for (int k = 0; k < count; k++) {
            double[] inner = transposed[k] ? logRow[stages[k]] : logCol[stages[k]];
            for (int j = 0; j < n; j++) {
                in[k][j] = inner[j] + z[k][j];
            }
        }
        double[][] out = kernel.intermediate().logMultiply(in, count, workers);
        for (int k = 0; k < count; k++) {
            double[] outer = transposed[k] ? logCol[stages[k]] : logRow[stages[k]];
            for (int i = 0; i < n; i++) {
                out[k][i] += outer[i];
            }
        }
        return out;
    }

    private static double max(double[] a) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : a) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static double min(double[] a) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : a) {
            m = Math.min(m, x);
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
