package org.chreode.kernels.multistage;

/**
 * Outer-product factors of the per-stage matrices of MultistageOT: stage t is diag(row[t]) E_t diag(col[t]) with
 * E_0 the initial kernel, E_t = [intermediate | terminal] for t = 1..T-2 and E_{T-1} the terminal kernel
 * (spec multistageot.md section 9.2). The same shape describes the prior factors of a stage kernel in the proximal
 * loop and the factors of a transport plan.
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

    /** All-ones factors: the stage kernels are the plain Gibbs kernels. */
    static PlanFactors ones(int stagesT, int n0, int n1, int n, int nF) {
        PlanFactors f = new PlanFactors(stagesT);
        for (int t = 0; t < stagesT; t++) {
            f.row[t] = filled(t == 0 ? n0 : n);
            f.toIntermediate[t] = t == 0 ? filled(n1) : t < stagesT - 1 ? filled(n) : null;
            f.toTerminal[t] = t == 0 ? null : filled(nF);
        }
        return f;
    }

    static PlanFactors empty(int stagesT) {
        return new PlanFactors(stagesT);
    }

    int stages() {
        return row.length;
    }

    private static double[] filled(int length) {
        double[] a = new double[length];
        java.util.Arrays.fill(a, 1.0);
        return a;
    }
}
