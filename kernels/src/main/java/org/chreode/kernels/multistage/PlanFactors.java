package org.chreode.kernels.multistage;

/**
 * Outer-product factors of the per-stage plans of MultistageOT: plan t is diag(row[t]) G_t diag(col[t]) with G_t
 * the stage kernel of {@link StageOperators} (spec multistageot.md section 9.2): row[0] = u_0, row[t] = u_t s,
 * toIntermediate[t] = v_{t+1}, toTerminal[t] = v_T. The same shape, in logs, holds the accumulated prior of the
 * proximal loop.
 *
 * <p>Lengths: {@code row[0]} n0, {@code row[t]} n (t &gt;= 1); {@code toIntermediate[0]} n1 (initial block columns),
 * {@code toIntermediate[t]} n for t = 1..T-2 and null for T-1; {@code toTerminal[0]} null, {@code toTerminal[t]} nF
 * for t &gt;= 1. Arrays are owned by this object (package-private, mutable for in-place updates).
 */
final class PlanFactors {
    final double[][] row;
    final double[][] toIntermediate;
    final double[][] toTerminal;

    private PlanFactors(int stagesT) {
        row = new double[stagesT][];
        toIntermediate = new double[stagesT][];
        toTerminal = new double[stagesT][];
    }

    /**
     * The log prior of the next proximal solve: {@code previous} (logs, or null for the plain kernels) plus the logs
     * of this plan's scaling factors, so that stage kernels exp(-C kappa + lx + ly) equal exp(-C/eps_p) times the plan.
     */
    static PlanFactors accumulateLogs(PlanFactors previous, PlanFactors plan) {
        PlanFactors out = new PlanFactors(plan.stages());
        for (int t = 0; t < plan.stages(); t++) {
            out.row[t] = addLog(previous == null ? null : previous.row[t], plan.row[t]);
            out.toIntermediate[t] = addLog(previous == null ? null : previous.toIntermediate[t], plan.toIntermediate[t]);
            out.toTerminal[t] = addLog(previous == null ? null : previous.toTerminal[t], plan.toTerminal[t]);
        }
        return out;
    }

    private static double[] addLog(double[] base, double[] factor) {
        if (factor == null) {
            return null;
        }
        double[] out = new double[factor.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (base == null ? 0 : base[i]) + Math.log(factor[i]);
        }
        return out;
    }

    static PlanFactors empty(int stagesT) {
        return new PlanFactors(stagesT);
    }

    int stages() {
        return row.length;
    }

}
