package org.chreode.kernels.temporal;

import java.util.Arrays;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.linalg.Workers;
import org.chreode.kernels.temporal.OnlineUnbalancedSinkhorn.TileSide;

/**
 * {@link CouplingOperator} of P_ij = exp((f_i + g_j − C_ij)/ε) from the potentials and a {@link PointCloudCost},
 * never stored (spec §9: growth, tables, push/pull as block reductions of P). Every reduction is one
 * {@link TileLogSumExp} sweep:
 * <pre>
 *   (P v)_i  = exp( f_i/ε + LSE_j((g_j + ε log v_j − C_ij)/ε) )        for v ≥ 0
 *   (Pᵀw)_j  = exp( g_j/ε + LSE_i((f_i + ε log w_i − C_ij)/ε) )        for w ≥ 0
 * </pre>
 * and a signed vector is split into its positive and negative parts (two sweeps). The sparse export visits every
 * entry once (rows whose largest entry is below the cut are skipped) and keeps P_ij ≥ t·max P.
 *
 * @since 0.2
 */
public final class TileCoupling implements CouplingOperator {

    private static final long serialVersionUID = 1L;

    private final TileSide rowsAreSources;
    private final TileSide rowsAreTargets;
    private final PointCloudCost cost;
    private final double[] f;
    private final double[] g;
    private final double epsilon;
    private final int threads;

    /**
     * @param cost     the cost the potentials were solved for
     * @param solution its potentials and ε (from {@link OnlineUnbalancedSinkhorn} or {@link UnbalancedSinkhorn})
     * @param threads  worker threads for each reduction
     */
    public TileCoupling(PointCloudCost cost, UnbalancedSinkhorn.Result solution, int threads) {
        this.cost = cost;
        this.f = solution.f();
        this.g = solution.g();
        if (f.length != cost.sourceCount() || g.length != cost.targetCount()) {
            throw new InvalidInputException("The potentials (" + f.length + " x " + g.length + ") do not match the"
                    + " cost (" + cost.sourceCount() + " x " + cost.targetCount() + ").");
        }
        this.epsilon = solution.epsilon();
        this.threads = InvalidInputException.requireAtLeast("threads", threads, 1);
        this.rowsAreSources = TileSide.of(cost.sources(), cost.scale(), cost.dimension());
        this.rowsAreTargets = TileSide.of(cost.targets(), cost.scale(), cost.dimension());
    }

    /** Inside a solve: shares the prepared sides (the caller's workers are not kept). */
    TileCoupling(TileSide rowsAreSources, TileSide rowsAreTargets, double[] f, double[] g, double epsilon,
                 Workers workers) {
        this.cost = null;
        this.rowsAreSources = rowsAreSources;
        this.rowsAreTargets = rowsAreTargets;
        this.f = f;
        this.g = g;
        this.epsilon = epsilon;
        this.threads = workers.threads();
    }

    static void requireLength(String name, double[] v, int expected) {
        if (v == null || v.length != expected) {
            throw new InvalidInputException("Vector " + name + " has " + (v == null ? 0 : v.length)
                    + " entries; the coupling needs " + expected + ".");
        }
    }

    static void requireThreshold(double t) {
        if (!(t >= 0 && t < 1)) {
            throw InvalidInputException.parameter("threshold", t, "must lie in [0, 1)");
        }
    }

    @Override
    public int sourceCount() {
        return f.length;
    }

    @Override
    public int targetCount() {
        return g.length;
    }

    @Override
    public double[] rowSums() {
        double[] ones = new double[g.length];
        Arrays.fill(ones, 1.0);
        return reduce(rowsAreSources, f, g, ones);
    }

    @Override
    public double[] columnSums() {
        double[] ones = new double[f.length];
        Arrays.fill(ones, 1.0);
        return reduce(rowsAreTargets, g, f, ones);
    }

    @Override
    public double[] apply(double[] v) {
        requireLength("v", v, g.length);
        return signed(rowsAreSources, f, g, v);
    }

    @Override
    public double[] applyTranspose(double[] w) {
        requireLength("w", w, f.length);
        return signed(rowsAreTargets, g, f, w);
    }

    private double[] signed(TileSide side, double[] rowPot, double[] colPot, double[] v) {
        double[] plus = new double[v.length];
        double[] minus = new double[v.length];
        boolean anyPlus = false;
        boolean anyMinus = false;
        for (int c = 0; c < v.length; c++) {
            if (!Double.isFinite(v[c])) {
                throw InvalidInputException.parameter("vector[" + c + "]", v[c], "must be finite");
            }
            plus[c] = Math.max(v[c], 0);
            minus[c] = Math.max(-v[c], 0);
            anyPlus |= v[c] > 0;
            anyMinus |= v[c] < 0;
        }
        double[] out = anyPlus ? reduce(side, rowPot, colPot, plus) : new double[side.rowCount()];
        if (anyMinus) {
            double[] neg = reduce(side, rowPot, colPot, minus);
            for (int r = 0; r < out.length; r++) {
                out[r] -= neg[r];
            }
        }
        return out;
    }

    /** out_r = Σ_c exp((rowPot_r + colPot_c − C_rc)/ε) v_c for v ≥ 0. */
    private double[] reduce(TileSide side, double[] rowPot, double[] colPot, double[] v) {
        double[] shifted = new double[colPot.length];
        for (int c = 0; c < shifted.length; c++) {
            shifted[c] = v[c] > 0 && colPot[c] != Double.NEGATIVE_INFINITY ? colPot[c] + epsilon * Math.log(v[c])
                    : Double.NEGATIVE_INFINITY;
        }
        double[] lse = new double[side.rowCount()];
        try (Workers workers = new Workers(threads)) {
            OnlineUnbalancedSinkhorn.logSumExp(side, shifted, epsilon, workers, lse);
        }
        double[] out = new double[lse.length];
        for (int r = 0; r < out.length; r++) {
            out[r] = rowPot[r] == Double.NEGATIVE_INFINITY || lse[r] == Double.NEGATIVE_INFINITY ? 0.0
                    : Math.exp(rowPot[r] / epsilon + lse[r]);
        }
        return out;
    }

    /** log P_ij's row maxima: max_j (f_i + g_j − C_ij)/ε. */
    private double[] logRowMax() {
        double[] lse = new double[f.length];
        double[] max = new double[f.length];
        try (Workers workers = new Workers(threads)) {
            OnlineUnbalancedSinkhorn.logSumExp(rowsAreSources, g, epsilon, workers, lse, max);
        }
        for (int i = 0; i < f.length; i++) {
            max[i] = f[i] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY : f[i] / epsilon + max[i];
        }
        return max;
    }

    /** {@inheritDoc} Read directly, O(m·d), when built from a {@link PointCloudCost}. */
    @Override
    public double[] row(int i) {
        if (cost == null || i < 0 || i >= f.length) {
            return CouplingOperator.super.row(i);
        }
        double[] out = new double[g.length];
        if (f[i] == Double.NEGATIVE_INFINITY) {
            return out;
        }
        for (int j = 0; j < out.length; j++) {
            out[j] = g[j] == Double.NEGATIVE_INFINITY ? 0.0 : Math.exp((f[i] + g[j] - cost.entry(i, j)) / epsilon);
        }
        return out;
    }

    @Override
    public double maxEntry() {
        double best = Double.NEGATIVE_INFINITY;
        for (double v : logRowMax()) {
            best = Math.max(best, v);
        }
        return Math.exp(best);
    }

    /**
     * {@inheritDoc} Entries are recomputed in a second pass with the direct difference form of the cost (as the
     * stored path computes it); needs the public constructor (the cost's coordinates).
     */
    @Override
    public SparseCoupling sparse(double relativeThreshold) {
        requireThreshold(relativeThreshold);
        if (cost == null) {
            throw new IllegalStateException("sparse export needs a TileCoupling built from a PointCloudCost");
        }
        double[] rowMax = logRowMax();
        double logMax = Double.NEGATIVE_INFINITY;
        for (double v : rowMax) {
            logMax = Math.max(logMax, v);
        }
        double logCut = relativeThreshold > 0 ? logMax + Math.log(relativeThreshold) : Double.NEGATIVE_INFINITY;
        double total = 0;
        for (double r : rowSums()) {
            total += r;
        }
        int n = f.length;
        int m = g.length;
        int chunkRows = OnlineUnbalancedSinkhorn.CHUNK_ROWS;
        int chunks = (n + chunkRows - 1) / chunkRows;
        SparseEntries[] parts = new SparseEntries[chunks];
        try (Workers workers = new Workers(threads)) {
            workers.forEachChunk(chunks, chunk -> {
                SparseEntries e = new SparseEntries();
                for (int i = chunk * chunkRows; i < Math.min(n, (chunk + 1) * chunkRows); i++) {
                    if (f[i] == Double.NEGATIVE_INFINITY || rowMax[i] < logCut) {
                        continue;
                    }
                    for (int j = 0; j < m; j++) {
                        if (g[j] == Double.NEGATIVE_INFINITY) {
                            continue;
                        }
                        double logP = (f[i] + g[j] - cost.entry(i, j)) / epsilon;
                        if (logP >= logCut) {
                            e.add(i, j, Math.exp(logP));
                        }
                    }
                }
                parts[chunk] = e;
            });
        }
        return SparseEntries.join(parts, Math.exp(logMax), total);
    }


}
