package org.chreode.kernels.temporal;

import java.util.Arrays;

import org.chreode.kernels.sinkhorn.DenseEntropicPlans;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;

/**
 * Costs between two time points: the local PCA of a pair (moscot {@code joint_attr=None}, WOT {@code local_pca})
 * and the squared-Euclidean cost with its normalisation (spec {@code unbalanced_temporal_ot.md} §2 and §7.1).
 *
 * <p><b>Local PCA</b> ({@link #localPca}): stack source rows then target rows, subtract the per-feature mean of the
 * stacked pair, and return the principal-component scores U·S of the first k components (scanpy
 * {@code sc.tl.pca(n_comps=k)} on the pair; the moscot fixture recipe). Signs of the components are arbitrary;
 * costs do not depend on them. Computed exactly from the eigen-decomposition (cyclic Jacobi) of the smaller of the
 * Gram matrix X_c X_cᵀ (N × N, N = n + m cells) and the covariance X_cᵀ X_c (p × p); time O(N p min(N, p) +
 * min(N, p)³), memory O(min(N, p)²). Intended for pairs of up to a few thousand cells or features; a randomised
 * PCA for large pairs is later work. WOT's doubly-centred variant (§2.2) is not offered yet (issue 6).
 *
 * <p><b>Cost</b> ({@link #squaredEuclidean}): C_ij = ‖x_i − y_j‖² (from differences, clipped at 0), then divided
 * by a scale s: {@code MEAN} = mean of all n × m entries (moscot default {@code scale_cost="mean"}), {@code MEDIAN}
 * = median of all n × m entries (WOT; NumPy convention: mean of the two middle values for an even count),
 * {@code NONE}: s = 1. ε is always interpreted after this scaling; the scale is reported with the cost.
 *
 * @since 0.1
 */
public final class TemporalCost {

    private static final int MAX_JACOBI_SWEEPS = 100;

    private TemporalCost() {
    }

    /**
     * A normalised cost matrix and the scale it was divided by.
     *
     * @param matrix        n × m cost C / scale
     * @param normalization how the scale was chosen
     * @param scale         the divisor s (1 for NONE)
     */
    public record Cost(double[][] matrix, CostNormalization normalization, double scale) {
    }

    /**
     * Principal-component coordinates of a pair.
     *
     * @param source          n × k scores of the source cells
     * @param target          m × k scores of the target cells
     * @param singularValues  the k largest singular values of the centred stacked matrix, descending
     */
    public record PairCoordinates(double[][] source, double[][] target, double[] singularValues) {
    }

    /**
     * Local PCA of a pair (see the class comment).
     *
     * @param source     n × p features of the source cells (not modified)
     * @param target     m × p features of the target cells (not modified)
     * @param components k ≥ 1; reduced to min(k, n + m, p) when larger
     * @throws InvalidInputException on empty inputs, ragged rows, non-finite values
     */
    public static PairCoordinates localPca(double[][] source, double[][] target, int components) {
        InvalidInputException.requireAtLeast("components", components, 1);
        int n = rows("source", source);
        int m = rows("target", target);
        int p = source[0].length;
        checkWidth("source", source, p);
        checkWidth("target", target, p);
        int total = n + m;
        double[][] x = new double[total][];
        double[] mean = new double[p];
        for (int r = 0; r < total; r++) {
            x[r] = (r < n ? source[r] : target[r - n]).clone();
            for (int c = 0; c < p; c++) {
                mean[c] += x[r][c];
            }
        }
        for (int c = 0; c < p; c++) {
            mean[c] /= total;
        }
        for (double[] row : x) {
            for (int c = 0; c < p; c++) {
                row[c] -= mean[c];
            }
        }
        int k = Math.min(components, Math.min(total, p));
        double[][] scores = new double[total][k];
        double[] singular = new double[k];
        if (total <= p) {
            // Gram G = X Xᵀ = U S² Uᵀ: scores U·S = eigenvectors × sqrt(eigenvalues).
            double[][] gram = new double[total][total];
            DenseEntropicPlans.forEachRow(total, total * p, r -> {
                for (int s = 0; s <= r; s++) {
                    double d = 0;
                    double[] xr = x[r];
                    double[] xs = x[s];
                    for (int c = 0; c < p; c++) {
                        d += xr[c] * xs[c];
                    }
                    gram[r][s] = d;
                }
            });
            symmetrise(gram);
            Eigen e = jacobi(gram);
            for (int q = 0; q < k; q++) {
                int col = e.order[q];
                double sv = Math.sqrt(Math.max(e.values[col], 0));
                singular[q] = sv;
                for (int r = 0; r < total; r++) {
                    scores[r][q] = e.vectors[r][col] * sv;
                }
            }
        } else {
            // Covariance Xᵀ X = V S² Vᵀ: scores X·V.
            double[][] cov = new double[p][p];
            for (double[] row : x) {
                for (int a = 0; a < p; a++) {
                    double va = row[a];
                    if (va != 0) {
                        for (int b = 0; b <= a; b++) {
                            cov[a][b] += va * row[b];
                        }
                    }
                }
            }
            symmetrise(cov);
            Eigen e = jacobi(cov);
            for (int q = 0; q < k; q++) {
                int col = e.order[q];
                singular[q] = Math.sqrt(Math.max(e.values[col], 0));
                for (int r = 0; r < total; r++) {
                    double d = 0;
                    for (int c = 0; c < p; c++) {
                        d += x[r][c] * e.vectors[c][col];
                    }
                    scores[r][q] = d;
                }
            }
        }
        return new PairCoordinates(Arrays.copyOfRange(scores, 0, n), Arrays.copyOfRange(scores, n, total), singular);
    }

    /**
     * Projects further cells into the local PCA of a pair (WOT validation: the middle time point's cells in the
     * PCA of (t₀, t₁), spec §6.1). With X_c the centred stacked pair and scores S = U·Σ, the loadings are
     * V_q = X_cᵀ S_q / σ_q², so a cell z gets the scores (z − μ)·V_q = Σ_r ((z − μ)·x_r) S_rq / σ_q², where μ is the
     * pair's per-feature mean. Components with σ_q = 0 get score 0.
     *
     * @param source the source features the PCA was computed from
     * @param target the target features the PCA was computed from
     * @param pca    {@link #localPca}(source, target, k)
     * @param cells  h × p features of the cells to project
     * @return h × k scores, in the same coordinates (and signs) as {@code pca}
     */
    public static double[][] project(double[][] source, double[][] target, PairCoordinates pca, double[][] cells) {
        int n = rows("source", source);
        int m = rows("target", target);
        int p = source[0].length;
        checkWidth("cells", cells, p);
        int total = n + m;
        double[] mean = new double[p];
        for (int r = 0; r < total; r++) {
            double[] x = r < n ? source[r] : target[r - n];
            for (int c = 0; c < p; c++) {
                mean[c] += x[c];
            }
        }
        for (int c = 0; c < p; c++) {
            mean[c] /= total;
        }
        int k = pca.singularValues().length;
        double[][] out = new double[cells.length][k];
        DenseEntropicPlans.forEachRow(cells.length, total * p, h -> {
            double[] z = new double[p];
            for (int c = 0; c < p; c++) {
                z[c] = cells[h][c] - mean[c];
            }
            for (int r = 0; r < total; r++) {
                double[] x = r < n ? source[r] : target[r - n];
                double[] score = r < n ? pca.source()[r] : pca.target()[r - n];
                double dot = 0;
                for (int c = 0; c < p; c++) {
                    dot += z[c] * (x[c] - mean[c]);
                }
                for (int q = 0; q < k; q++) {
                    out[h][q] += dot * score[q];
                }
            }
            for (int q = 0; q < k; q++) {
                double sv = pca.singularValues()[q];
                out[h][q] = sv > 0 ? out[h][q] / (sv * sv) : 0.0;
            }
        });
        return out;
    }

    /**
     * Squared-Euclidean cost between source and target coordinates, divided by the chosen scale.
     *
     * @param source        n × d coordinates (not modified)
     * @param target        m × d coordinates (not modified)
     * @param normalization MEAN, MEDIAN or NONE (REFERENCE is a MultistageOT-only mode and is rejected)
     * @throws InvalidInputException on empty or ragged inputs, non-finite values, an unsupported normalisation, or
     *                               a zero scale (all points coincide)
     */
    public static Cost squaredEuclidean(double[][] source, double[][] target, CostNormalization normalization) {
        int n = rows("source", source);
        int m = rows("target", target);
        int d = source[0].length;
        checkWidth("source", source, d);
        checkWidth("target", target, d);
        if (normalization == null || normalization == CostNormalization.REFERENCE) {
            throw InvalidInputException.parameter("costNormalization", normalization,
                    "must be one of mean, median, none for temporal costs");
        }
        double[][] c = new double[n][m];
        DenseEntropicPlans.forEachRow(n, m * d, i -> {
            double[] x = source[i];
            for (int j = 0; j < m; j++) {
                double[] y = target[j];
                double s = 0;
                for (int k = 0; k < d; k++) {
                    double diff = x[k] - y[k];
                    s += diff * diff;
                }
                c[i][j] = Math.max(s, 0.0);
            }
        });
        double scale = switch (normalization) {
            case MEAN -> mean(c);
            case MEDIAN -> median(c);
            default -> 1.0;
        };
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new InvalidInputException("The " + normalization.label() + " of the cost is " + scale
                    + "; it cannot be normalised (do all cells coincide?). Use costNormalization = none.");
        }
        if (scale != 1.0) {
            for (double[] row : c) {
                for (int j = 0; j < m; j++) {
                    row[j] /= scale;
                }
            }
        }
        return new Cost(c, normalization, scale);
    }

    static double mean(double[][] c) {
        double s = 0;
        long count = 0;
        for (double[] row : c) {
            for (double v : row) {
                s += v;
            }
            count += row.length;
        }
        return s / count;
    }

    static double median(double[][] c) {
        int m = c[0].length;
        double[] all = new double[c.length * m];
        for (int i = 0; i < c.length; i++) {
            System.arraycopy(c[i], 0, all, i * m, m);
        }
        Arrays.sort(all);
        int h = all.length / 2;
        return all.length % 2 == 1 ? all[h] : 0.5 * (all[h - 1] + all[h]);
    }

    private static int rows(String name, double[][] x) {
        if (x == null || x.length == 0 || x[0] == null || x[0].length == 0) {
            throw new InvalidInputException("The " + name + " coordinates are empty.");
        }
        return x.length;
    }

    private static void checkWidth(String name, double[][] x, int width) {
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null || x[i].length != width) {
                throw new InvalidInputException("Row " + i + " of the " + name + " coordinates has "
                        + (x[i] == null ? "no" : x[i].length) + " entries; expected " + width + ".");
            }
            for (double v : x[i]) {
                if (!Double.isFinite(v)) {
                    throw new InvalidInputException("Row " + i + " of the " + name + " coordinates holds " + v
                            + "; values must be finite.");
                }
            }
        }
    }

    private static void symmetrise(double[][] s) {
        for (int r = 0; r < s.length; r++) {
            for (int c = r + 1; c < s.length; c++) {
                s[r][c] = s[c][r];
            }
        }
    }

    /** Eigen-decomposition; {@code order} lists columns of {@code vectors} by descending eigenvalue. */
    private record Eigen(double[] values, double[][] vectors, int[] order) {
    }

    /** Cyclic Jacobi for a symmetric matrix (destroyed). */
    private static Eigen jacobi(double[][] s) {
        int d = s.length;
        double[][] v = new double[d][d];
        for (int i = 0; i < d; i++) {
            v[i][i] = 1.0;
        }
        for (int sweep = 0; sweep < MAX_JACOBI_SWEEPS; sweep++) {
            double off = 0;
            double diag = 0;
            for (int p = 0; p < d; p++) {
                diag += s[p][p] * s[p][p];
                for (int q = p + 1; q < d; q++) {
                    off += s[p][q] * s[p][q];
                }
            }
            if (off <= 1e-30 * diag || off == 0) {
                break;
            }
            for (int p = 0; p < d - 1; p++) {
                for (int q = p + 1; q < d; q++) {
                    double apq = s[p][q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (s[q][q] - s[p][p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double sn = t * c;
                    for (int k = 0; k < d; k++) {
                        double skp = s[k][p];
                        double skq = s[k][q];
                        s[k][p] = c * skp - sn * skq;
                        s[k][q] = sn * skp + c * skq;
                    }
                    for (int k = 0; k < d; k++) {
                        double spk = s[p][k];
                        double sqk = s[q][k];
                        s[p][k] = c * spk - sn * sqk;
                        s[q][k] = sn * spk + c * sqk;
                    }
                    for (int k = 0; k < d; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - sn * vkq;
                        v[k][q] = sn * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[d];
        for (int i = 0; i < d; i++) {
            values[i] = s[i][i];
        }
        Integer[] idx = new Integer[d];
        for (int i = 0; i < d; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (x, y) -> Double.compare(values[y], values[x]));
        int[] order = new int[d];
        for (int i = 0; i < d; i++) {
            order[i] = idx[i];
        }
        return new Eigen(values, v, order);
    }
}
