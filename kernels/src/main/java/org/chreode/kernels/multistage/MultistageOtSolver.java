package org.chreode.kernels.multistage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;
import org.chreode.kernels.geometry.KernelMode;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.linalg.Workers;

/**
 * MultistageOT (Tronstad, Karlsson, Dahlin, PNAS 2025; spec {@code shared/specs/multistageot.md}): multistage
 * entropic optimal transport of a snapshot from initial to terminal cells, giving every cell a pseudotime, fate
 * probabilities and mean absorption time.
 *
 * <p>Problem: minimise sum_t &lt;C, M_t&gt; + epsilon sum_t KL(M_t | P_t) over stage plans M_0..M_{T-1} with initial
 * cells sending &gt;= 1, flow conservation at every intermediate stage, every intermediate cell sending &gt;= 1 in total
 * and every terminal cell receiving &gt;= 1; C = squared Euclidean distance / scale, self-transport forbidden.
 *
 * <p>Algorithm: the generalised Sinkhorn iteration of {@link MultistageSinkhorn} with the Gibbs kernel
 * E = exp(-C/epsilon), then optionally the proximal-point loop (section 9): repeatedly solve with the previous plans
 * as prior and proximal epsilon_p = epsilon, which equals the plain problem at
 * epsilon_eff = (1/epsilon + p/epsilon_p)^-1, until epsilon_eff &lt;= epsilonTarget (the published ratio test
 * (eff - eps0)/(target - eps0) &gt;= 1). Priors are never stored: stage kernels are diag(x_t) exp(-C kappa_p)
 * diag(y_t) with kappa_p = 1/epsilon_eff and x_t, y_t the previous plan factors (section 9.2).
 *
 * <p>Memory: one intermediate kernel plus O(T N) vectors. The kernel is packed symmetric (n(n-1)/2 entries, float64
 * or float32) in {@code stored} mode, recomputed in row tiles from the coordinates on every product in {@code online}
 * mode, a grid of tiles on Spark executors in {@code distributed} mode; {@code auto} (the default) stores it when
 * it fits {@link KernelMode#defaultBudget} ({@link KernelMode#resolve}); docs/kernel-modes.md.
 * Plans, priors and the transition matrix are never formed. Fates come from GMRES on the factored chain.
 *
 * <p>When it does not converge: {@code maxIterations} reached gives a result flagged MAX_ITERATIONS (loosen the
 * tolerance or raise the cap); under/overflow of the scalings throws {@link NumericalInstabilityException} (raise
 * epsilon; reach small epsilon with epsilonTarget).
 */
public final class MultistageOtSolver {

    /** Proximal iterations allowed; epsilon / epsilonTarget - 1 are needed. */
    public static final int MAX_PROXIMAL_ITERATIONS = 1000;

    private final double epsilon;
    private final double epsilonTarget;
    private final double tolerance;
    private final int maxIterations;
    private final int checkInterval;
    private final boolean referencePlans;
    private final KernelPrecision precision;
    private final int threads;
    private final KernelMode kernelMode;
    private final long kernelBudgetBytes;
    private final IntermediateKernelFactory distributedKernel;

    /**
     * @param epsilon        entropic regularisation, normalised cost units
     * @param epsilonTarget  proximal loop target, NaN for none
     * @param tolerance      stopping threshold of step + infeasibility
     * @param maxIterations  sweep cap per Sinkhorn solve
     * @param checkInterval  sweeps between checks (the published {@code patience})
     * @param referencePlans plans from start-of-sweep scalings (published-code parity)
     * @param precision      kernel storage
     * @param threads        workers for kernel products
     */
    public MultistageOtSolver(double epsilon, double epsilonTarget, double tolerance, int maxIterations,
                              int checkInterval, boolean referencePlans, KernelPrecision precision, int threads) {
        this.epsilon = InvalidInputException.requirePositive("epsilon", epsilon);
        if (!Double.isNaN(epsilonTarget) && !(epsilonTarget > 0 && epsilonTarget < epsilon)) {
            throw InvalidInputException.parameter("epsilon-target", epsilonTarget, "must be > 0 and < epsilon");
        }
        if (epsilon / epsilonTarget > MAX_PROXIMAL_ITERATIONS + 1) {
            throw InvalidInputException.parameter("epsilon-target", epsilonTarget, "needs more than "
                    + MAX_PROXIMAL_ITERATIONS + " proximal iterations; keep epsilon/epsilon-target below "
                    + (MAX_PROXIMAL_ITERATIONS + 1));
        }
        this.epsilonTarget = epsilonTarget;
        this.tolerance = InvalidInputException.requirePositive("tolerance", tolerance);
        this.maxIterations = InvalidInputException.requireAtLeast("max-iterations", maxIterations, 1);
        this.checkInterval = InvalidInputException.requireAtLeast("check-interval", checkInterval, 1);
        this.referencePlans = referencePlans;
        this.precision = precision;
        this.threads = InvalidInputException.requireAtLeast("threads", threads, 1);
        this.kernelMode = KernelMode.AUTO;
        this.kernelBudgetBytes = KernelMode.defaultBudget(Runtime.getRuntime().maxMemory(), 1);
        this.distributedKernel = null;
    }

    private MultistageOtSolver(MultistageOtSolver base, KernelMode kernelMode, long kernelBudgetBytes,
                               IntermediateKernelFactory distributedKernel) {
        this.epsilon = base.epsilon;
        this.epsilonTarget = base.epsilonTarget;
        this.tolerance = base.tolerance;
        this.maxIterations = base.maxIterations;
        this.checkInterval = base.checkInterval;
        this.referencePlans = base.referencePlans;
        this.precision = base.precision;
        this.threads = base.threads;
        this.kernelMode = kernelMode;
        this.kernelBudgetBytes = kernelBudgetBytes;
        this.distributedKernel = distributedKernel;
    }

    /**
     * This solver with another kernel memory strategy ({@link KernelMode}; the constructor's is {@code auto} with
     * {@link KernelMode#defaultBudget} of this JVM's max heap). {@code distributed} needs
     * {@link #withDistributedKernel}.
     *
     * @param kernelMode        where the intermediate kernel lives
     * @param kernelBudgetBytes bytes a stored kernel may take under {@code auto} (&gt; 0)
     */
    public MultistageOtSolver withKernelMode(KernelMode kernelMode, long kernelBudgetBytes) {
        if (kernelBudgetBytes <= 0) {
            throw InvalidInputException.parameter("kernel-budget-bytes", kernelBudgetBytes, "must be > 0");
        }
        return new MultistageOtSolver(this, kernelMode, kernelBudgetBytes, distributedKernel);
    }

    /** This solver in {@code distributed} kernel mode, with the kernel made by {@code factory} (the Spark module). */
    public MultistageOtSolver withDistributedKernel(IntermediateKernelFactory factory) {
        return new MultistageOtSolver(this, KernelMode.DISTRIBUTED, kernelBudgetBytes,
                java.util.Objects.requireNonNull(factory, "factory"));
    }

    /** The strategy a solve with an n x n intermediate kernel uses, {@code auto} resolved. */
    public KernelMode kernelModeFor(int n) {
        return kernelMode.resolve(n, precision, kernelBudgetBytes);
    }

    /** One line for the log: the mode, and for auto why. */
    private String describe(KernelMode mode, int n) {
        long need = KernelMode.storedBytes(n, precision);
        String sizes = String.format(java.util.Locale.ROOT, "%d x %d intermediate kernel, %.1f MiB packed %s",
                n, n, need / 1048576.0, precision.label());
        if (kernelMode == KernelMode.AUTO) {
            return String.format(java.util.Locale.ROOT, "--kernel auto chose %s: %s %s the budget of %.1f MiB",
                    mode.label(), sizes, need <= kernelBudgetBytes ? "fits" : "exceeds", kernelBudgetBytes / 1048576.0);
        }
        return switch (mode) {
            case STORED -> "--kernel stored: " + sizes;
            case ONLINE -> "--kernel online: " + n + " x " + n + " intermediate kernel recomputed in row tiles on every"
                    + " product (nothing n x n held)";
            default -> "--kernel " + mode.label() + ": " + n + " x " + n + " intermediate kernel held in tiles on the"
                    + " executors";
        };
    }

    private IntermediateKernelFactory kernelFactory(KernelMode mode) {
        return switch (mode) {
            case STORED -> IntermediateKernelFactory.stored(precision);
            case ONLINE -> IntermediateKernelFactory.online();
            case DISTRIBUTED -> {
                if (distributedKernel == null) {
                    throw InvalidInputException.parameter("kernel", "distributed", "needs Spark: run it through the"
                            + " chreode snapshot command (single solve), not the kernels library or a partitioned run");
                }
                yield distributedKernel;
            }
            case AUTO -> throw new IllegalStateException("auto is resolved before a kernel is built");
        };
    }

    public MultistageOtResult solve(MultistageOtProblem problem, IterationListener listener) {
        return solveDetailed(problem, listener).result();
    }

    /** Default number of exported transitions per cell of {@link #solveSparse}. */
    public static final int DEFAULT_TRANSITIONS_PER_CELL = 32;

    /**
     * A solve plus the sparse export of its Markov chain.
     *
     * @param result      the dense-path result (fates, pseudotime, expected stage, convergence)
     * @param transitions the top-k outgoing transition weights per cell, with dropped mass per cell
     */
    public record SparseSolution(MultistageOtResult result, SparseTransitions transitions) {
    }

    /**
     * Solves and exports the aggregated transition plan sparsely (one pass over the packed kernel).
     *
     * @param transitionsPerCell k: entries kept per row (use {@link Integer#MAX_VALUE} for all)
     * @param relativeThreshold  entries below this fraction of their row total are dropped too (0 for none)
     */
    public SparseSolution solveSparse(MultistageOtProblem problem, IterationListener listener, int transitionsPerCell,
                                      double relativeThreshold) {
        InvalidInputException.requireAtLeast("transitions-per-cell", transitionsPerCell, 1);
        if (!(relativeThreshold >= 0 && relativeThreshold < 1)) {
            throw InvalidInputException.parameter("relative-threshold", relativeThreshold, "must be in [0, 1)");
        }
        Solution s = solveDetailed(problem, listener);
        SparseTransitions sparse = SparseExport.export(s.operators(), s.plan(), problem.layout(), transitionsPerCell,
                relativeThreshold);
        return new SparseSolution(s.result(), sparse);
    }

    /** {@link #solveSparse(MultistageOtProblem, IterationListener, int, double)} without a threshold. */
    public SparseSolution solveSparse(MultistageOtProblem problem, IterationListener listener, int transitionsPerCell) {
        return solveSparse(problem, listener, transitionsPerCell, 0);
    }

    /** The result together with the final stage kernels and plan factors (tests rebuild dense plans from them). */
    record Solution(MultistageOtResult result, StageOperators operators, PlanFactors plan) {

        /**
         * Dense stage plans (tiny problems only): M_0 n0 x n1, M_t n x (n + nF) for t = 1..T-2, M_{T-1} n x nF.
         */
        double[][][] densePlans() {
            int last = plan.stages() - 1;
            double[][][] m = new double[plan.stages()][][];
            int n0 = plan.row[0].length;
            int n1 = plan.toIntermediate[0].length;
            m[0] = new double[n0][n1];
            for (int i = 0; i < n0; i++) {
                for (int j = 0; j < n1; j++) {
                    m[0][i][j] = plan.row[0][i] * operators.initial.get(i, j) * plan.toIntermediate[0][j];
                }
            }
            int size = operators.kernel.intermediate().size();
            double[][] dense = new double[size][size];
            operators.kernel.intermediate().forEachRow((i, row) -> {
                for (int j = 0; j < i; j++) {
                    dense[i][j] = row[j];
                    dense[j][i] = row[j];
                }
            });
            for (int t = 1; t <= last; t++) {
                int n = plan.row[t].length;
                int nF = plan.toTerminal[t].length;
                int mid = t < last ? n : 0;
                m[t] = new double[n][mid + nF];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < mid; j++) {
                        double e = dense[i][j];
                        m[t][i][j] = operators.logStage[t]
                                ? (e == 0 ? 0 : Math.exp(operators.logRow[t][i] + Math.log(plan.row[t][i]) + Math.log(e)
                                        + operators.logCol[t][j] + Math.log(plan.toIntermediate[t][j])))
                                : operators.midRow[t][i] * plan.row[t][i] * e
                                        * operators.midCol[t][j] * plan.toIntermediate[t][j];
                    }
                    for (int j = 0; j < nF; j++) {
                        m[t][i][mid + j] = plan.row[t][i] * operators.terminal[t].get(i, j) * plan.toTerminal[t][j];
                    }
                }
            }
            return m;
        }
    }

    Solution solveDetailed(MultistageOtProblem problem, IterationListener listener) {
        MultistageLayout layout = problem.layout();
        int stagesT = problem.transportSteps();
        long t0 = System.nanoTime();
        MultistageCosts costs = new MultistageCosts(problem.features(), layout, problem.costNormalization(),
                problem.outlierCost());
        boolean aux = costs.outlierStates();
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("cost_scale_seconds", seconds(t0));
        try (Workers workers = new Workers(threads)) {
            long t1 = System.nanoTime();
            double kappa = 1.0 / epsilon;
            KernelMode mode = kernelModeFor(costs.intermediateCount());
            IntermediateKernelFactory factory = kernelFactory(mode);
            listener.onNote("kernel", describe(mode, costs.intermediateCount()));
            MultistageKernel kernel = MultistageKernel.build(costs, kappa, factory, workers);
            requireNoEmptyRows(kernel, layout, epsilon, workers);
            timings.put("kernel_seconds", seconds(t1));

            long t2 = System.nanoTime();
            MultistageSinkhorn sinkhorn = new MultistageSinkhorn(costs, stagesT, referencePlans, tolerance,
                    maxIterations, checkInterval, listener, workers);
            MultistageSinkhorn.Outcome outcome = sinkhorn.solve(StageOperators.plain(kernel, stagesT), epsilon, false,
                    "sinkhorn");
            List<Map<String, Object>> solves = new ArrayList<>();
            solves.add(outcome.diagnostics());
            timings.put("sinkhorn_seconds", seconds(t2));

            long t3 = System.nanoTime();
            double effective = epsilon;
            List<Double> effectiveHistory = new ArrayList<>();
            effectiveHistory.add(effective);
            if (!Double.isNaN(epsilonTarget)) {
                double proximalEpsilon = epsilon;
                int outer = 0;
                PlanFactors logPrior = null;
                while ((effective - epsilon) / (epsilonTarget - epsilon) < 1) {
                    outer++;
                    kappa += 1.0 / proximalEpsilon;
                    kernel = kernel.refill(costs, kappa, factory, workers);
                    logPrior = PlanFactors.accumulateLogs(logPrior, outcome.plan());
                    outcome = sinkhorn.solve(StageOperators.withPrior(kernel, logPrior), proximalEpsilon, true,
                            "proximal " + outer);
                    solves.add(outcome.diagnostics());
                    effective = 1.0 / (1.0 / effective + 1.0 / proximalEpsilon);
                    effectiveHistory.add(effective);
                }
                timings.put("proximal_seconds", seconds(t3));
            }

            long t4 = System.nanoTime();
            MultistageFates.Outcome fates = MultistageFates.solve(outcome.operators(), outcome.plan(), outcome.sums(), layout, aux,
                    workers);
            timings.put("fates_seconds", seconds(t4));
            double cost = costOfTransport(outcome.operators(), outcome.plan());

            Map<String, Object> diagnostics = new LinkedHashMap<>();
            diagnostics.put("cost_scale", costs.scale());
            diagnostics.put("epsilon", epsilon);
            diagnostics.put("epsilon_effective", effective);
            diagnostics.put("converged", solves.stream().allMatch(d -> "converged".equals(d.get("status"))));
            diagnostics.put("total_sweeps", solves.stream().mapToInt(d -> (Integer) d.get("sweeps")).sum());
            diagnostics.put("total_checks", solves.stream().mapToInt(d -> (Integer) d.get("checks")).sum());
            diagnostics.put("proximal_iterations", solves.size() - 1);
            diagnostics.put("epsilon_effective_history", effectiveHistory);
            diagnostics.put("solves", solves);
            diagnostics.put("cost_of_transport", cost);
            diagnostics.put("kernel_bytes", kernel.storageBytes());
            diagnostics.put("kernel_precision", precision.label());
            diagnostics.put("kernel_mode", mode.label());
            diagnostics.put("kernel_mode_requested", kernelMode.label());
            diagnostics.put("kernel_budget_bytes", kernelBudgetBytes);
            diagnostics.put("kernel_stored_bytes_needed", KernelMode.storedBytes(costs.intermediateCount(), precision));
            diagnostics.put("fate_solver", Map.of("method", "gmres", "iterations", toList(fates.iterations()),
                    "relative_residuals", toList(fates.residuals())));
            diagnostics.put("timings", timings);
            return new Solution(assemble(layout, costs, outcome, fates, effective, cost, diagnostics),
                    outcome.operators(), outcome.plan());
        }
    }

    private MultistageOtResult assemble(MultistageLayout layout, MultistageCosts costs,
                                        MultistageSinkhorn.Outcome outcome, MultistageFates.Outcome fates,
                                        double effective, double cost, Map<String, Object> diagnostics) {
        int realN0 = layout.initialCount();
        int realN = layout.intermediateCount();
        int realNF = layout.terminalCount();
        int n0 = costs.initialCount();
        int fateCount = layout.fateCount();
        boolean aux = costs.outlierStates();
        int cells = layout.cellCount();

        double[][] mu = StageSummaries.stageMass(outcome.sums(), realN);
        double[][] nu = StageSummaries.terminalMass(outcome.sums(), realNF);
        double[] eMid = StageSummaries.expectedStage(mu);
        double[] eTerm = StageSummaries.expectedStage(nu);
        double[] concatenated = new double[realN + realNF];
        System.arraycopy(eMid, 0, concatenated, 0, realN);
        System.arraycopy(eTerm, 0, concatenated, realN, realNF);
        double[] ranks = StageSummaries.rankPseudotime(concatenated);

        double[][] fateProbabilities = new double[cells][];
        double[] pUnknown = aux ? new double[cells] : null;
        double[] pseudotime = new double[cells];
        double[] expectedStage = new double[cells];
        double[] absorption = new double[cells];
        int[] init = layout.initialRef();
        int[] mid = layout.intermediateRef();
        int[] term = layout.terminalRef();
        for (int i = 0; i < realN0; i++) {
            int row = init[i];
            fateProbabilities[row] = nonNegative(java.util.Arrays.copyOf(fates.transientFates()[i], fateCount));
            if (aux) {
                pUnknown[row] = Math.max(0, fates.transientFates()[i][fateCount]);
            }
            pseudotime[row] = 0;
            expectedStage[row] = Double.NaN;
            absorption[row] = fates.transientAbsorptionTime()[i];
        }
        for (int i = 0; i < realN; i++) {
            int row = mid[i];
            fateProbabilities[row] = nonNegative(java.util.Arrays.copyOf(fates.transientFates()[n0 + i], fateCount));
            if (aux) {
                pUnknown[row] = Math.max(0, fates.transientFates()[n0 + i][fateCount]);
            }
            pseudotime[row] = ranks[i];
            expectedStage[row] = eMid[i];
            absorption[row] = fates.transientAbsorptionTime()[n0 + i];
        }
        for (int j = 0; j < realNF; j++) {
            int row = term[j];
            fateProbabilities[row] = new double[fateCount];
            fateProbabilities[row][layout.terminalFate(j)] = 1.0;
            pseudotime[row] = ranks[realN + j];
            expectedStage[row] = eTerm[j];
            absorption[row] = 0;
        }
        return new MultistageOtResult(layout.fateLabels(), fateProbabilities, pUnknown, pseudotime, expectedStage,
                absorption, mu, nu, costs.scale(), effective, cost,
                new Convergence(outcome.convergence().status(), outcome.convergence().iterations(),
                        outcome.convergence().checks(), outcome.convergence().finalError(),
                        outcome.convergence().marginalError(), effective, outcome.convergence().errorHistory()),
                diagnostics);
    }

    /**
     * sum_t &lt;C, M_t&gt;: intermediate entries recover C as -ln(e)/kappa from the kernel, the dense blocks use their
     * stored costs.
     */
    private static double costOfTransport(StageOperators ops, PlanFactors plan) {
        MultistageKernel kernel = ops.kernel;
        int last = plan.stages() - 1;
        double cost = ops.initial.weightedBilinear(kernel.initialCost(), plan.row[0], plan.toIntermediate[0]);
        int inside = last - 1;
        int logCount = 0;
        for (int t = 1; t < last; t++) {
            logCount += ops.logStage[t] ? 1 : 0;
        }
        double[][] rows = new double[inside - logCount][];
        double[][] cols = new double[inside - logCount][];
        double[][] logRows = new double[logCount][];
        double[][] logCols = new double[logCount][];
        for (int t = 1, c = 0, l = 0; t < last; t++) {
            if (ops.logStage[t]) {
                logRows[l] = logProduct(ops.logRow[t], plan.row[t]);
                logCols[l++] = logProduct(ops.logCol[t], plan.toIntermediate[t]);
            } else {
                rows[c] = product(ops.midRow[t], plan.row[t]);
                cols[c++] = product(ops.midCol[t], plan.toIntermediate[t]);
            }
        }
        cost += kernel.intermediate().bilinearSum(kernel.costTimesKernel(), rows, cols, inside - logCount);
        if (logCount > 0) {
            cost += kernel.intermediate().bilinearSumLog(kernel.costTimesKernel(), logRows, logCols, logCount);
        }
        for (int t = 1; t <= last; t++) {
            cost += ops.terminal[t].weightedBilinear(kernel.terminalCost(), plan.row[t], plan.toTerminal[t]);
        }
        return cost;
    }

    /** ln a + ln b element-wise (first a.length entries). */
    private static double[] logProduct(double[] logA, double[] b) {
        double[] out = new double[logA.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = logA[i] + Math.log(b[i]);
        }
        return out;
    }

    private static double[] product(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = a[i] * b[i];
        }
        return out;
    }

    /** Fails fast when exp(-C/epsilon) leaves a cell with no admissible move at all. */
    private static void requireNoEmptyRows(MultistageKernel kernel, MultistageLayout layout, double epsilon,
                                           Workers workers) {
        String problem = null;
        int row = kernel.initialKernel(null, null).firstZeroRow();
        if (row >= 0) {
            problem = "initial cell #" + (row + 1) + " can reach no intermediate cell";
        }
        if (problem == null && (row = kernel.intermediate().firstZeroRow(workers)) >= 0) {
            problem = "intermediate cell #" + (row + 1) + " can reach no other intermediate cell";
        }
        if (problem == null && (row = kernel.terminalKernel(null, null).firstZeroColumn()) >= 0) {
            problem = "terminal cell #" + (row + 1) + " can be reached from no intermediate cell";
        }
        if (problem != null) {
            throw new NumericalInstabilityException("The Gibbs kernel exp(-C/epsilon) underflows to 0: " + problem
                    + " at epsilon = " + epsilon + " (normalised cost units). Use a larger --epsilon (typical 0.01-0.1)"
                    + " and reach smaller values with --epsilon-target.", 0, epsilon);
        }
    }

    /** Clears round-off negatives (|x| ~ 1e-16) of the Krylov solution; probabilities are non-negative. */
    private static double[] nonNegative(double[] p) {
        for (int k = 0; k < p.length; k++) {
            p[k] = Math.max(0, p[k]);
        }
        return p;
    }

    private static List<Object> toList(int[] a) {
        List<Object> out = new ArrayList<>();
        for (int x : a) {
            out.add(x);
        }
        return out;
    }

    private static List<Object> toList(double[] a) {
        List<Object> out = new ArrayList<>();
        for (double x : a) {
            out.add(x);
        }
        return out;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
