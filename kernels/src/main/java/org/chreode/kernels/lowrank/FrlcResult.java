package org.chreode.kernels.lowrank;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;

/**
 * The output of {@link FrlcSolver}: a rank-(≤ min(r, r₂)) coupling in latent-coupling form
 * <pre>
 *   P = Q diag(1/g_Q) T diag(1/g_R) Rᵀ = Q Λ Rᵀ,   g_Q = Qᵀ𝟙,  g_R = Rᵀ𝟙,
 * </pre>
 * with Q ∈ ℝ₊^{n×r} (source points × source co-clusters), R ∈ ℝ₊^{m×r₂}, T ∈ ℝ₊^{r×r₂} (co-cluster coupling).
 * Nothing n × m is stored; {@link #denseCoupling()} builds P on request.
 *
 * <p>Marginals through the factors: P𝟙 = Q Λ g_R = Q diag(1/g_Q) T𝟙 and Pᵀ𝟙 = R Λᵀ g_Q = R diag(1/g_R) Tᵀ𝟙.
 * The primal cost ⟨C, P⟩ = Σ_{kl} ((QᵀA)(BᵀR))_{kl} Λ_{kl} in the units of the input cost (not the normalised one).
 *
 * <p>Immutable; arrays are copied in and out.
 *
 * @since 0.1
 */
public final class FrlcResult {

    private final double[][] q;
    private final double[][] r;
    private final double[][] t;
    private final double[] gQ;
    private final double[] gR;
    private final double primalCost;
    private final double costScale;
    private final double rowMarginalError;
    private final double columnMarginalError;
    private final Convergence convergence;

    FrlcResult(double[][] q, double[][] r, double[][] t, double primalCost, double costScale,
               double[] a, double[] b, Convergence.Status status, int iterations, double[] history,
               double epsilon) {
        this.q = q;
        this.r = r;
        this.t = t;
        this.gQ = columnSums(q);
        this.gR = columnSums(r);
        this.primalCost = primalCost;
        this.costScale = costScale;
        this.rowMarginalError = l1(rowMarginalRef(), a);
        this.columnMarginalError = l1(columnMarginalRef(), b);
        this.convergence = new Convergence(status, iterations, history.length,
                history.length == 0 ? Double.NaN : history[history.length - 1],
                Math.max(rowMarginalError, columnMarginalError), epsilon, history);
    }

    /** Q (n × r): joint mass of source point i and source co-cluster k; Q𝟙 = a in balanced mode. */
    public double[][] q() {
        return LowRankGeometry.deepCopy(q);
    }

    /** R (m × r₂): joint mass of target point j and target co-cluster l. */
    public double[][] r() {
        return LowRankGeometry.deepCopy(r);
    }

    /** T (r × r₂): the latent coupling between co-clusters, T ∈ Π(g_Q, g_R) (up to the reported error). */
    public double[][] t() {
        return LowRankGeometry.deepCopy(t);
    }

    /** g_Q = Qᵀ𝟙, the source co-cluster masses. */
    public double[] gQ() {
        return gQ.clone();
    }

    /** g_R = Rᵀ𝟙, the target co-cluster masses. */
    public double[] gR() {
        return gR.clone();
    }

    /** ⟨C, P⟩ in the units of the input cost, computed through the factors. */
    public double primalCost() {
        return primalCost;
    }

    /** The factor the cost was divided by inside the solver (ε's in {@link #convergence()} are in input units). */
    public double costScale() {
        return costScale;
    }

    /** ‖P𝟙 − a‖₁. */
    public double rowMarginalError() {
        return rowMarginalError;
    }

    /** ‖Pᵀ𝟙 − b‖₁. */
    public double columnMarginalError() {
        return columnMarginalError;
    }

    /**
     * Status, outer iterations, the stopping quantity Δ_k of every iteration (see {@link FrlcSolver}), the final
     * marginal error max(‖P𝟙 − a‖₁, ‖Pᵀ𝟙 − b‖₁) and the last mirror-descent step ε_k in input cost units.
     */
    public Convergence convergence() {
        return convergence;
    }

    /** P𝟙 = Q diag(1/g_Q) T𝟙. */
    public double[] rowMarginal() {
        return rowMarginalRef();
    }

    /** Pᵀ𝟙 = R diag(1/g_R) Tᵀ𝟙. */
    public double[] columnMarginal() {
        return columnMarginalRef();
    }

    /** Hard source co-cluster of every source point: argmax_k Q_ik (ties: lowest k). */
    public int[] sourceLabels() {
        return argmaxRows(q);
    }

    /** Hard target co-cluster of every target point: argmax_l R_jl (ties: lowest l). */
    public int[] targetLabels() {
        return argmaxRows(r);
    }

    /**
     * Source points labelled by target co-clusters: argmax_l (Q diag(1/g_Q) T)_il — the "diagonalised" factor
     * Q′ = Q diag(1/g_Q) T whose column l is the same co-cluster as column l of R (spec §1.1). For r = r₂ with a
     * permutation-like T, source point i and target point j are co-clustered iff this label of i equals
     * {@link #targetLabels()}[j].
     */
    public int[] sourceLabelsInTargetClusters() {
        return argmaxRows(diagonalisedQ());
    }

    /** Soft source memberships: row i of Q divided by its sum (row-stochastic n × r). */
    public double[][] sourceMemberships() {
        return rowNormalised(q);
    }

    /** Soft target memberships: row j of R divided by its sum (row-stochastic m × r₂). */
    public double[][] targetMemberships() {
        return rowNormalised(r);
    }

    /** P v = Q Λ (Rᵀ v) for v ∈ ℝ^m, in O((n + m)·r·r₂). */
    public double[] applyPlan(double[] v) {
        if (v == null || v.length != r.length) {
            throw new InvalidInputException("applyPlan needs a vector of length m = " + r.length + ".");
        }
        double[] rv = new double[gR.length];
        for (int j = 0; j < r.length; j++) {
            for (int l = 0; l < rv.length; l++) {
                rv[l] += r[j][l] * v[j];
            }
        }
        double[] w = new double[gQ.length];
        for (int k = 0; k < w.length; k++) {
            for (int l = 0; l < rv.length; l++) {
                w[k] += t[k][l] / (gQ[k] * gR[l]) * rv[l];
            }
        }
        double[] out = new double[q.length];
        for (int i = 0; i < q.length; i++) {
            for (int k = 0; k < w.length; k++) {
                out[i] += q[i][k] * w[k];
            }
        }
        return out;
    }

    /** The dense n × m coupling P (O(n·m) memory: small problems and tests only). */
    public double[][] denseCoupling() {
        double[][] qp = diagonalisedQ();
        double[][] p = new double[q.length][r.length];
        for (int i = 0; i < q.length; i++) {
            for (int j = 0; j < r.length; j++) {
                double s = 0;
                for (int l = 0; l < gR.length; l++) {
                    s += qp[i][l] * r[j][l] / gR[l];
                }
                p[i][j] = s;
            }
        }
        return p;
    }

    private double[][] diagonalisedQ() {
        double[][] out = new double[q.length][gR.length];
        for (int i = 0; i < q.length; i++) {
            for (int k = 0; k < gQ.length; k++) {
                double x = q[i][k] / gQ[k];
                for (int l = 0; l < gR.length; l++) {
                    out[i][l] += x * t[k][l];
                }
            }
        }
        return out;
    }

    private double[] rowMarginalRef() {
        double[] tRow = new double[gQ.length];
        for (int k = 0; k < tRow.length; k++) {
            for (int l = 0; l < gR.length; l++) {
                tRow[k] += t[k][l];
            }
        }
        return factorTimes(q, tRow, gQ);
    }

    private double[] columnMarginalRef() {
        double[] tCol = new double[gR.length];
        for (int k = 0; k < gQ.length; k++) {
            for (int l = 0; l < gR.length; l++) {
                tCol[l] += t[k][l];
            }
        }
        return factorTimes(r, tCol, gR);
    }

    /** F diag(1/g) w. */
    private static double[] factorTimes(double[][] f, double[] w, double[] g) {
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            double s = 0;
            for (int k = 0; k < g.length; k++) {
                s += f[i][k] * w[k] / g[k];
            }
            out[i] = s;
        }
        return out;
    }

    static double[] columnSums(double[][] f) {
        double[] s = new double[f[0].length];
        for (double[] row : f) {
            for (int k = 0; k < s.length; k++) {
                s[k] += row[k];
            }
        }
        return s;
    }

    private static double l1(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += Math.abs(x[i] - y[i]);
        }
        return s;
    }

    private static int[] argmaxRows(double[][] f) {
        int[] out = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            int best = 0;
            for (int k = 1; k < f[i].length; k++) {
                if (f[i][k] > f[i][best]) {
                    best = k;
                }
            }
            out[i] = best;
        }
        return out;
    }

    private static double[][] rowNormalised(double[][] f) {
        double[][] out = new double[f.length][];
        for (int i = 0; i < f.length; i++) {
            double s = 0;
            for (double v : f[i]) {
                s += v;
            }
            out[i] = new double[f[i].length];
            for (int k = 0; k < out[i].length; k++) {
                out[i][k] = f[i][k] / s;
            }
        }
        return out;
    }
}
