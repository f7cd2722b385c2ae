package org.chreode.kernels.lowrank;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.linalg.Workers;

/**
 * A cost matrix held as two factors, C = A Bᵀ with A ∈ ℝ^{n×k}, B ∈ ℝ^{m×k}; the n × m matrix is never stored.
 *
 * <p><b>Squared Euclidean, exact at rank d + 2</b> (Scetbon, Cuturi, Peyré 2021, §3.5; spec lowrank.md §1.3.1): for
 * point clouds X ∈ ℝ^{n×d}, Y ∈ ℝ^{m×d}, first centred by the mean c of all n + m points (the cost is translation
 * invariant; centring keeps the factors small and the cancellation mild), x̃ = x − c, ỹ = y − c,
 * <pre>
 *   A_i = [‖x̃_i‖², 1, −2 x̃_iᵀ],   B_j = [1, ‖ỹ_j‖², ỹ_jᵀ],   (A Bᵀ)_ij = ‖x̃_i‖² + ‖ỹ_j‖² − 2 x̃_i·ỹ_j = ‖x_i − y_j‖².
 * </pre>
 * Products cost O((n + m)·k·p) for p right-hand columns: C V = A (Bᵀ V), Cᵀ U = B (Aᵀ U).
 *
 * <p>Immutable: factors are copied in and out. Entries of C are computed as dot products, so near-zero squared
 * distances carry an absolute rounding error of order ε_machine·‖x̃‖² (use {@code SquaredEuclidean} where single
 * entries must be exact).
 *
 * @since 0.1
 */
public final class LowRankGeometry {

    /** Above this many pairs {@link #costScale()} uses the Cauchy–Schwarz bound instead of the exact maximum. */
    public static final long EXACT_MAX_PAIRS = 1L << 24;

    /** Rows per parallel chunk of a product (smaller products stay on the caller's thread). */
    private static final int MIN_CHUNK_ROWS = 4096;
    private static final Workers SERIAL = new Workers(1);

    private final double[][] a;
    private final double[][] b;
    private final int k;

    private LowRankGeometry(double[][] a, double[][] b) {
        this.a = a;
        this.b = b;
        this.k = a[0].length;
    }

    /**
     * A geometry from explicit factors, C = A Bᵀ.
     *
     * @param left  A, n × k, finite (copied)
     * @param right B, m × k, finite (copied)
     * @throws InvalidInputException on an empty side, ragged rows, a width mismatch or a non-finite entry
     */
    public static LowRankGeometry of(double[][] left, double[][] right) {
        double[][] a = copyChecked("left factor A", left, -1);
        double[][] b = copyChecked("right factor B", right, a[0].length);
        return new LowRankGeometry(a, b);
    }

    /**
     * The exact rank-(d + 2) factorisation of the squared-Euclidean cost between two point clouds.
     *
     * @param x source points, n × d, finite (not modified)
     * @param y target points, m × d, finite, same d (not modified)
     * @throws InvalidInputException on an empty cloud, d = 0, ragged rows, differing dimensions or NaN/∞
     */
    public static LowRankGeometry squaredEuclidean(double[][] x, double[][] y) {
        double[][] xs = copyChecked("source point cloud", x, -1);
        double[][] ys = copyChecked("target point cloud", y, xs[0].length);
        int d = xs[0].length;
        double[] centre = new double[d];
        for (double[] p : xs) {
            for (int c = 0; c < d; c++) {
                centre[c] += p[c];
            }
        }
        for (double[] p : ys) {
            for (int c = 0; c < d; c++) {
                centre[c] += p[c];
            }
        }
        for (int c = 0; c < d; c++) {
            centre[c] /= xs.length + ys.length;
        }
        double[][] a = new double[xs.length][d + 2];
        for (int i = 0; i < xs.length; i++) {
            double norm = 0;
            for (int c = 0; c < d; c++) {
                double v = xs[i][c] - centre[c];
                norm += v * v;
                a[i][c + 2] = -2 * v;
            }
            a[i][0] = norm;
            a[i][1] = 1;
        }
        double[][] b = new double[ys.length][d + 2];
        for (int j = 0; j < ys.length; j++) {
            double norm = 0;
            for (int c = 0; c < d; c++) {
                double v = ys[j][c] - centre[c];
                norm += v * v;
                b[j][c + 2] = v;
            }
            b[j][0] = 1;
            b[j][1] = norm;
        }
        return new LowRankGeometry(a, b);
    }

    private static double[][] copyChecked(String what, double[][] rows, int expectedWidth) {
        if (rows == null || rows.length == 0) {
            throw new InvalidInputException("The " + what + " is empty: at least one row is needed.");
        }
        int width = expectedWidth >= 0 ? expectedWidth : (rows[0] == null ? 0 : rows[0].length);
        if (width == 0) {
            throw new InvalidInputException("The " + what + " has rows of dimension 0.");
        }
        double[][] out = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != width) {
                throw new InvalidInputException("Row " + i + " of the " + what + " has "
                        + (rows[i] == null ? "no" : rows[i].length) + " coordinates, expected " + width
                        + (expectedWidth >= 0 ? " (the dimension of the other side)." : " (the dimension of row 0)."));
            }
            for (int c = 0; c < width; c++) {
                if (!Double.isFinite(rows[i][c])) {
                    throw new InvalidInputException("Row " + i + ", coordinate " + c + " of the " + what + " is "
                            + rows[i][c] + "; all entries must be finite.");
                }
            }
            out[i] = rows[i].clone();
        }
        return out;
    }

    /** Number of rows n (source side). */
    public int n() {
        return a.length;
    }

    /** Number of columns m (target side). */
    public int m() {
        return b.length;
    }

    /** Factor width k (d + 2 for the squared-Euclidean factorisation). */
    public int rank() {
        return k;
    }

    /** The left factor A (a copy). */
    public double[][] leftFactor() {
        return deepCopy(a);
    }

    /** The right factor B (a copy). */
    public double[][] rightFactor() {
        return deepCopy(b);
    }

    /** Row i of the left factor, A_i (a copy). */
    public double[] leftRow(int i) {
        return a[i].clone();
    }

    /** Row j of the right factor, B_j (a copy). */
    public double[] rightRow(int j) {
        return b[j].clone();
    }

    /** C_ij = A_i · B_j. */
    public double cost(int i, int j) {
        return dot(a[i], b[j]);
    }

    /** C V = A (Bᵀ V) for V ∈ ℝ^{m×p}: an n × p matrix. */
    public double[][] apply(double[][] v) {
        return times(a, transposeTimes(b, v, SERIAL), SERIAL);
    }

    /** Cᵀ U = B (Aᵀ U) for U ∈ ℝ^{n×p}: an m × p matrix. */
    public double[][] applyTransposed(double[][] u) {
        return times(b, transposeTimes(a, u, SERIAL), SERIAL);
    }

    /** Uᵀ C V = (Aᵀ U)ᵀ (Bᵀ V) for U ∈ ℝ^{n×p}, V ∈ ℝ^{m×q}: a p × q matrix. */
    public double[][] bilinear(double[][] u, double[][] v) {
        return bilinear(u, v, SERIAL);
    }

    /**
     * max_ij |C_ij|: exact (streamed over all pairs, O(n·m·k) time, O(1) memory) when n·m ≤
     * {@value #EXACT_MAX_PAIRS}, otherwise the Cauchy–Schwarz bound max_i ‖A_i‖ · max_j ‖B_j‖. Used by the solvers
     * to normalise the cost to max 1 so that their stopping rules are scale-free.
     */
    public double costScale() {
        return costScale(SERIAL);
    }

    /** {@link #costScale()} with the rows of A split over the workers (a maximum: the same value for any split). */
    double costScale(Workers workers) {
        if ((long) a.length * b.length <= EXACT_MAX_PAIRS) {
            int chunks = Math.max(1, Math.min(workers.threads(), a.length / 64));
            double[] max = new double[chunks];
            workers.forEachChunk(chunks, c -> {
                double mx = 0;
                for (int i = (int) ((long) a.length * c / chunks); i < (int) ((long) a.length * (c + 1) / chunks); i++) {
                    double[] ai = a[i];
                    for (double[] bj : b) {
                        mx = Math.max(mx, Math.abs(dot(ai, bj)));
                    }
                }
                max[c] = mx;
            });
            double result = 0;
            for (double mx : max) {
                result = Math.max(result, mx);
            }
            return result;
        }
        double na = 0;
        double nb = 0;
        for (double[] ai : a) {
            na = Math.max(na, Math.sqrt(dot(ai, ai)));
        }
        for (double[] bj : b) {
            nb = Math.max(nb, Math.sqrt(dot(bj, bj)));
        }
        return na * nb;
    }

    /** Aᵀ U (k × p). */
    double[][] leftProject(double[][] u) {
        return transposeTimes(a, u, SERIAL);
    }

    /** Bᵀ V (k × q). */
    double[][] rightProject(double[][] v) {
        return transposeTimes(b, v, SERIAL);
    }

    /** A M for M ∈ ℝ^{k×p} (n × p). */
    double[][] leftTimes(double[][] mat) {
        return times(a, mat, SERIAL);
    }

    /** B M for M ∈ ℝ^{k×p} (m × p). */
    double[][] rightTimes(double[][] mat) {
        return times(b, mat, SERIAL);
    }

    /** {@link #leftProject} with rows split over the workers (partial sums added in chunk order). */
    double[][] leftProject(double[][] u, Workers workers) {
        return transposeTimes(a, u, workers);
    }

    /** {@link #rightProject} over the workers. */
    double[][] rightProject(double[][] v, Workers workers) {
        return transposeTimes(b, v, workers);
    }

    /** {@link #leftTimes} over the workers. */
    double[][] leftTimes(double[][] mat, Workers workers) {
        return times(a, mat, workers);
    }

    /** {@link #rightTimes} over the workers. */
    double[][] rightTimes(double[][] mat, Workers workers) {
        return times(b, mat, workers);
    }

    /** {@link #bilinear} over the workers. */
    double[][] bilinear(double[][] u, double[][] v, Workers workers) {
        return innerProduct(transposeTimes(a, u, workers), transposeTimes(b, v, workers));
    }

    private static double dot(double[] x, double[] y) {
        return SinkhornProjection.dot(x, y);
    }

    /** Number of row chunks for a product over {@code rows} rows: one per worker, none smaller than MIN_CHUNK_ROWS. */
    private static int chunks(int rows, Workers workers) {
        return Math.max(1, Math.min(workers.threads(), rows / MIN_CHUNK_ROWS));
    }

    /** Fᵀ V for F ∈ ℝ^{n×k}, V ∈ ℝ^{n×p}. */
    private static double[][] transposeTimes(double[][] f, double[][] v, Workers workers) {
        if (v.length != f.length) {
            throw new InvalidInputException("Factor product needs " + f.length + " rows, got " + v.length + ".");
        }
        int n = f.length;
        int k = f[0].length;
        int p = v[0].length;
        int chunks = chunks(n, workers);
        double[][][] partial = new double[chunks][k][p];
        workers.forEachChunk(chunks, c -> {
            double[][] out = partial[c];
            for (int i = (int) ((long) n * c / chunks); i < (int) ((long) n * (c + 1) / chunks); i++) {
                double[] fi = f[i];
                double[] vi = v[i];
                for (int col = 0; col < k; col++) {
                    double x = fi[col];
                    double[] oc = out[col];
                    for (int q = 0; q < p; q++) {
                        oc[q] += x * vi[q];
                    }
                }
            }
        });
        double[][] out = partial[0];
        for (int c = 1; c < chunks; c++) {
            for (int col = 0; col < k; col++) {
                for (int q = 0; q < p; q++) {
                    out[col][q] += partial[c][col][q];
                }
            }
        }
        return out;
    }

    /** F M for F ∈ ℝ^{n×k}, M ∈ ℝ^{k×p}. */
    private static double[][] times(double[][] f, double[][] mat, Workers workers) {
        int n = f.length;
        int p = mat[0].length;
        double[][] out = new double[n][p];
        int chunks = chunks(n, workers);
        workers.forEachChunk(chunks, c -> {
            for (int i = (int) ((long) n * c / chunks); i < (int) ((long) n * (c + 1) / chunks); i++) {
                double[] fi = f[i];
                double[] oi = out[i];
                for (int col = 0; col < fi.length; col++) {
                    double x = fi[col];
                    double[] mc = mat[col];
                    for (int q = 0; q < p; q++) {
                        oi[q] += x * mc[q];
                    }
                }
            }
        });
        return out;
    }

    /** Xᵀ Y for k × p and k × q projections (e.g. (AᵀU)ᵀ(BᵀV) = Uᵀ C V): a p × q matrix. */
    static double[][] innerProduct(double[][] au, double[][] bv) {
        double[][] out = new double[au[0].length][bv[0].length];
        for (int c = 0; c < au.length; c++) {
            for (int p = 0; p < out.length; p++) {
                double x = au[c][p];
                for (int q = 0; q < out[p].length; q++) {
                    out[p][q] += x * bv[c][q];
                }
            }
        }
        return out;
    }

    static double[][] deepCopy(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            out[i] = m[i].clone();
        }
        return out;
    }
}
