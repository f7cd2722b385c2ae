package org.chreode.kernels.temporal;

import java.util.Arrays;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.linalg.Workers;
import org.chreode.kernels.lowrank.FrlcResult;

/**
 * {@link CouplingOperator} of a low-rank coupling in latent-coupling form (Halmos et al., FRLC, NeurIPS 2024; spec
 * {@code lowrank.md} §1.1, the form {@link FrlcResult} defines):
 * <pre>
 *   P = Q Λ Rᵀ,   Q ∈ ℝ₊^{n×r},  Λ ∈ ℝ₊^{r×r₂},  R ∈ ℝ₊^{m×r₂}
 *   FRLC:          Λ = diag(1/g_Q) T diag(1/g_R),  g_Q = Qᵀ𝟙, g_R = Rᵀ𝟙   ({@link #fromFrlc})
 *   LOT / LR-Sinkhorn (Scetbon et al. 2021): Λ = diag(1/g)                ({@link #diagonal})
 * </pre>
 * Only the folded left factor L = QΛ (n × r₂) and R are held, (n + m)·r₂ doubles; P_ij = L_i · R_j. Every
 * reduction is a pair of thin products:
 * <pre>
 *   P v = L (Rᵀ v),   Pᵀ w = R (Lᵀ w),   B[s][t] = (Σ_{i∈s} L_i) · (Σ_{j∈t} R_j)       O((n + m)·r₂)
 * </pre>
 * {@link #maxEntry()} and {@link #sparse(double)} visit every entry (O(n·m·r₂) time, memory O(kept)); the sparse
 * export skips rows whose bound Σ_c L_ic · max_j R_jc is below the cut, and adds their row sum to the dropped mass.
 *
 * <p>Immutable; factors are copied in.
 *
 * @since 0.2
 */
public final class LowRankCoupling implements CouplingOperator {

    private static final long serialVersionUID = 1L;

    /** Rows per parallel chunk of the entry sweeps. */
    private static final int CHUNK_ROWS = 64;

    private final int n;
    private final int m;
    private final int width;
    /** L = QΛ, row-major n × width. */
    private final double[] left;
    /** R, row-major m × width. */
    private final double[] right;
    private final int threads;

    /**
     * P = Q · latent · Rᵀ.
     *
     * @param q       Q, n × r, finite entries ≥ 0 (not modified)
     * @param latent  Λ, r × r₂, finite entries ≥ 0 (not modified)
     * @param r       R, m × r₂, finite entries ≥ 0 (not modified)
     * @param threads worker threads for {@link #maxEntry()} and {@link #sparse(double)}, ≥ 1
     * @throws InvalidInputException on an empty or ragged factor, mismatched inner sizes, or a negative or
     *                               non-finite entry (naming the factor)
     */
    public LowRankCoupling(double[][] q, double[][] latent, double[][] r, int threads) {
        int rank = requireFactor("q", q, -1);
        int rank2 = requireFactor("latent", latent, -1);
        if (latent.length != rank) {
            throw new InvalidInputException("Factor latent has " + latent.length + " rows; it must have one per"
                    + " column of q (" + rank + ").");
        }
        requireFactor("r", r, rank2);
        this.n = q.length;
        this.m = r.length;
        this.width = rank2;
        this.threads = InvalidInputException.requireAtLeast("threads", threads, 1);
        this.left = new double[n * width];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < rank; k++) {
                double qik = q[i][k];
                if (qik == 0) {
                    continue;
                }
                for (int c = 0; c < width; c++) {
                    left[i * width + c] += qik * latent[k][c];
                }
            }
        }
        this.right = new double[m * width];
        for (int j = 0; j < m; j++) {
            System.arraycopy(r[j], 0, right, j * width, width);
        }
    }

    /**
     * P = Q diag(1/g) Rᵀ (the diagonal latent of LOT / LR-Sinkhorn, g = Qᵀ𝟙 = Rᵀ𝟙 there).
     *
     * @param g r finite entries &gt; 0
     */
    public static LowRankCoupling diagonal(double[][] q, double[] g, double[][] r, int threads) {
        if (g == null || g.length == 0) {
            throw new InvalidInputException("The inner marginal g is empty: it needs one entry per column of q.");
        }
        double[][] latent = new double[g.length][g.length];
        for (int k = 0; k < g.length; k++) {
            if (!(g[k] > 0) || !Double.isFinite(g[k])) {
                throw InvalidInputException.parameter("g[" + k + "]", g[k], "must be finite and > 0");
            }
            latent[k][k] = 1 / g[k];
        }
        return new LowRankCoupling(q, latent, r, threads);
    }

    /** The coupling of an FRLC solve: P = Q diag(1/g_Q) T diag(1/g_R) Rᵀ. */
    public static LowRankCoupling fromFrlc(FrlcResult result, int threads) {
        if (result == null) {
            throw new InvalidInputException("A low-rank coupling needs an FRLC result (got null).");
        }
        return new LowRankCoupling(result.q(), latentOf(result), result.r(), threads);
    }

    /**
     * The coupling of an FRLC solve on a subset of the cells, embedded in the full n × m index space: the cells not
     * listed (zero-mass cells left out of the solve) get zero rows and columns.
     *
     * @param sourceRows full index of each solved source row (increasing)
     * @param targetRows full index of each solved target row (increasing)
     */
    static LowRankCoupling fromFrlc(FrlcResult result, int[] sourceRows, int n, int[] targetRows, int m,
                                    int threads) {
        return new LowRankCoupling(embed(result.q(), sourceRows, n), latentOf(result),
                embed(result.r(), targetRows, m), threads);
    }

    /** Λ = diag(1/g_Q) T diag(1/g_R). */
    private static double[][] latentOf(FrlcResult result) {
        double[][] t = result.t();
        double[] gQ = result.gQ();
        double[] gR = result.gR();
        for (int k = 0; k < t.length; k++) {
            for (int l = 0; l < t[k].length; l++) {
                t[k][l] /= gQ[k] * gR[l];
            }
        }
        return t;
    }

    private static double[][] embed(double[][] rows, int[] at, int size) {
        if (at.length == size) {
            return rows;
        }
        double[][] out = new double[size][rows[0].length];
        for (int s = 0; s < at.length; s++) {
            out[at[s]] = rows[s];
        }
        return out;
    }

    /** Checks a non-empty, rectangular, finite, non-negative factor; returns its width. */
    private static int requireFactor(String name, double[][] f, int expectedWidth) {
        if (f == null || f.length == 0 || f[0] == null || f[0].length == 0) {
            throw new InvalidInputException("Factor " + name + " is empty: a low-rank coupling needs at least one row"
                    + " and one column.");
        }
        int w = expectedWidth >= 0 ? expectedWidth : f[0].length;
        for (int i = 0; i < f.length; i++) {
            if (f[i] == null || f[i].length != w) {
                throw new InvalidInputException("Row " + i + " of factor " + name + " has "
                        + (f[i] == null ? 0 : f[i].length) + " columns; expected " + w + ".");
            }
            for (int c = 0; c < w; c++) {
                if (!(f[i][c] >= 0) || !Double.isFinite(f[i][c])) {
                    throw InvalidInputException.parameter(name + "[" + i + "][" + c + "]", f[i][c],
                            "must be finite and >= 0 (a coupling factor)");
                }
            }
        }
        return w;
    }

    /** Width r₂ of the factors (rank of P is at most this). */
    public int rank() {
        return width;
    }

    @Override
    public int sourceCount() {
        return n;
    }

    @Override
    public int targetCount() {
        return m;
    }

    @Override
    public double[] rowSums() {
        double[] ones = new double[m];
        Arrays.fill(ones, 1.0);
        return apply(ones);
    }

    @Override
    public double[] columnSums() {
        double[] ones = new double[n];
        Arrays.fill(ones, 1.0);
        return applyTranspose(ones);
    }

    @Override
    public double[] apply(double[] v) {
        TileCoupling.requireLength("v", v, m);
        return times(left, n, transposeTimes(right, m, v));
    }

    @Override
    public double[] applyTranspose(double[] w) {
        TileCoupling.requireLength("w", w, n);
        return times(right, m, transposeTimes(left, n, w));
    }

    /** Fᵀ v (width entries) for F row-major rows × width. */
    private double[] transposeTimes(double[] f, int rows, double[] v) {
        double[] out = new double[width];
        for (int i = 0; i < rows; i++) {
            double vi = v[i];
            if (vi == 0) {
                continue;
            }
            int at = i * width;
            for (int c = 0; c < width; c++) {
                out[c] += f[at + c] * vi;
            }
        }
        return out;
    }

    /** F u (rows entries). */
    private double[] times(double[] f, int rows, double[] u) {
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = dot(f, i * width, u);
        }
        return out;
    }

    private double dot(double[] f, int at, double[] u) {
        double s = 0;
        for (int c = 0; c < width; c++) {
            s += f[at + c] * u[c];
        }
        return s;
    }

    /** {@inheritDoc} In O((n + m)·r₂ + groups²·r₂): the group sums of both factors, then their inner products. */
    @Override
    public double[][] blockSums(int[] sourceGroups, int sourceGroupCount, int[] targetGroups, int targetGroupCount) {
        if (sourceGroups == null || targetGroups == null || sourceGroups.length != n || targetGroups.length != m) {
            throw new InvalidInputException("Block sums need one group per cell: "
                    + (sourceGroups == null ? 0 : sourceGroups.length) + " source and "
                    + (targetGroups == null ? 0 : targetGroups.length) + " target groups for a " + n + " x " + m
                    + " coupling.");
        }
        double[][] sourceSums = groupSums("sourceGroups", left, sourceGroups, sourceGroupCount);
        double[][] targetSums = groupSums("targetGroups", right, targetGroups, targetGroupCount);
        double[][] out = new double[sourceGroupCount][targetGroupCount];
        for (int s = 0; s < sourceGroupCount; s++) {
            for (int t = 0; t < targetGroupCount; t++) {
                double v = 0;
                for (int c = 0; c < width; c++) {
                    v += sourceSums[s][c] * targetSums[t][c];
                }
                out[s][t] = v;
            }
        }
        return out;
    }

    private double[][] groupSums(String name, double[] f, int[] groups, int groupCount) {
        InvalidInputException.requireAtLeast(name + " count", groupCount, 1);
        double[][] sums = new double[groupCount][width];
        for (int i = 0; i < groups.length; i++) {
            int grp = groups[i];
            if (grp < 0 || grp >= groupCount) {
                throw InvalidInputException.parameter(name + "[" + i + "]", grp,
                        "must lie in [0, " + groupCount + ")");
            }
            for (int c = 0; c < width; c++) {
                sums[grp][c] += f[i * width + c];
            }
        }
        return sums;
    }

    @Override
    public double maxEntry() {
        int chunks = chunkCount();
        double[] max = new double[chunks];
        try (Workers workers = new Workers(threads)) {
            workers.forEachChunk(chunks, chunk -> {
                double mx = 0;
                for (int i = chunk * CHUNK_ROWS; i < Math.min(n, (chunk + 1) * CHUNK_ROWS); i++) {
                    int at = i * width;
                    for (int j = 0; j < m; j++) {
                        mx = Math.max(mx, entry(at, j));
                    }
                }
                max[chunk] = mx;
            });
        }
        double best = 0;
        for (double v : max) {
            best = Math.max(best, v);
        }
        return best;
    }

    /** {@inheritDoc} O(m·r₂) from the factors. */
    @Override
    public double[] row(int i) {
        if (i < 0 || i >= n) {
            throw new InvalidInputException("Row " + i + " is outside the coupling's " + n + " source cells.");
        }
        double[] out = new double[m];
        for (int j = 0; j < m; j++) {
            out[j] = entry(i * width, j);
        }
        return out;
    }

    /** P_ij for the row starting at {@code leftAt} = i·width. */
    private double entry(int leftAt, int j) {
        int at = j * width;
        double s = 0;
        for (int c = 0; c < width; c++) {
            s += left[leftAt + c] * right[at + c];
        }
        return s;
    }

    /** {@inheritDoc} Same rule as {@link DenseCoupling#sparse}: kept iff P_ij &gt; 0 and P_ij ≥ t · max P. */
    @Override
    public SparseCoupling sparse(double relativeThreshold) {
        TileCoupling.requireThreshold(relativeThreshold);
        double max = maxEntry();
        double cut = relativeThreshold * max;
        // max_j P_ij ≤ Σ_c L_ic · max_j R_jc: rows under the cut are dropped whole, with their exact row sum
        double[] columnMax = new double[width];
        for (int j = 0; j < m; j++) {
            for (int c = 0; c < width; c++) {
                columnMax[c] = Math.max(columnMax[c], right[j * width + c]);
            }
        }
        double[] rowSums = rowSums();
        int chunks = chunkCount();
        SparseEntries[] parts = new SparseEntries[chunks];
        try (Workers workers = new Workers(threads)) {
            workers.forEachChunk(chunks, chunk -> {
                SparseEntries e = new SparseEntries();
                for (int i = chunk * CHUNK_ROWS; i < Math.min(n, (chunk + 1) * CHUNK_ROWS); i++) {
                    int at = i * width;
                    if (dot(left, at, columnMax) < cut) {
                        e.dropped += rowSums[i];
                        continue;
                    }
                    for (int j = 0; j < m; j++) {
                        e.offer(i, j, entry(at, j), cut);
                    }
                }
                parts[chunk] = e;
            });
        }
        return SparseEntries.join(parts, max, Double.NaN);
    }

    private int chunkCount() {
        return (n + CHUNK_ROWS - 1) / CHUNK_ROWS;
    }


}
