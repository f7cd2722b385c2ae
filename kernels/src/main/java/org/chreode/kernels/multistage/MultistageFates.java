package org.chreode.kernels.multistage;

import org.chreode.kernels.common.NumericalInstabilityException;
import org.chreode.kernels.linalg.Workers;
import org.chreode.kernels.markov.Gmres;
import org.chreode.kernels.markov.KrylovResult;
import org.chreode.kernels.markov.LinearOperator;

/**
 * Fate probabilities and mean absorption times of the MultistageOT Markov chain (spec multistageot.md sections
 * 10.2-10.4) without forming the N x N transition matrix.
 *
 * <p>The chain: initial rows follow M_0, intermediate rows the aggregated plan
 * Magg = sum_{t=1}^{T-2} M_t (+ M_{T-1} on the terminal columns), each row divided by its sum; terminal cells absorb.
 * The intermediate-to-intermediate part is Q = D^-1 [sum_t diag(row_t) E diag(col_t)] (one pass over E for all
 * stages per product), the exits R = D^-1 Magg_term are dense n x nF and aggregated per fate first, so the absorption
 * probabilities solve (I - Q) z_k = r_k with GMRES, one right-hand side per fate (plus the auxiliary fate), and
 * initial rows follow by back-substitution z_0 = D_0^-1 (M_0 z + exits of M_0). Mean absorption time solves
 * (I - Q) m = 1, then m_0 = 1 + D_0^-1 M_0 m.
 */
final class MultistageFates {

    /** Relative residual of every GMRES solve; fate rows then sum to 1 within ~1e-12. */
    static final double DEFAULT_TOLERANCE = 1e-13;
    static final int DEFAULT_RESTART = 60;
    static final int DEFAULT_MAX_ITERATIONS = 3000;

    /**
     * Internal-order results: rows 0..n0-1 initial, n0..n0+n-1 intermediate (aux cells included, last in their
     * groups); columns = fates (+ auxiliary fate last when present).
     */
    record Outcome(double[][] transientFates, double[] transientAbsorptionTime, int[] iterations,
                   double[] residuals) {
    }

    private MultistageFates() {
    }

    static Outcome solve(StageOperators ops, PlanFactors plan, StageSums sums, MultistageLayout layout,
                         boolean aux, Workers workers) {
        int stagesT = plan.stages();
        int last = stagesT - 1;
        int n0 = plan.row[0].length;
        int n = plan.row[1].length;
        int nF = plan.toTerminal[1].length;
        int fates = layout.fateCount();
        int columns = fates + (aux ? 1 : 0);

        double[] rowTotal = new double[n];
        for (int t = 1; t <= last; t++) {
            for (int i = 0; i < n; i++) {
                rowTotal[i] += sums.rows()[t][i];
            }
        }
        for (int i = 0; i < n; i++) {
            if (!(rowTotal[i] > 0)) {
                throw new NumericalInstabilityException("Intermediate cell " + i + " (internal order) carries no"
                        + " transported mass, so its transition row is 0/0; use a larger --epsilon.", 0, Double.NaN);
            }
        }

        // exits: Magg_term (n x nF) aggregated per fate -> rhs[k][i], divided by the row totals
        double[][] rhs = new double[columns][n];
        double[] column = new double[n];
        double[] indicator = new double[nF];
        for (int k = 0; k < columns; k++) {
            for (int j = 0; j < nF; j++) {
                boolean inFate = j < layout.terminalCount() ? layout.terminalFate(j) == k : k == fates;
                indicator[j] = inFate ? 1 : 0;
            }
            for (int t = 1; t <= last; t++) {
                double[] weighted = new double[nF];
                for (int j = 0; j < nF; j++) {
                    weighted[j] = plan.toTerminal[t][j] * indicator[j];
                }
                ops.terminal[t].multiply(weighted, column);
                for (int i = 0; i < n; i++) {
                    rhs[k][i] += plan.row[t][i] * column[i];
                }
            }
            for (int i = 0; i < n; i++) {
                rhs[k][i] /= rowTotal[i];
            }
        }

        LinearOperator identityMinusQ = new TransitionOperator(ops, plan, rowTotal, workers);
        Gmres gmres = new Gmres().withRestart(DEFAULT_RESTART).withTolerance(DEFAULT_TOLERANCE)
                .withMaxIterations(DEFAULT_MAX_ITERATIONS);
        double[][] z = new double[columns][];
        int[] iterations = new int[columns + 1];
        double[] residuals = new double[columns + 1];
        for (int k = 0; k < columns; k++) {
            KrylovResult r = gmres.solve(identityMinusQ, rhs[k], rhs[k].clone());
            z[k] = r.solution();
            iterations[k] = r.iterations();
            residuals[k] = r.relativeResidual();
        }
        double[] onesRhs = new double[n];
        java.util.Arrays.fill(onesRhs, 1.0);
        KrylovResult timeSolve = gmres.solve(identityMinusQ, onesRhs, onesRhs.clone());
        iterations[columns] = timeSolve.iterations();
        residuals[columns] = timeSolve.relativeResidual();

        // back-substitution for initial rows: M_0 = diag(row0) K0 diag(col0), columns = intermediates (+ a_F exit)
        double[] d0 = sums.rows()[0];
        double[][] fatesOut = new double[n0 + n][columns];
        double[] time = new double[n0 + n];
        double[] viaIntermediate = new double[plan.toIntermediate[0].length];
        double[] k0x = new double[n0];
        for (int k = 0; k <= columns; k++) {
            double[] target = k < columns ? z[k] : timeSolve.solution();
            java.util.Arrays.fill(viaIntermediate, 0.0);
            for (int j = 0; j < n; j++) {
                viaIntermediate[j] = plan.toIntermediate[0][j] * target[j];
            }
            if (aux && k == fates) {
                viaIntermediate[n] = plan.toIntermediate[0][n];  // direct exit of M_0 into a_F
            }
            ops.initial.multiply(viaIntermediate, k0x);
            for (int i = 0; i < n0; i++) {
                double value = plan.row[0][i] * k0x[i] / d0[i];
                if (k < columns) {
                    fatesOut[i][k] = value;
                } else {
                    time[i] = 1 + value;
                }
            }
            for (int i = 0; i < n; i++) {
                if (k < columns) {
                    fatesOut[n0 + i][k] = target[i];
                } else {
                    time[n0 + i] = target[i];
                }
            }
        }
        return new Outcome(fatesOut, time, iterations, residuals);
    }

    /**
     * x -&gt; x - D^-1 sum_t a_t * (E (b_t * x)) over the intermediate block, a_t, b_t the plan's full factors; for
     * log-domain stages ({@link StageOperators#logStage}) a_t, b_t are kept as logs and the product is
     * log-stabilised ({@link org.chreode.kernels.linalg.SymmetricKernel#multiplyLogScaled}).
     */
    private static final class TransitionOperator implements LinearOperator {
        private final StageOperators ops;
        private final double[][] rowFactor;
        private final double[][] colFactor;
        private final double[][] logRowFactor;
        private final double[][] logColFactor;
        private final int[] fastStages;
        private final double[] rowTotal;
        private final Workers workers;
        private final int n;

        TransitionOperator(StageOperators ops, PlanFactors plan, double[] rowTotal, Workers workers) {
            this.ops = ops;
            this.rowTotal = rowTotal;
            this.workers = workers;
            int stagesInside = plan.stages() - 2;
            this.n = rowTotal.length;
            int logCount = 0;
            for (int k = 0; k < stagesInside; k++) {
                logCount += ops.logStage[k + 1] ? 1 : 0;
            }
            this.fastStages = new int[stagesInside - logCount];
            this.rowFactor = new double[stagesInside - logCount][n];
            this.colFactor = new double[stagesInside - logCount][n];
            this.logRowFactor = new double[logCount][n];
            this.logColFactor = new double[logCount][n];
            for (int k = 0, c = 0, l = 0; k < stagesInside; k++) {
                if (ops.logStage[k + 1]) {
                    for (int i = 0; i < n; i++) {
                        logRowFactor[l][i] = ops.logRow[k + 1][i] + Math.log(plan.row[k + 1][i]);
                        logColFactor[l][i] = ops.logCol[k + 1][i] + Math.log(plan.toIntermediate[k + 1][i]);
                    }
                    l++;
                } else {
                    for (int i = 0; i < n; i++) {
                        rowFactor[c][i] = ops.midRow[k + 1][i] * plan.row[k + 1][i];
                        colFactor[c][i] = ops.midCol[k + 1][i] * plan.toIntermediate[k + 1][i];
                    }
                    fastStages[c++] = k;
                }
            }
        }

        @Override
        public int dimension() {
            return n;
        }

        @Override
        public void apply(double[] x, double[] y) {
            int fast = rowFactor.length;
            double[][] in = new double[fast][n];
            double[][] out = new double[fast][n];
            for (int k = 0; k < fast; k++) {
                for (int i = 0; i < n; i++) {
                    in[k][i] = colFactor[k][i] * x[i];
                }
            }
            if (fast > 0) {
                ops.kernel.intermediate().multiply(in, out, fast, workers);
            }
            int logCount = logRowFactor.length;
            double[][] logOut = new double[logCount][n];
            if (logCount > 0) {
                double[][] xs = new double[logCount][];
                java.util.Arrays.fill(xs, x);
                ops.kernel.intermediate().multiplyLogScaled(logRowFactor, logColFactor, xs, logOut, logCount, workers);
            }
            for (int i = 0; i < n; i++) {
                double moved = 0;
                for (int k = 0; k < fast; k++) {
                    moved += rowFactor[k][i] * out[k][i];
                }
                for (int k = 0; k < logCount; k++) {
                    moved += logOut[k][i];
                }
                y[i] = x[i] - moved / rowTotal[i];
            }
        }
    }
}
