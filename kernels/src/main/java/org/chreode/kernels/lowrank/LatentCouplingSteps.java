package org.chreode.kernels.lowrank;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The dense r-column matrix steps shared by the latent-coupling solvers {@link FrlcSolver} and
 * {@link HiddenMarkovOtSolver} (spec {@code shared/specs/lowrank.md} §2.2–2.4): the mirror-descent step
 * log X − ∇/ε, the rank-one gradient correction, Λ = diag(1/g_left) T diag(1/g_right), the random Sinkhorn start and
 * the product mix of the initial factors, and the small norms both solvers use for their stopping rule.
 *
 * <p>Every helper performs the same floating-point operations in the same order as the loops it replaced, so the
 * solvers' iterates are unchanged bit for bit. Matrices are row-major {@code double[rows][cols]}; helpers that
 * return a matrix allocate a new one unless the javadoc says "in place".
 */
final class LatentCouplingSteps {

    private LatentCouplingSteps() {
    }

    /** log X − ∇/ε (a new array). */
    static double[][] step(double[][] logX, double[][] grad, double eps) {
        double[][] out = new double[logX.length][];
        for (int i = 0; i < logX.length; i++) {
            out[i] = new double[logX[i].length];
            for (int c = 0; c < out[i].length; c++) {
                out[i][c] = logX[i][c] - grad[i][c] / eps;
            }
        }
        return out;
    }

    /**
     * ∇ ← ∇ − 𝟙 wᵀ with w[k] = Σ_i X_ik ∇_ik / g[k], in place: the gradient restricted to factors whose column
     * sums stay g (spec §2.3).
     */
    static void rankOneCorrection(double[][] grad, double[][] x, double[] g) {
        double[] w = new double[g.length];
        for (int i = 0; i < x.length; i++) {
            for (int c = 0; c < g.length; c++) {
                w[c] += x[i][c] * grad[i][c];
            }
        }
        for (int c = 0; c < g.length; c++) {
            w[c] /= g[c];
        }
        for (double[] row : grad) {
            for (int c = 0; c < g.length; c++) {
                row[c] -= w[c];
            }
        }
    }

    /** Λ = diag(1/g_left) T diag(1/g_right), i.e. Λ_zl = T_zl / (g_left[z] g_right[l]). */
    static double[][] lambda(double[][] t, double[] gLeft, double[] gRight) {
        double[][] out = new double[t.length][t[0].length];
        for (int z = 0; z < t.length; z++) {
            for (int l = 0; l < out[z].length; l++) {
                out[z][l] = t[z][l] / (gLeft[z] * gRight[l]);
            }
        }
        return out;
    }

    /** X ← s⁻¹ X in place (the normalised cost Ĉ = C / s); returns X. */
    static double[][] scaled(double[][] x, double scale) {
        double inv = 1 / scale;
        for (double[] row : x) {
            for (int c = 0; c < row.length; c++) {
                row[c] *= inv;
            }
        }
        return x;
    }

    /** KL weight λ/(λ + ε) of a relaxed marginal in the Sinkhorn projection; 1 (hard constraint) for λ = ∞. */
    static double relax(double lambda, double eps) {
        return lambda == Double.POSITIVE_INFINITY ? 1 : lambda / (lambda + eps);
    }

    /** −U/ε with U uniform on [0, 1): the log-kernel of a random Sinkhorn start. */
    static double[][] randomCost(SplittableRandom rng, int rows, int cols, double eps) {
        double[][] out = new double[rows][cols];
        for (double[] row : out) {
            for (int c = 0; c < cols; c++) {
                row[c] = -rng.nextDouble() / eps;
            }
        }
        return out;
    }

    /**
     * X ← keep·X + mix·(X𝟙)(Xᵀ𝟙)ᵀ / ΣX in place (marginals unchanged when keep + mix = 1, every entry &gt; 0 when
     * mix &gt; 0). Both weights are passed so that each caller keeps its own rounding of 1 − w.
     */
    static double[][] mixWithProduct(double[][] x, double keep, double mix) {
        double[] rows = new double[x.length];
        double[] cols = FrlcResult.columnSums(x);
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            for (double v : x[i]) {
                rows[i] += v;
            }
            total += rows[i];
        }
        for (int i = 0; i < x.length; i++) {
            for (int c = 0; c < cols.length; c++) {
                x[i][c] = keep * x[i][c] + mix * rows[i] * cols[c] / total;
            }
        }
        return x;
    }

    /** g · Σreference / Σg: g rescaled to the mass of the reference (a new array). */
    static double[] massMatched(double[] g, double[] reference) {
        double factor = LowRankProblem.sum(reference) / LowRankProblem.sum(g);
        double[] out = new double[g.length];
        for (int i = 0; i < g.length; i++) {
            out[i] = g[i] * factor;
        }
        return out;
    }

    static double[] filled(int n, double value) {
        double[] out = new double[n];
        Arrays.fill(out, value);
        return out;
    }

    /** Entrywise exp (a new array). */
    static double[][] exp(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new double[x[i].length];
            for (int c = 0; c < out[i].length; c++) {
                out[i][c] = Math.exp(x[i][c]);
            }
        }
        return out;
    }

    /** Entrywise log (a new array). */
    static double[][] log(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = new double[x[i].length];
            for (int c = 0; c < out[i].length; c++) {
                out[i][c] = Math.log(x[i][c]);
            }
        }
        return out;
    }

    /** max |X_ij|, or NaN as soon as an entry is NaN (so that callers can stop on it). */
    static double maxAbs(double[][] x) {
        double m = 0;
        for (double[] row : x) {
            for (double v : row) {
                if (Double.isNaN(v)) {
                    return Double.NaN;
                }
                m = Math.max(m, Math.abs(v));
            }
        }
        return m;
    }

    /** ‖X − Y‖_F. */
    static double frobeniusDistance(double[][] x, double[][] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            for (int c = 0; c < x[i].length; c++) {
                double d = x[i][c] - y[i][c];
                s += d * d;
            }
        }
        return Math.sqrt(s);
    }

    /** Σ_i |x_i − y_i|. */
    static double l1(double[] x, double[] y) {
        double e = 0;
        for (int i = 0; i < x.length; i++) {
            e += Math.abs(x[i] - y[i]);
        }
        return e;
    }

    /** Σ_i |(X𝟙)_i − target_i|. */
    static double l1Rows(double[][] x, double[] target) {
        double e = 0;
        for (int i = 0; i < x.length; i++) {
            e += Math.abs(LowRankProblem.sum(x[i]) - target[i]);
        }
        return e;
    }
}
