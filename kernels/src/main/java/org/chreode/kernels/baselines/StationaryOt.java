package org.chreode.kernels.baselines;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.markov.AbsorbingChain;
import org.chreode.kernels.markov.Gmres;
import org.chreode.kernels.markov.LinearOperator;
import org.chreode.kernels.sinkhorn.BalancedSinkhorn;
import org.chreode.kernels.snapshot.Role;

/**
 * StationaryOT fate probabilities (Zhang et al. 2021) with the growth heuristic of the MultistageOT paper's baseline
 * (spec stationaryot.md §1–2.3).
 *
 * <p><b>Model.</b> One balanced entropic OT problem maps the N cells to themselves over a time step Δt:
 * <ul>
 *   <li>cost C_ij = ‖x_i − x_j‖² / s, diagonal included (self-transport allowed), with scale s from
 *       {@link CostNormalization}: MEAN = mean over all N² entries (zero diagonal included; the reference runs),
 *       MEDIAN = median over the N(N−1) off-diagonal entries, NONE = 1;</li>
 *   <li>growth g_i = 0 on sinks (terminal cells, n_F of them), g_i = (n_F/n₀ + 1)^{1/Δt} on sources (initial cells,
 *       n₀), g_i = 1 elsewhere; source marginal μ = g^Δt, so Σμ = N; target marginal ν = (Σμ/N)·𝟙;</li>
 *   <li>γ = argmin ⟨C, γ⟩ − ε H(γ) s.t. γ𝟙 = μ, γᵀ𝟙 = ν ({@link BalancedSinkhorn}, stopping when
 *       ‖γᵀ𝟙 − ν‖₂ &lt; tolerance·Σμ);</li>
 *   <li>transition matrix P: non-sink rows P_ij = γ_ij / Σ_j γ_ij (= exp((g_j − C_ij)/ε) normalised, computed with a
 *       max shift), sink rows absorbing (P_ss = 1);</li>
 *   <li>fates: with Q = P[T, T] over the transient (non-sink) cells and R_k = Σ_{sinks s of lineage k} P[T, s], the
 *       absorption probabilities Z_k = (I − Q)⁻¹ R_k ({@link AbsorbingChain}, one Jacobi-preconditioned GMRES solve
 *       per lineage); sink rows are one-hot on their own lineage. Lineages = sorted unique fate labels of the
 *       terminal cells.</li>
 * </ul>
 * Run to convergence, this reproduces statot 0.0.14 + POT 0.8.2 ({@code statot(..., method="ent")},
 * {@code row_normalise}, {@code compute_fate_probs_lineages}) to 1e-6 on the shipped reference outputs.
 *
 * <p>Memory: the N×N cost, the stabilised kernel (twice, during Sinkhorn) and the transient block of P are stored
 * densely (about 4·8·N² bytes), suitable up to N ≈ 10⁴.
 *
 * <p>References: S. Zhang, A. Afanassiev, L. Greenstreet, T. Matsumoto, G. Schiebinger, "Optimal transport analysis
 * reveals trajectories in steady-state systems", PLoS Comput. Biol. 17:e1009466 (2021); M. Tronstad, J. Karlsson,
 * J. S. Dahlin, MultistageOT, PNAS (2025), Methods 6.3.4.
 *
 * @since 0.1
 */
public final class StationaryOt {

    /** ε of the MultistageOT paper's baseline run (in units of the normalised cost). */
    public static final double DEFAULT_EPSILON = 0.12;
    /** Δt of the MultistageOT paper's baseline run and of the StationaryOT example. */
    public static final double DEFAULT_TIME_STEP = 0.25;
    /** Relative Sinkhorn stopping threshold; statot's default is 1e-9, the reference tests use 1e-12. */
    public static final double DEFAULT_TOLERANCE = 1e-9;
    /** Sinkhorn iteration cap (statot's {@code maxiter}). */
    public static final int DEFAULT_MAX_ITERATIONS = 5000;
    /** Relative GMRES residual of every fate solve. */
    public static final double FATE_TOLERANCE = 1e-13;
    /** Krylov dimension of the fate solves (retried with twice this on stagnation). */
    public static final int FATE_RESTART = 60;

    private StationaryOt() {
    }

    /**
     * Fate probabilities and run diagnostics. Immutable: arrays are copied in and out, the diagnostics map is an
     * unmodifiable copy.
     *
     * @param fateLabels        sorted lineage labels (column order)
     * @param fateProbabilities N × K, data order; sink rows one-hot
     * @param convergence       of the Sinkhorn solve
     * @param costScale         s, the divisor applied to the squared distances
     * @param diagnostics       sinkhornIterations, rowMarginalError, columnMarginalError, totalMass, sourceMass,
     *                          initialCells, terminalCells, gmresIterations (per lineage), gmresResiduals
     *                          (per lineage), maxRowSumDeviation
     */
    public record Result(String[] fateLabels, double[][] fateProbabilities, Convergence convergence, double costScale,
                         Map<String, Object> diagnostics) {
        public Result {
            fateLabels = fateLabels.clone();
            fateProbabilities = copy(fateProbabilities);
            diagnostics = Collections.unmodifiableMap(new LinkedHashMap<>(diagnostics));
        }

        @Override
        public String[] fateLabels() {
            return fateLabels.clone();
        }

        @Override
        public double[][] fateProbabilities() {
            return copy(fateProbabilities);
        }
    }

    /** {@link #fit(double[][], Role[], String[], double, double, CostNormalization, double, int, IterationListener)}
     *  with the paper's defaults: ε = 0.12, Δt = 0.25, MEAN normalisation, tolerance 1e-9, 5000 iterations. */
    public static Result fit(double[][] x, Role[] roles, String[] fates) {
        return fit(x, roles, fates, DEFAULT_EPSILON, DEFAULT_TIME_STEP, CostNormalization.MEAN, DEFAULT_TOLERANCE,
                DEFAULT_MAX_ITERATIONS, IterationListener.NONE);
    }

    /**
     * Fits StationaryOT and returns fate probabilities.
     *
     * @param x             N × d cell coordinates (e.g. PCA), not modified
     * @param roles         per cell: INITIAL = source, TERMINAL = sink, INTERMEDIATE otherwise
     * @param fates         per cell lineage label, read for terminal cells only
     * @param epsilon       entropic regularisation in units of the normalised cost, &gt; 0
     * @param timeStep      Δt &gt; 0
     * @param normalization MEAN, MEDIAN or NONE (REFERENCE is MultistageOT-specific and rejected)
     * @param tolerance     relative Sinkhorn stopping threshold (error &lt; tolerance·Σμ)
     * @param maxIterations Sinkhorn iteration cap
     * @param listener      progress of Sinkhorn ("sinkhorn") and the fate solves ("gmres class k")
     * @throws InvalidInputException          on bad shapes, roles, labels or parameters
     * @throws NumericalInstabilityException  if Sinkhorn meets NaN or a fate solve does not converge
     */
    public static Result fit(double[][] x, Role[] roles, String[] fates, double epsilon, double timeStep,
                             CostNormalization normalization, double tolerance, int maxIterations,
                             IterationListener listener) {
        FateLabels labels = FateLabels.of(roles, fates).requireInitialCells("StationaryOT");
        FateLabels.requirePoints(x, roles.length);
        InvalidInputException.requirePositive("epsilon", epsilon);
        InvalidInputException.requirePositive("timeStep", timeStep);
        IterationListener progress = listener == null ? IterationListener.NONE : listener;
        BalancedSinkhorn sinkhorn = new BalancedSinkhorn(epsilon, tolerance, maxIterations,
                BalancedSinkhorn.DEFAULT_CHECK_INTERVAL);
        int n = x.length;
        double[][] cost = squaredDistances(x);
        double scale = costScale(cost, normalization);
        IntStream.range(0, n).parallel().forEach(i -> {
            for (int j = 0; j < n; j++) {
                cost[i][j] /= scale;
            }
        });
        double[] mu = sourceMass(roles, timeStep);
        double total = Arrays.stream(mu).sum();
        double[] nu = new double[n];
        Arrays.fill(nu, total / n);
        BalancedSinkhorn.Result ot = sinkhorn.solve(cost, mu, nu, progress);

        int[] transients = IntStream.range(0, n).filter(i -> roles[i] != Role.TERMINAL).toArray();
        int[] position = new int[n];
        Arrays.fill(position, -1);
        for (int t = 0; t < transients.length; t++) {
            position[transients[t]] = t;
        }
        double[][] q = new double[transients.length][transients.length];
        double[][] r = new double[labels.count()][transients.length];
        double[] g = ot.g();
        IntStream.range(0, transients.length).parallel().forEach(t -> {
            double[] row = transitionRow(cost[transients[t]], g, epsilon);
            for (int j = 0; j < n; j++) {
                if (position[j] >= 0) {
                    q[t][position[j]] = row[j];
                } else {
                    r[labels.fateOf(j)][t] += row[j];
                }
            }
        });
        double[] diagonal = new double[transients.length];
        for (int t = 0; t < transients.length; t++) {
            diagonal[t] = 1.0 - q[t][t];
        }
        Gmres gmres = new Gmres().withTolerance(FATE_TOLERANCE).withRestart(FATE_RESTART)
                .withPreconditioner(Gmres.jacobi(diagonal), Gmres.Side.RIGHT);
        AbsorbingChain.Result z = new AbsorbingChain(gmres).absorptionProbabilities(dense(q), r, progress);

        double[][] probabilities = new double[n][labels.count()];
        double[][] zt = z.values();
        double maxDeviation = 0;
        for (int i = 0; i < n; i++) {
            if (position[i] >= 0) {
                probabilities[i] = zt[position[i]];
            } else {
                probabilities[i][labels.fateOf(i)] = 1.0;
            }
            maxDeviation = Math.max(maxDeviation, Math.abs(Arrays.stream(probabilities[i]).sum() - 1.0));
        }
        Map<String, Object> diagnostics = new LinkedHashMap<>();
        diagnostics.put("sinkhornIterations", ot.convergence().iterations());
        diagnostics.put("rowMarginalError", ot.rowMarginalError());
        diagnostics.put("columnMarginalError", ot.columnMarginalError());
        diagnostics.put("totalMass", total);
        diagnostics.put("sourceMass", sourceMassOf(labels, timeStep));
        diagnostics.put("initialCells", labels.initialCount());
        diagnostics.put("terminalCells", labels.terminalCount());
        diagnostics.put("gmresIterations", List.of(Arrays.stream(z.iterations()).boxed().toArray(Integer[]::new)));
        diagnostics.put("gmresResiduals", List.of(Arrays.stream(z.residuals()).boxed().toArray(Double[]::new)));
        diagnostics.put("maxRowSumDeviation", maxDeviation);
        return new Result(labels.labels(), probabilities, ot.convergence(), scale, diagnostics);
    }

    /**
     * The source marginal μ = g^Δt of the growth heuristic: 0 on terminal cells, ((n_F/n₀ + 1)^{1/Δt})^Δt on initial
     * cells (evaluated as the two powers, like the reference), 1 elsewhere.
     *
     * @throws InvalidInputException without initial or terminal cells
     */
    public static double[] sourceMass(Role[] roles, double timeStep) {
        FateLabels counts = FateLabels.of(roles, placeholderFates(roles)).requireInitialCells("StationaryOT");
        double source = sourceMassOf(counts, timeStep);
        double[] mu = new double[roles.length];
        for (int i = 0; i < roles.length; i++) {
            mu[i] = roles[i] == Role.TERMINAL ? 0.0 : roles[i] == Role.INITIAL ? source : 1.0;
        }
        return mu;
    }

    private static double sourceMassOf(FateLabels counts, double timeStep) {
        double growth = Math.pow((double) counts.terminalCount() / counts.initialCount() + 1.0, 1.0 / timeStep);
        return Math.pow(growth, timeStep);
    }

    private static String[] placeholderFates(Role[] roles) {
        String[] fates = new String[roles == null ? 0 : roles.length];
        Arrays.fill(fates, "fate");
        return fates;
    }

    /**
     * The cost scale s: MEAN = mean of all N² entries (zero diagonal included), MEDIAN = median of the off-diagonal
     * entries (average of the two middle values for an even count), NONE = 1.
     *
     * @param squared symmetric N × N squared distances
     * @throws InvalidInputException for REFERENCE, or when the scale is not positive (all cells identical)
     */
    public static double costScale(double[][] squared, CostNormalization normalization) {
        if (normalization == null || normalization == CostNormalization.REFERENCE) {
            throw InvalidInputException.parameter("cost-normalization", normalization == null ? null
                    : normalization.label(), "StationaryOT supports mean, median or none");
        }
        int n = squared.length;
        double scale;
        switch (normalization) {
            case NONE:
                return 1.0;
            case MEAN:
                scale = Arrays.stream(squared).parallel().mapToDouble(row -> Arrays.stream(row).sum()).sum()
                        / ((double) n * n);
                break;
            default:
                double[] upper = new double[n * (n - 1) / 2];
                int p = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = i + 1; j < n; j++) {
                        upper[p++] = squared[i][j];
                    }
                }
                Arrays.parallelSort(upper);
                int h = upper.length / 2;
                scale = upper.length == 0 ? 0 : upper.length % 2 == 1 ? upper[h] : 0.5 * (upper[h - 1] + upper[h]);
        }
        if (!(scale > 0) || !Double.isFinite(scale)) {
            throw new InvalidInputException("Cost scale (" + normalization.label() + " squared distance) is " + scale
                    + ": the cells must not all coincide; use cost normalization 'none' otherwise.");
        }
        return scale;
    }

    /** D_ij = ‖x_i − x_j‖² (exactly symmetric, zero diagonal). */
    static double[][] squaredDistances(double[][] x) {
        int n = x.length;
        double[][] d = new double[n][n];
        IntStream.range(0, n).parallel().forEach(i -> {
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                for (int c = 0; c < x[i].length; c++) {
                    double diff = x[i][c] - x[j][c];
                    s += diff * diff;
                }
                d[i][j] = s;
            }
        });
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                d[i][j] = d[j][i];
            }
        }
        return d;
    }

    /** P_i· = softmax_j((g_j − C_ij)/ε), i.e. γ_i·/Σ_j γ_ij with f_i cancelled. */
    private static double[] transitionRow(double[] costRow, double[] g, double epsilon) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < g.length; j++) {
            max = Math.max(max, g[j] - costRow[j]);
        }
        double[] row = new double[g.length];
        double sum = 0;
        for (int j = 0; j < g.length; j++) {
            row[j] = Math.exp((g[j] - costRow[j] - max) / epsilon);
            sum += row[j];
        }
        for (int j = 0; j < g.length; j++) {
            row[j] /= sum;
        }
        return row;
    }

    private static LinearOperator dense(double[][] q) {
        return new LinearOperator() {
            @Override
            public int dimension() {
                return q.length;
            }

            @Override
            public void apply(double[] in, double[] out) {
                IntStream range = IntStream.range(0, q.length);
                (q.length >= 256 ? range.parallel() : range).forEach(i -> {
                    double s = 0;
                    double[] row = q[i];
                    for (int j = 0; j < row.length; j++) {
                        s += row[j] * in[j];
                    }
                    out[i] = s;
                });
            }
        };
    }

    private static double[][] copy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
        }
        return out;
    }
}
