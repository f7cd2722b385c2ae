package org.chreode.kernels.multistage;

/**
 * Per-cell stage summaries from the plans' row and column sums (spec multistageot.md section 10.1): the stage masses
 * mu (intermediate cells) and nu (terminal cells), the expected stage, and the rank-based pseudotime.
 */
final class StageSummaries {

    private StageSummaries() {
    }

    /** mu_t(i) = rowsum(M_t)_i, t = 1..T-1, for the real intermediate cells: realN x (T-1). */
    static double[][] stageMass(StageSums sums, int realN) {
        int steps = sums.rows().length - 1;
        double[][] mu = new double[realN][steps];
        for (int t = 1; t <= steps; t++) {
            for (int i = 0; i < realN; i++) {
                mu[i][t - 1] = sums.rows()[t][i];
            }
        }
        return mu;
    }

    /** nu_t(j) = mass received by terminal j at stage t = 1..T-1, for the real terminal cells: realNF x (T-1). */
    static double[][] terminalMass(StageSums sums, int realNF) {
        int steps = sums.rows().length - 1;
        double[][] nu = new double[realNF][steps];
        for (int t = 1; t <= steps; t++) {
            for (int j = 0; j < realNF; j++) {
                nu[j][t - 1] = sums.terminalColumns()[t][j];
            }
        }
        return nu;
    }

    /** e = sum_t t * m_t / sum_k m_k (normalised first, as the published code does). */
    static double[] expectedStage(double[][] mass) {
        double[] e = new double[mass.length];
        for (int i = 0; i < mass.length; i++) {
            double total = 0;
            for (double m : mass[i]) {
                total += m;
            }
            double sum = 0;
            for (int t = 0; t < mass[i].length; t++) {
                sum += mass[i][t] / total * (t + 1);
            }
            e[i] = sum;
        }
        return e;
    }

    /**
     * Ranks r = 1..m of the concatenated expected stages (intermediate first, then terminal) under a stable sort,
     * divided by m (spec section 10.1: stability reproduces the published ties).
     */
    static double[] rankPseudotime(double[] concatenated) {
        Integer[] order = new Integer[concatenated.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(concatenated[a], concatenated[b]));
        double[] pt = new double[concatenated.length];
        for (int r = 0; r < order.length; r++) {
            pt[order[r]] = (double) (r + 1) / order.length;
        }
        return pt;
    }
}
