package org.chreode.jobs.temporal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.chreode.jobs.Failures;
import org.chreode.jobs.TaskBudget;
import org.chreode.jobs.io.AtomicOutput;
import org.chreode.jobs.io.SnapshotOutputWriter;
import org.chreode.jobs.snapshot.LoggingIterationListener;
import org.chreode.jobs.temporal.TemporalTableReader.TemporalInput;
import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelMode;
import org.chreode.kernels.lowrank.FrlcSolver;
import org.chreode.kernels.temporal.CouplingChains;
import org.chreode.kernels.temporal.CouplingOperator;
import org.chreode.kernels.temporal.CouplingSolver;
import org.chreode.kernels.temporal.GrowthIterations;
import org.chreode.kernels.temporal.GrowthPrior;
import org.chreode.kernels.temporal.InterpolationValidation;
import org.chreode.kernels.temporal.LowRankCouplingSolver;
import org.chreode.kernels.temporal.OnlineUnbalancedSinkhorn;
import org.chreode.kernels.temporal.PointCloudCost;
import org.chreode.kernels.temporal.TemporalCost;
import org.chreode.kernels.temporal.TransportMap;
import org.chreode.kernels.temporal.UnbalancedSinkhorn;

/**
 * {@code chreode temporal}: unbalanced entropic OT between time points (spec {@code unbalanced_temporal_ot.md}),
 * one Spark task per time pair (features broadcast; stored, online or low-rank, {@link Backend}). Each task reduces
 * its coupling in place (growth, cell-type tables, sparse export) and its solution stays persisted on the executor:
 * couplings are written from there, and fates, descendants and ancestors chain {@link ExecutorCoupling}s (one-task
 * jobs), so nothing n × m reaches the driver. Everything is written through {@link AtomicOutput}.
 */
public final class TemporalJob {

    /** Least time between two progress lines of one solve. */
    static final long PROGRESS_INTERVAL_MILLIS = 10_000;

    private TemporalJob() {
    }

    /**
     * Solver and output parameters. {@code topK} &gt; 0 keeps at most that many entries per source cell in the
     * written coupling (its largest at or above the threshold); 0 keeps every entry at or above the threshold.
     */
    public record Params(double epsilon, double tauA, double tauB, CostNormalization costNormalization,
                         int localPca, double threshold, double tolerance, int maxIterations, int topK)
            implements Serializable {

        /** Every entry at or above the threshold is written. */
        public Params(double epsilon, double tauA, double tauB, CostNormalization costNormalization, int localPca,
                      double threshold, double tolerance, int maxIterations) {
            this(epsilon, tauA, tauB, costNormalization, localPca, threshold, tolerance, maxIterations, 0);
        }

        /** Throws {@link InvalidInputException} naming the option on a value outside its range. */
        public Params {
            if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
                throw new InvalidInputException("--epsilon must be a finite number > 0 (got " + epsilon + ").");
            }
            checkTau("--tau-a", tauA);
            checkTau("--tau-b", tauB);
            if (localPca < 0) {
                throw new InvalidInputException("--local-pca must be >= 0 (0 = use the features as given; got "
                        + localPca + ").");
            }
            if (!(threshold >= 0 && threshold < 1)) {
                throw new InvalidInputException("--threshold must be in [0, 1) (entries below threshold x max entry"
                        + " are dropped; got " + threshold + ").");
            }
            if (!(tolerance > 0)) {
                throw new InvalidInputException("--tolerance must be > 0 (got " + tolerance + ").");
            }
            if (maxIterations < 1) {
                throw new InvalidInputException("--max-iterations must be >= 1 (got " + maxIterations + ").");
            }
            if (topK < 0) {
                throw new InvalidInputException("--top-k must be >= 0 (0 = every entry above --threshold; got " + topK
                        + ").");
            }
        }

        private static void checkTau(String option, double tau) {
            if (!(tau > 0 && tau <= 1)) {
                throw new InvalidInputException(option + " must be in (0, 1] (1 = hard marginal; tau = lambda /"
                        + " (lambda + epsilon)); got " + tau + ".");
            }
        }
    }

    /**
     * Growth prior and WOT growth iterations (spec §4): {@code --growth-col} (per-cell rate g ≥ 0 per unit time,
     * G = g^Δt) or {@code --proliferation-col} / {@code --apoptosis-col} (birth–death scores,
     * G = exp((β − δ)Δt)); none of them = uniform. {@code growthIters} = k solves per pair (WOT {@code growth_iters}).
     */
    public record GrowthOptions(String growthCol, String proliferationCol, String apoptosisCol, int growthIters)
            implements Serializable {
        /** Uniform prior, one solve. */
        public static final GrowthOptions NONE = new GrowthOptions(null, null, null, 1);

        public GrowthOptions {
            if (growthIters < 1) {
                throw new InvalidInputException("--growth-iters must be >= 1 (1 = one solve with the prior; got "
                        + growthIters + ").");
            }
            if (growthCol != null && (proliferationCol != null || apoptosisCol != null)) {
                throw new InvalidInputException("Give either --growth-col (growth rates) or --proliferation-col /"
                        + " --apoptosis-col (birth-death scores), not both.");
            }
        }

        /** Columns to read, column → option. */
        public Map<String, String> columns() {
            Map<String, String> out = new LinkedHashMap<>();
            if (growthCol != null) {
                out.put(growthCol, "--growth-col");
            }
            if (proliferationCol != null) {
                out.put(proliferationCol, "--proliferation-col");
            }
            if (apoptosisCol != null) {
                out.put(apoptosisCol, "--apoptosis-col");
            }
            return out;
        }

        /** For run.json. */
        public String description() {
            if (growthCol != null) {
                return "growth rates from column '" + growthCol + "': G = g^dt, a = G/sum(G), b = 1/n";
            }
            if (proliferationCol != null || apoptosisCol != null) {
                return "birth-death prior from " + (proliferationCol == null ? "" : "proliferation '"
                        + proliferationCol + "' ") + (apoptosisCol == null ? "" : "apoptosis '" + apoptosisCol
                        + "' ") + "scores: G = exp((beta - delta) dt), a = G/sum(G), b = 1/n";
            }
            return "uniform (a = 1/n, b = 1/m)";
        }
    }

    /**
     * {@code --from LABEL} (cells whose cell type equals LABEL) or {@code --from-ids FILE} (one id per line),
     * optionally restricted to one time point ({@code --from-time}); null fields = not given.
     */
    public record FromOptions(String label, String idsFile, Double fromTime) implements Serializable {
        public static final FromOptions NONE = new FromOptions(null, null, null);

        public FromOptions {
            if (label != null && idsFile != null) {
                throw new InvalidInputException("Give either --from LABEL or --from-ids FILE, not both.");
            }
            if (fromTime != null && label == null && idsFile == null) {
                throw new InvalidInputException("--from-time needs a cell set: add --from LABEL or --from-ids FILE.");
            }
            if (fromTime != null && !Double.isFinite(fromTime)) {
                throw new InvalidInputException("--from-time must be a finite number (got " + fromTime + ").");
            }
        }

        public boolean enabled() {
            return label != null || idsFile != null;
        }
    }

    /** {@code --validate-interpolation}, {@code --validation-size}, {@code --seed}. */
    public record ValidationOptions(boolean enabled, int size, long seed) implements Serializable {
        public static final ValidationOptions NONE = new ValidationOptions(false,
                InterpolationValidation.DEFAULT_SAMPLE_SIZE, InterpolationValidation.DEFAULT_SEED);

        public ValidationOptions {
            if (size < 2) {
                throw new InvalidInputException("--validation-size must be >= 2 (got " + size + ").");
            }
        }
    }

    /**
     * Where each pair's kernel lives (docs/kernel-modes.md, spec §9): {@code kernel} stored (cost and coupling in
     * memory, 16·n·m bytes), online (coordinates only, the kernel recomputed tile by tile every iteration; memory
     * O((n + m)·d)) or auto (stored when 16·n·m bytes fit the per-task budget, else online); {@code threads} per pair
     * task (0 = the task's share of the executor cores); {@code overRelaxation} ω ∈ [1, 2) of the online solver;
     * {@code rank} r &gt; 0 = the low-rank FRLC solver of rank r instead of entropic OT ({@link LowRankCouplingSolver},
     * initialised with {@code seed}).
     */
    public record Backend(KernelMode kernel, int threads, double overRelaxation, int rank, long seed)
            implements Serializable {
        /** auto, the task's share of the cores, ω = 1, full rank. */
        public static final Backend DEFAULT = new Backend(KernelMode.AUTO, 0, 1.0, 0, 0L);

        /**
         * FRLC's outer iterations for {@code --rank}. Its stopping quantity is small from the start, so runs end at
         * the minimum; on two clusters 8 apart (60 + 40 cells per day, rank 2) 100 iterations left 5–7 % of each
         * cluster on the other, 200 separated them at γ = 90 and every seed tried, 400 at γ up to 200.
         */
        static final int LOW_RANK_MIN_ITERATIONS = 300;
        static final int LOW_RANK_MAX_ITERATIONS = 500;

        public Backend {
            if (kernel == null) {
                kernel = KernelMode.AUTO;
            }
            if (kernel == KernelMode.DISTRIBUTED) {
                throw new InvalidInputException("--kernel distributed is for one large snapshot (chreode snapshot);"
                        + " temporal pairs take auto, stored or online (pairs run in parallel as Spark tasks).");
            }
            if (threads < 0) {
                throw new InvalidInputException("--threads must be >= 0 (0 = the task's share of the cores; got "
                        + threads + ").");
            }
            if (!(overRelaxation >= 1 && overRelaxation < 2)) {
                throw new InvalidInputException("--over-relaxation must be in [1, 2) (1 = plain Sinkhorn; got "
                        + overRelaxation + ").");
            }
            if (rank < 0) {
                throw new InvalidInputException("--rank must be >= 0 (0 = full-rank entropic OT; got " + rank + ").");
            }
            if (rank > 0 && kernel != KernelMode.AUTO) {
                throw new InvalidInputException("--rank " + rank + " solves each pair with low-rank factors (memory"
                        + " O((n + m) r)); --kernel " + kernel.label() + " does not apply: leave --kernel at auto.");
            }
        }

        /** How run.json names a pair's solver: stored, online or lowrank. */
        String label(KernelMode mode) {
            return rank > 0 ? "lowrank" : mode.label();
        }

        /** Fails before any solve when the options cannot work together. */
        public void check(Params params) {
            if (kernel == KernelMode.ONLINE && params.costNormalization() == CostNormalization.MEDIAN) {
                throw new InvalidInputException("--cost-normalization median needs the stored n x m cost; with"
                        + " --kernel online use --cost-normalization mean or none.");
            }
            if (rank > 0 && (params.tauA() < 1 || params.tauB() < 1)) {
                throw new InvalidInputException("--rank solves balanced low-rank OT (with the growth prior's"
                        + " marginals): FRLC's relaxed marginals drift away from the unbalanced optimum (docs/temporal.md),"
                        + " so --tau-a and --tau-b must stay 1 with --rank (got " + params.tauA() + ", "
                        + params.tauB() + ").");
            }
            if (rank > 0 && params.costNormalization() == CostNormalization.MEDIAN) {
                throw new InvalidInputException("--cost-normalization median needs the stored n x m cost; with"
                        + " --rank use --cost-normalization mean or none.");
            }
        }
    }

    /** One run's request. {@code pairs} = the {@code --pairs} text, or null for consecutive time points. */
    public record Request(String input, String output, boolean overwrite, TemporalTableReader.Columns columns,
                          Params params, String pairs, List<String> commandLine, GrowthOptions growth,
                          FromOptions from, ValidationOptions validation, Backend backend) {
        public Request {
            growth = growth == null ? GrowthOptions.NONE : growth;
            from = from == null ? FromOptions.NONE : from;
            validation = validation == null ? ValidationOptions.NONE : validation;
            backend = backend == null ? Backend.DEFAULT : backend;
        }

        /** The default backend (auto kernel). */
        public Request(String input, String output, boolean overwrite, TemporalTableReader.Columns columns,
                       Params params, String pairs, List<String> commandLine, GrowthOptions growth,
                       FromOptions from, ValidationOptions validation) {
            this(input, output, overwrite, columns, params, pairs, commandLine, growth, from, validation, null);
        }

        /** Uniform prior, one solve, no cell set, no validation. */
        public Request(String input, String output, boolean overwrite, TemporalTableReader.Columns columns,
                       Params params, String pairs, List<String> commandLine) {
            this(input, output, overwrite, columns, params, pairs, commandLine, null, null, null, null);
        }
    }

    /** A time pair t0 → t1. */
    public record Pair(double source, double target) implements Serializable {
        public String name() {
            return format(source) + "_" + format(target);
        }
    }

    /**
     * What the driver collects for one pair (the last growth round's coupling): everything but the coupling itself.
     *
     * @param kernel          stored, online (as resolved for this pair) or lowrank
     * @param priorRates      G^{1/Δt} of the prior
     * @param roundRates      learned rates per growth round (moscot posterior_growth_rates of each round's solve)
     * @param learnedBudget   the last round's learned budget G_{k+1}
     * @param roundIterations iterations of each round
     * @param forward         row-normalised cell-type transition table (null without cell types)
     * @param backward        column-normalised cell-type transition table (null without cell types)
     * @param totalMass       ΣP
     * @param keptEntries     entries at or above the threshold
     * @param droppedMass     mass of the other entries
     * @param maxEntry        max P_ij
     */
    public record PairSummary(int index, String kernel, Convergence.Status status, int iterations, double finalError,
                              double marginalError, double costScale, int components, double seconds,
                              double[] priorRates, double[][] roundRates, double[] learnedBudget,
                              int[] roundIterations, TransportMap.TransitionTable forward,
                              TransportMap.TransitionTable backward, double totalMass, long keptEntries,
                              double droppedMass, double maxEntry) implements Serializable {
    }

    /**
     * What one pair task leaves on its executor (persisted): the summary, the coupling as an operator (chained
     * pushes and pulls run there, see {@link ExecutorCoupling}) and its sparse export (written from there).
     */
    public record PairSolution(PairSummary summary, CouplingOperator coupling, CouplingOperator.SparseCoupling sparse)
            implements Serializable {
    }

    /** A triplet t₀ &lt; t½ &lt; t₁ of consecutive time points for the interpolation validation. */
    public record Triplet(double start, double mid, double end) implements Serializable {
    }

    /** What one task returns for one triplet. */
    public record TripletResult(int index, InterpolationValidation.Distances distances, Convergence.Status status,
                                int iterations, int components, double seconds) implements Serializable {
    }

    /** The outcome: final output path, per-pair summaries, and the run.json tree. */
    public record Report(String output, List<Pair> pairs, Map<String, Object> run) {
    }

    /** Shortest decimal spelling of a time point: 10, 10.5. */
    public static String format(double t) {
        return BigDecimal.valueOf(t).stripTrailingZeros().toPlainString();
    }

    /** Parses {@code --pairs} ("10:10.5,10.5:11"); a malformed entry fails naming it. */
    public static List<Pair> parsePairs(String text) {
        List<Pair> out = new ArrayList<>();
        for (String item : text.split(",")) {
            String[] parts = item.trim().split(":");
            if (parts.length != 2) {
                throw badPairs(text, "entry '" + item.trim() + "' is not of the form T0:T1");
            }
            double a;
            double b;
            try {
                a = Double.parseDouble(parts[0].trim());
                b = Double.parseDouble(parts[1].trim());
            } catch (NumberFormatException e) {
                throw badPairs(text, "entry '" + item.trim() + "' has a time that is not a number");
            }
            if (!Double.isFinite(a) || !Double.isFinite(b)) {
                throw badPairs(text, "entry '" + item.trim() + "' has a non-finite time");
            }
            if (!(a < b)) {
                throw badPairs(text, "entry '" + item.trim() + "' does not go forward in time (need T0 < T1)");
            }
            Pair p = new Pair(a, b);
            if (out.contains(p)) {
                throw badPairs(text, "pair " + format(a) + ":" + format(b) + " is listed twice");
            }
            for (Pair q : out) {
                if (q.source() == a) {
                    throw badPairs(text, "time " + format(a) + " is the source of two pairs (growth.csv has one"
                            + " growth rate per cell)");
                }
            }
            out.add(p);
        }
        return out;
    }

    private static InvalidInputException badPairs(String text, String why) {
        return new InvalidInputException("Bad --pairs '" + text + "': " + why + ". Write pairs as T0:T1 separated"
                + " by commas, e.g. --pairs 10:10.5,10.5:11.");
    }

    public static Report run(SparkSession spark, Request request) {
        long start = System.nanoTime();
        Params params = request.params();
        List<Pair> requested = request.pairs() == null ? null : parsePairs(request.pairs());
        AtomicOutput.checkTarget(request.output(), request.overwrite(), spark.sparkContext().hadoopConfiguration());

        TemporalInput input = new TemporalTableReader(spark).read(request.input(), request.columns());
        double readSeconds = seconds(start);
        TreeMap<Double, List<Integer>> groups = new TreeMap<>();
        for (int i = 0; i < input.times().length; i++) {
            groups.computeIfAbsent(input.times()[i], k -> new ArrayList<>()).add(i);
        }
        List<String> present = groups.keySet().stream().map(TemporalJob::format).toList();
        if (groups.size() < 2) {
            throw new InvalidInputException("The input has only one time point (" + request.columns().timeCol()
                    + " = " + present.get(0) + "); temporal OT needs at least two.");
        }
        List<Pair> pairs = new ArrayList<>();
        if (requested == null) {
            Double previous = null;
            for (double t : groups.keySet()) {
                if (previous != null) {
                    pairs.add(new Pair(previous, t));
                }
                previous = t;
            }
        } else {
            for (Pair p : requested) {
                for (double t : new double[] {p.source(), p.target()}) {
                    if (!groups.containsKey(t)) {
                        throw new InvalidInputException("Time point " + format(t) + " listed in --pairs has no cells"
                                + " in column '" + request.columns().timeCol() + "'; time points present: "
                                + String.join(", ", present) + ".");
                    }
                }
            }
            pairs.addAll(requested);
        }
        int[][] sourceIdx = new int[pairs.size()][];
        int[][] targetIdx = new int[pairs.size()][];
        for (int k = 0; k < pairs.size(); k++) {
            sourceIdx[k] = indices(groups, pairs.get(k).source());
            targetIdx[k] = indices(groups, pairs.get(k).target());
        }
        GrowthOptions growth = request.growth();
        checkGrowthColumns(input, growth);
        GrowthPrior[] priors = new GrowthPrior[pairs.size()];
        for (int k = 0; k < pairs.size(); k++) {
            priors[k] = prior(input, sourceIdx[k], pairs.get(k).target() - pairs.get(k).source(), growth);
        }
        CellSet cellSet = request.from().enabled() ? CellSet.resolve(input, request.from(), groups,
                request.columns()) : null;
        List<Triplet> triplets = new ArrayList<>();
        if (request.validation().enabled()) {
            if (groups.size() < 3) {
                throw new InvalidInputException("--validate-interpolation needs at least three time points (it"
                        + " holds out the middle one of each consecutive triplet); the input has "
                        + String.join(", ", present) + ".");
            }
            List<Double> times = new ArrayList<>(groups.keySet());
            for (int k = 0; k + 2 < times.size(); k++) {
                triplets.add(new Triplet(times.get(k), times.get(k + 1), times.get(k + 2)));
            }
        }

        // ---- one Spark task per pair; solutions stay on the executors ----
        long solveStart = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Backend backend = request.backend();
        backend.check(params);
        int threads = backend.threads() > 0 ? backend.threads() : TaskBudget.threadsPerTask(spark, pairs.size());
        long budget = TaskBudget.kernelBytes(spark);
        Broadcast<double[][]> features = jsc.broadcast(input.features());
        Broadcast<String[]> cellTypes = input.cellTypes() == null ? null : jsc.broadcast(input.cellTypes());
        List<Integer> indices = new ArrayList<>();
        for (int k = 0; k < pairs.size(); k++) {
            indices.add(k);
        }
        Solve solve = new Solve(features, params, backend, threads, budget, growth.growthIters());
        JavaRDD<PairSolution> solved = jsc.parallelize(indices, pairs.size())
                .map(new PairTask(solve, sourceIdx, targetIdx, priors, cellTypes))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            List<PairSummary> summaries;
            try {
                jsc.setJobDescription("chreode temporal: solve " + pairs.size() + " pair(s)");
                summaries = new ArrayList<>(solved.map(PairSolution::summary).collect());
            } catch (RuntimeException e) {
                throw Failures.userFacing(e);
            }
            summaries.sort((x, y) -> Integer.compare(x.index(), y.index()));
            double solveSeconds = seconds(solveStart);

            // ---- interpolation validation: one Spark task per triplet ----
            long validationStart = System.nanoTime();
            List<TripletResult> validation = new ArrayList<>();
            if (!triplets.isEmpty()) {
                int t = triplets.size();
                int[][] startIdx = new int[t][];
                int[][] midIdx = new int[t][];
                int[][] endIdx = new int[t][];
                GrowthPrior[] tripletPriors = new GrowthPrior[t];
                List<Integer> tripletIndices = new ArrayList<>();
                for (int k = 0; k < t; k++) {
                    Triplet tr = triplets.get(k);
                    startIdx[k] = indices(groups, tr.start());
                    midIdx[k] = indices(groups, tr.mid());
                    endIdx[k] = indices(groups, tr.end());
                    tripletPriors[k] = prior(input, startIdx[k], tr.end() - tr.start(), growth);
                    tripletIndices.add(k);
                }
                try {
                    jsc.setJobDescription("chreode temporal: interpolation validation of " + t + " triplet(s)");
                    validation.addAll(jsc.parallelize(tripletIndices, t).map(new TripletTask(solve, startIdx, midIdx,
                            endIdx, triplets, tripletPriors, request.validation())).collect());
                } catch (RuntimeException e) {
                    throw Failures.userFacing(e);
                }
                validation.sort((x, y) -> Integer.compare(x.index(), y.index()));
            }
            double validationSeconds = seconds(validationStart);

            // ---- outputs ----
            long writeStart = System.nanoTime();
            List<ExecutorCoupling> couplings = new ArrayList<>();
            for (int k = 0; k < pairs.size(); k++) {
                couplings.add(new ExecutorCoupling(solved, k, "pair " + pairs.get(k).name(), sourceIdx[k].length,
                        targetIdx[k].length));
            }
            Map<String, Object> run = runInfo(request, input, groups, growth, backend, threads, budget);
            String finalPath;
            List<Map<String, Object>> pairReports = new ArrayList<>();
            try (AtomicOutput out = AtomicOutput.open(request.output(), request.overwrite(),
                    spark.sparkContext().hadoopConfiguration())) {
                Broadcast<String[]> ids = jsc.broadcast(input.ids());
                for (int k = 0; k < pairs.size(); k++) {
                    jsc.setJobDescription("chreode temporal: write coupling " + pairs.get(k).name());
                    pairReports.add(writeCoupling(spark, out, solved, ids, pairs.get(k), summaries.get(k),
                            sourceIdx[k], targetIdx[k]));
                }
                ids.destroy();
                writeGrowth(out, input, pairs, summaries, sourceIdx, growth.growthIters());
                boolean types = input.cellTypes() != null;
                if (types) {
                    for (int k = 0; k < pairs.size(); k++) {
                        writeTable(out, "transitions/" + pairs.get(k).name() + "_forward.csv",
                                summaries.get(k).forward());
                        writeTable(out, "transitions/" + pairs.get(k).name() + "_backward.csv",
                                summaries.get(k).backward());
                    }
                }
                jsc.setJobDescription("chreode temporal: fates");
                String fatesNote = writeFates(out, input, pairs, couplings, sourceIdx, targetIdx, types);
                run.put("pairs", pairReports);
                run.put("growth", growthReport(growth, summaries));
                run.put("fates", fatesNote);
                if (cellSet != null) {
                    jsc.setJobDescription("chreode temporal: descendants and ancestors");
                    run.put("from", writeTrajectories(out, input, cellSet, pairs, couplings, sourceIdx, targetIdx));
                }
                if (request.validation().enabled()) {
                    run.put("validation", writeValidation(out, triplets, validation, request.validation()));
                }
                Map<String, Object> timings = new LinkedHashMap<>();
                timings.put("read_seconds", readSeconds);
                timings.put("solve_seconds", solveSeconds);
                if (!triplets.isEmpty()) {
                    timings.put("validation_seconds", validationSeconds);
                }
                timings.put("write_seconds", seconds(writeStart));
                timings.put("total_seconds", seconds(start));
                run.put("timings", timings);
                finalPath = SnapshotOutputWriter.commitWithRunJson(out, run);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write the output: " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw Failures.userFacing(e);
            }
            return new Report(finalPath, pairs, run);
        } finally {
            solved.unpersist(false);
            features.destroy();
            if (cellTypes != null) {
                cellTypes.destroy();
            }
        }
    }

    private static Map<String, Object> runInfo(Request request, TemporalInput input,
                                               TreeMap<Double, List<Integer>> groups, GrowthOptions growth,
                                               Backend backend, int threads, long budget) {
        Params params = request.params();
        Map<String, Object> run = TemporalTableReader.runHeader("temporal", request.commandLine(), request.input(),
                input, request.columns());
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("epsilon", params.epsilon());
        parameters.put("tau_a", params.tauA());
        parameters.put("tau_b", params.tauB());
        parameters.put("lambda_a", params.tauA() == 1 ? "infinity"
                : UnbalancedSinkhorn.lambdaFromTau(params.tauA(), params.epsilon()));
        parameters.put("lambda_b", params.tauB() == 1 ? "infinity"
                : UnbalancedSinkhorn.lambdaFromTau(params.tauB(), params.epsilon()));
        parameters.put("cost", "squared_euclidean");
        parameters.put("cost_normalization", params.costNormalization());
        parameters.put("local_pca", params.localPca());
        parameters.put("threshold", params.threshold());
        parameters.put("top_k", params.topK());
        parameters.put("tolerance", params.tolerance());
        parameters.put("max_iterations", params.maxIterations());
        parameters.put("marginals", growth.description());
        parameters.put("growth_iters", growth.growthIters());
        parameters.put("growth_col", growth.growthCol());
        parameters.put("proliferation_col", growth.proliferationCol());
        parameters.put("apoptosis_col", growth.apoptosisCol());
        parameters.put("kernel", backend.kernel().label());
        parameters.put("threads_per_task", threads);
        parameters.put("stored_budget_bytes_per_task", budget);
        parameters.put("over_relaxation", backend.overRelaxation());
        parameters.put("rank", backend.rank());
        if (backend.rank() > 0) {
            parameters.put("low_rank", "FRLC rank " + backend.rank() + ", " + Backend.LOW_RANK_MIN_ITERATIONS + "-"
                    + Backend.LOW_RANK_MAX_ITERATIONS + " outer iterations, seed " + backend.seed()
                    + ", balanced (target marginal rescaled to the source mass); epsilon and tolerance do not apply"
                    + " (docs/temporal.md)");
        }
        run.put("parameters", parameters);
        Map<String, Object> timePoints = new LinkedHashMap<>();
        groups.forEach((t, cells) -> timePoints.put(format(t), cells.size()));
        run.put("time_points", timePoints);
        return run;
    }

    /**
     * The settings every pair and triplet task shares: the features, the solver parameters, the backend and how a
     * pair's cost and solver are built ({@link #problem}).
     */
    record Solve(Broadcast<double[][]> features, Params params, Backend backend, int threads, long budgetBytes,
                 int growthIters) implements Serializable {

        /**
         * A pair's cost and solver: low-rank with {@code --rank}, else stored or online by the backend rule; with the
         * solver's name for run.json and the cost scale.
         */
        PairProblem problem(double[][] xs, double[][] xt) {
            if (backend.rank() > 0) {
                double scale = new PointCloudCost(xs, xt, params.costNormalization()).scale();
                FrlcSolver frlc = new FrlcSolver(backend.rank())
                        .withIterations(Backend.LOW_RANK_MIN_ITERATIONS, Backend.LOW_RANK_MAX_ITERATIONS)
                        .withSeed(backend.seed()).withThreads(threads);
                return new PairProblem(new LowRankCouplingSolver(xs, xt, scale, params.tauA(), params.tauB(), frlc),
                        "lowrank", scale);
            }
            KernelMode mode = CouplingSolver.resolve(backend.kernel(), xs.length, xt.length, budgetBytes);
            if (mode == KernelMode.STORED) {
                TemporalCost.Cost cost = TemporalCost.squaredEuclidean(xs, xt, params.costNormalization());
                return new PairProblem(CouplingSolver.stored(cost.matrix(), new UnbalancedSinkhorn(params.epsilon(),
                        params.tauA(), params.tauB(), params.tolerance(), params.maxIterations())), mode.label(),
                        cost.scale());
            }
            if (params.costNormalization() == CostNormalization.MEDIAN) {
                throw new InvalidInputException("A pair of " + xs.length + " x " + xt.length + " cells does not fit"
                        + " the stored budget (" + budgetBytes + " bytes per task), and --cost-normalization median"
                        + " needs the stored cost: use --cost-normalization mean, or give the executors more"
                        + " memory.");
            }
            PointCloudCost cost = new PointCloudCost(xs, xt, params.costNormalization());
            OnlineUnbalancedSinkhorn solver = new OnlineUnbalancedSinkhorn(params.epsilon(), params.tauA(),
                    params.tauB(), params.tolerance(), params.maxIterations(), threads)
                    .withTranslationInvariance(true).withOverRelaxation(backend.overRelaxation());
            return new PairProblem(CouplingSolver.online(cost, solver), mode.label(), cost.scale());
        }

        GrowthIterations.Result solve(PairProblem problem, GrowthPrior prior, String label) {
            return new GrowthIterations(growthIters).solve(problem.solver(), prior, progress(label + ", "
                    + problem.kernel() + ", ", params));
        }

        double[][] rows(int[] idx) {
            double[][] x = features.value();
            double[][] out = new double[idx.length][];
            for (int i = 0; i < idx.length; i++) {
                out[i] = x[idx[i]];
            }
            return out;
        }
    }

    /** A pair's solver, its name (stored, online or lowrank) and the cost scale s of C = ‖x − y‖²/s. */
    record PairProblem(CouplingSolver solver, String kernel, double costScale) {
    }

    /** Solves one pair inside a Spark task and reduces its coupling there (growth, tables, sparse export). */
    static final class PairTask implements Function<Integer, PairSolution> {
        private static final long serialVersionUID = 1L;
        private final Solve solve;
        private final int[][] sourceIdx;
        private final int[][] targetIdx;
        private final GrowthPrior[] priors;
        private final Broadcast<String[]> cellTypes;

        PairTask(Solve solve, int[][] sourceIdx, int[][] targetIdx, GrowthPrior[] priors,
                 Broadcast<String[]> cellTypes) {
            this.solve = solve;
            this.sourceIdx = sourceIdx;
            this.targetIdx = targetIdx;
            this.priors = priors;
            this.cellTypes = cellTypes;
        }

        @Override
        public PairSolution call(Integer k) {
            long t0 = System.nanoTime();
            double[][] xs = solve.rows(sourceIdx[k]);
            double[][] xt = solve.rows(targetIdx[k]);
            int components = 0;
            Params params = solve.params();
            if (params.localPca() > 0) {
                TemporalCost.PairCoordinates pca = TemporalCost.localPca(xs, xt, params.localPca());
                xs = pca.source();
                xt = pca.target();
                components = pca.singularValues().length;
            }
            PairProblem problem = solve.problem(xs, xt);
            GrowthIterations.Result g = solve.solve(problem, priors[k], "pair " + (k + 1) + "/" + sourceIdx.length);
            CouplingSolver.Solution last = g.last().solution();
            CouplingOperator coupling = last.coupling();
            Convergence c = last.convergence();
            double[][] roundRates = new double[g.rounds().size()][];
            int[] roundIterations = new int[g.rounds().size()];
            for (int q = 0; q < roundRates.length; q++) {
                roundRates[q] = g.rounds().get(q).learnedRates();
                roundIterations[q] = g.rounds().get(q).solution().convergence().iterations();
            }
            TransportMap.TransitionTable forward = null;
            TransportMap.TransitionTable backward = null;
            if (cellTypes != null) {
                String[] src = pick(cellTypes.value(), sourceIdx[k]);
                String[] tgt = pick(cellTypes.value(), targetIdx[k]);
                TransportMap.TransitionTable[] tables = CouplingChains.transitionTables(coupling, src, tgt);
                forward = tables[0];
                backward = tables[1];
            }
            CouplingOperator.SparseCoupling sparse = coupling.sparse(params.threshold(),
                    params.topK() > 0 ? params.topK() : Integer.MAX_VALUE);
            double total = sparse.keptMass() + sparse.droppedMass();
            PairSummary summary = new PairSummary(k, problem.kernel(), c.status(), c.iterations(),
                    c.finalError(), c.marginalError(), problem.costScale(), components, seconds(t0),
                    priors[k].rates(), roundRates, g.last().learnedBudget(), roundIterations, forward, backward, total,
                    sparse.size(), sparse.droppedMass(), sparse.maxEntry());
            return new PairSolution(summary, coupling, sparse);
        }
    }

    /** Log lines with error and ETA (at most one per 10 s per phase), phases prefixed with the pair. */
    private static IterationListener progress(String prefix, Params params) {
        LoggingIterationListener log = new LoggingIterationListener(params.tolerance(), PROGRESS_INTERVAL_MILLIS);
        return (phase, iteration, max, error, eps, elapsed) -> log.onCheck(prefix + phase, iteration, max, error,
                eps, elapsed);
    }

    /**
     * Solves t₀ → t₁ of one triplet (skipping t½) with the run's parameters, backend and growth rounds, then compares
     * the interpolation with the observed t½ cells. Coordinates: the features, or with {@code --local-pca K} the
     * local PCA of (t₀, t₁) with the t½ cells projected into it (WOT validation).
     */
    static final class TripletTask implements Function<Integer, TripletResult> {
        private static final long serialVersionUID = 1L;
        private final Solve solve;
        private final int[][] startIdx;
        private final int[][] midIdx;
        private final int[][] endIdx;
        private final List<Triplet> triplets;
        private final GrowthPrior[] priors;
        private final ValidationOptions validation;

        TripletTask(Solve solve, int[][] startIdx, int[][] midIdx, int[][] endIdx, List<Triplet> triplets,
                    GrowthPrior[] priors, ValidationOptions validation) {
            this.solve = solve;
            this.startIdx = startIdx;
            this.midIdx = midIdx;
            this.endIdx = endIdx;
            this.triplets = new ArrayList<>(triplets);
            this.priors = priors;
            this.validation = validation;
        }

        @Override
        public TripletResult call(Integer k) {
            long t0 = System.nanoTime();
            double[][] xs = solve.rows(startIdx[k]);
            double[][] xm = solve.rows(midIdx[k]);
            double[][] xt = solve.rows(endIdx[k]);
            int components = 0;
            if (solve.params().localPca() > 0) {
                TemporalCost.PairCoordinates pca = TemporalCost.localPca(xs, xt, solve.params().localPca());
                xm = TemporalCost.project(xs, xt, pca, xm);
                xs = pca.source();
                xt = pca.target();
                components = pca.singularValues().length;
            }
            Triplet tr = triplets.get(k);
            GrowthIterations.Result g = solve.solve(solve.problem(xs, xt), priors[k], "validation "
                    + format(tr.start()) + "->" + format(tr.end()));
            CouplingSolver.Solution r = g.last().solution();
            double fraction = (tr.mid() - tr.start()) / (tr.end() - tr.start());
            InterpolationValidation.Distances d = new InterpolationValidation(validation.size(), validation.seed())
                    .evaluate(xs, xm, xt, r.coupling(), g.last().learnedBudget(), fraction);
            return new TripletResult(k, d, r.convergence().status(), r.convergence().iterations(), components,
                    seconds(t0));
        }
    }

    private static final StructType COUPLING_SCHEMA = new StructType()
            .add("source_id", DataTypes.StringType, false)
            .add("target_id", DataTypes.StringType, false)
            .add("weight", DataTypes.DoubleType, false);

    /**
     * couplings/&lt;pair&gt;.parquet from the sparse export held on the executor that solved the pair (nothing n × m
     * reaches the driver), and the pair's run.json entry.
     */
    private static Map<String, Object> writeCoupling(SparkSession spark, AtomicOutput out,
                                                     JavaRDD<PairSolution> solved, Broadcast<String[]> ids, Pair pair,
                                                     PairSummary s, int[] sourceIdx, int[] targetIdx) {
        int index = s.index();
        JavaRDD<Row> rows = solved.filter(p -> p.summary().index() == index)
                .flatMap(new CouplingRows(ids, sourceIdx, targetIdx));
        spark.createDataFrame(rows, COUPLING_SCHEMA).coalesce(1).write()
                .parquet(out.resolve("couplings/" + pair.name() + ".parquet"));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("source", format(pair.source()));
        r.put("target", format(pair.target()));
        r.put("source_cells", sourceIdx.length);
        r.put("target_cells", targetIdx.length);
        r.put("kernel", s.kernel());
        r.put("status", s.status());
        r.put("converged", s.status() == Convergence.Status.CONVERGED);
        r.put("iterations", s.iterations());
        r.put("final_potential_change", s.finalError());
        r.put("marginal_error", s.marginalError());
        r.put("cost_scale", s.costScale());
        r.put("local_pca_components", s.components());
        r.put("total_mass", s.totalMass());
        r.put("max_entry", s.maxEntry());
        r.put("entries_kept", s.keptEntries());
        r.put("entries_dropped", (long) sourceIdx.length * targetIdx.length - s.keptEntries());
        r.put("dropped_mass", s.droppedMass());
        r.put("dropped_mass_fraction", s.totalMass() > 0 ? s.droppedMass() / s.totalMass() : 0.0);
        r.put("solve_seconds", s.seconds());
        return r;
    }

    /** The kept entries of one pair's sparse coupling as (source_id, target_id, weight) rows, streamed. */
    static final class CouplingRows implements FlatMapFunction<PairSolution, Row> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<String[]> ids;
        private final int[] sourceIdx;
        private final int[] targetIdx;

        CouplingRows(Broadcast<String[]> ids, int[] sourceIdx, int[] targetIdx) {
            this.ids = ids;
            this.sourceIdx = sourceIdx;
            this.targetIdx = targetIdx;
        }

        @Override
        public Iterator<Row> call(PairSolution solution) {
            CouplingOperator.SparseCoupling sparse = solution.sparse();
            String[] all = ids.value();
            return new Iterator<>() {
                private int at;

                @Override
                public boolean hasNext() {
                    return at < sparse.size();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    Row row = RowFactory.create(all[sourceIdx[sparse.rows()[at]]], all[targetIdx[sparse.columns()[at]]],
                            sparse.weights()[at]);
                    at++;
                    return row;
                }
            };
        }
    }

    /**
     * growth.csv: per source cell, {@code growth_rate} = the final learned rate (moscot
     * {@code posterior_growth_rates} of the last solve: ((P𝟙)_i·ΣG)^{1/Δt}; with a uniform prior n·(P𝟙)_i raised to
     * 1/Δt), {@code prior_growth_rate} = G^{1/Δt}, and {@code growth_rate_round_<r>} for r = 1…k.
     */
    private static void writeGrowth(AtomicOutput out, TemporalInput input, List<Pair> pairs,
                                    List<PairSummary> solutions, int[][] sourceIdx, int rounds) throws IOException {
        try (PrintWriter w = writer(out, "growth.csv")) {
            StringBuilder header = new StringBuilder("cell_id,day,growth_rate,prior_growth_rate");
            for (int r = 1; r <= rounds; r++) {
                header.append(",growth_rate_round_").append(r);
            }
            w.println(header);
            for (int k = 0; k < pairs.size(); k++) {
                PairSummary s = solutions.get(k);
                String[] ids = pick(input.ids(), sourceIdx[k]);
                String day = format(pairs.get(k).source());
                double[][] perRound = s.roundRates();
                for (int i = 0; i < ids.length; i++) {
                    StringBuilder line = new StringBuilder(csv(ids[i])).append(',').append(day).append(',')
                            .append(num(perRound[perRound.length - 1][i])).append(',').append(num(s.priorRates()[i]));
                    for (double[] round : perRound) {
                        line.append(',').append(num(round[i]));
                    }
                    w.println(line);
                }
            }
        }
    }

    private static Map<String, Object> growthReport(GrowthOptions growth, List<PairSummary> solutions) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("prior", growth.description());
        r.put("growth_iters", growth.growthIters());
        r.put("growth_rate", "final learned rate per unit time = moscot posterior_growth_rates of the last solve:"
                + " ((P 1)_i * sum(G))^(1/dt), G = the prior budget; growth_rate_round_<r> = the same for round r"
                + " (WOT g_r)");
        List<Object> iterations = new ArrayList<>();
        for (PairSummary s : solutions) {
            iterations.add(java.util.Arrays.stream(s.roundIterations()).boxed().toList());
        }
        r.put("iterations_per_round", iterations);
        return r;
    }

    /** Every cell must have a usable prior value, whether or not it is a source: fails naming the first bad one. */
    private static void checkGrowthColumns(TemporalInput input, GrowthOptions growth) {
        if (growth.growthCol() != null) {
            GrowthPrior.fromRates(input.ids(), input.numeric().get(growth.growthCol()), 1.0,
                    "column '" + growth.growthCol() + "' (--growth-col)");
        } else if (growth.proliferationCol() != null || growth.apoptosisCol() != null) {
            GrowthPrior.fromBirthDeath(input.ids(), scores(input, growth.proliferationCol()),
                    scores(input, growth.apoptosisCol()), 1.0, scoreColumns(growth));
        }
    }

    private static double[] scores(TemporalInput input, String column) {
        return column == null ? null : input.numeric().get(column);
    }

    private static String scoreColumns(GrowthOptions growth) {
        List<String> cols = new ArrayList<>();
        if (growth.proliferationCol() != null) {
            cols.add("--proliferation-col '" + growth.proliferationCol() + "'");
        }
        if (growth.apoptosisCol() != null) {
            cols.add("--apoptosis-col '" + growth.apoptosisCol() + "'");
        }
        return String.join(", ", cols);
    }

    /** The prior of the source cells {@code idx} over Δt. */
    static GrowthPrior prior(TemporalInput input, int[] idx, double deltaT, GrowthOptions growth) {
        String[] ids = pick(input.ids(), idx);
        if (growth.growthCol() != null) {
            return GrowthPrior.fromRates(ids, pickValues(input.numeric().get(growth.growthCol()), idx), deltaT,
                    "column '" + growth.growthCol() + "' (--growth-col)");
        }
        if (growth.proliferationCol() != null || growth.apoptosisCol() != null) {
            double[] p = scores(input, growth.proliferationCol());
            double[] q = scores(input, growth.apoptosisCol());
            return GrowthPrior.fromBirthDeath(ids, p == null ? null : pickValues(p, idx),
                    q == null ? null : pickValues(q, idx), deltaT, scoreColumns(growth));
        }
        return GrowthPrior.uniform(idx.length, deltaT);
    }

    private static double[] pickValues(double[] all, int[] idx) {
        double[] out = new double[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = all[idx[i]];
        }
        return out;
    }

    private static int[] indices(TreeMap<Double, List<Integer>> groups, double time) {
        return groups.get(time).stream().mapToInt(Integer::intValue).toArray();
    }

    private static void writeTable(AtomicOutput out, String name, TransportMap.TransitionTable table)
            throws IOException {
        try (PrintWriter w = writer(out, name)) {
            StringBuilder header = new StringBuilder("source_cell_type");
            for (String c : table.columnLabels()) {
                header.append(',').append(csv(c));
            }
            w.println(header);
            for (int r = 0; r < table.rowLabels().length; r++) {
                StringBuilder line = new StringBuilder(csv(table.rowLabels()[r]));
                for (double v : table.values()[r]) {
                    line.append(',').append(num(v));
                }
                w.println(line);
            }
        }
    }

    /**
     * fates.csv when the pairs form one chain t₀ → t₁ → … → t_K: for every cell of t₀…t_{K−1}, the probability of
     * ending in each cell type of t_K (WOT fates: indicators pulled back without normalisation, rows normalised).
     * Returns a note for run.json.
     */
    private static String writeFates(AtomicOutput out, TemporalInput input, List<Pair> pairs,
                                     List<ExecutorCoupling> couplings, int[][] sourceIdx, int[][] targetIdx,
                                     boolean types) throws IOException {
        if (!types) {
            return "not written: no cell-type column (--no-cell-types)";
        }
        for (int k = 1; k < pairs.size(); k++) {
            if (pairs.get(k).source() != pairs.get(k - 1).target()) {
                return "not written: the pairs do not form one chain (pair " + (k + 1) + " does not start where"
                        + " pair " + k + " ends)";
            }
        }
        int last = pairs.size() - 1;
        TransportMap.Fates fates = CouplingChains.fates(couplings, pick(input.cellTypes(), targetIdx[last]));
        try (PrintWriter w = writer(out, "fates.csv")) {
            StringBuilder header = new StringBuilder("cell_id,day");
            for (String p : fates.populations()) {
                header.append(',').append(csv("fate_" + p));
            }
            w.println(header);
            for (int k = 0; k < pairs.size(); k++) {
                double[][] probs = fates.perTime().get(k);
                String[] ids = pick(input.ids(), sourceIdx[k]);
                String day = format(pairs.get(k).source());
                for (int i = 0; i < ids.length; i++) {
                    StringBuilder line = new StringBuilder(csv(ids[i])).append(',').append(day);
                    for (double v : probs[i]) {
                        line.append(',').append(num(v));
                    }
                    w.println(line);
                }
            }
        }
        return "written: cell types of time point " + format(pairs.get(last).target()) + ": "
                + String.join(", ", fates.populations());
    }

    /**
     * descendants.csv and ancestors.csv (WOT {@code push_forward} / {@code pull_back}, normalised to total 1 at every
     * time point): for each time point T where the cell set has cells, its indicator is pushed through the chain of
     * pairs starting at T (T → t' → t'' …) and pulled back through the chain of pairs ending at T. Rows
     * {@code cell_id, day, mass, from_day} for every cell of every reached time point. Returns the run.json section.
     */
    private static Map<String, Object> writeTrajectories(AtomicOutput out, TemporalInput input, CellSet set,
                                                         List<Pair> pairs, List<ExecutorCoupling> couplings,
                                                         int[][] sourceIdx, int[][] targetIdx) throws IOException {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("selection", set.description());
        Map<String, Object> counts = new LinkedHashMap<>();
        set.countsPerTime().forEach((t, c) -> counts.put(format(t), c));
        report.put("cells", counts);
        report.put("normalization", "WOT push_forward / pull_back: normalised to total 1 after every step");
        List<Map<String, Object>> down = new ArrayList<>();
        List<Map<String, Object>> up = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try (PrintWriter d = writer(out, "descendants.csv"); PrintWriter a = writer(out, "ancestors.csv")) {
            d.println("cell_id,day,mass,from_day");
            a.println("cell_id,day,mass,from_day");
            for (double t : set.times()) {
                String from = format(t);
                List<Integer> forward = new ArrayList<>();
                double cur = t;
                for (boolean found = true; found; ) {
                    found = false;
                    for (int k = 0; k < pairs.size(); k++) {
                        if (pairs.get(k).source() == cur) {
                            forward.add(k);
                            cur = pairs.get(k).target();
                            found = true;
                            break;
                        }
                    }
                }
                List<String> days = new ArrayList<>();
                if (!forward.isEmpty()) {
                    List<ExecutorCoupling> chain = forward.stream().map(couplings::get).toList();
                    List<double[]> steps = CouplingChains.descendantsPerStep(chain,
                            set.indicator(pick(input.ids(), sourceIdx[forward.get(0)])));
                    for (int s = 0; s < steps.size(); s++) {
                        Pair p = pairs.get(forward.get(s));
                        days.add(format(p.target()));
                        writeMeasure(d, pick(input.ids(), targetIdx[forward.get(s)]), format(p.target()), steps.get(s),
                                from);
                    }
                }
                down.add(Map.of("from_day", from, "days", days));
                List<Integer> backward = new ArrayList<>();
                cur = t;
                while (true) {
                    List<Integer> ending = new ArrayList<>();
                    for (int k = 0; k < pairs.size(); k++) {
                        if (pairs.get(k).target() == cur) {
                            ending.add(k);
                        }
                    }
                    if (ending.size() > 1) {
                        notes.add("ancestors from " + from + " stop at " + format(cur) + ": it is the target of "
                                + ending.size() + " pairs");
                    }
                    if (ending.size() != 1) {
                        break;
                    }
                    backward.add(0, ending.get(0));
                    cur = pairs.get(ending.get(0)).source();
                }
                days = new ArrayList<>();
                if (!backward.isEmpty()) {
                    List<ExecutorCoupling> chain = backward.stream().map(couplings::get).toList();
                    List<double[]> steps = CouplingChains.ancestorsPerStep(chain,
                            set.indicator(pick(input.ids(), targetIdx[backward.get(backward.size() - 1)])));
                    for (int s = steps.size() - 1; s >= 0; s--) {
                        Pair p = pairs.get(backward.get(s));
                        days.add(format(p.source()));
                        writeMeasure(a, pick(input.ids(), sourceIdx[backward.get(s)]), format(p.source()),
                                steps.get(s), from);
                    }
                }
                up.add(Map.of("from_day", from, "days", days));
            }
        }
        report.put("descendants", down);
        report.put("ancestors", up);
        if (!notes.isEmpty()) {
            report.put("notes", notes);
        }
        return report;
    }

    private static void writeMeasure(PrintWriter w, String[] ids, String day, double[] mass, String from) {
        for (int i = 0; i < ids.length; i++) {
            w.println(csv(ids[i]) + "," + day + "," + num(mass[i]) + "," + from);
        }
    }

    /** validation.csv (WOT summary columns) and the run.json section. */
    private static Map<String, Object> writeValidation(AtomicOutput out, List<Triplet> triplets,
                                                       List<TripletResult> results, ValidationOptions options)
            throws IOException {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("distance", "exact W2 between equal-size uniform subsamples (min(cells, validation_size) points"
                + " of each cloud, Hungarian assignment on squared Euclidean cost)");
        report.put("sampling", "systematic resampling of index pairs; I: P_ij / colsum_j^(1-s), R: uniform,"
                + " Rg: source growth^s");
        report.put("validation_size", options.size());
        report.put("seed", options.seed());
        List<Map<String, Object>> rows = new ArrayList<>();
        try (PrintWriter w = writer(out, "validation.csv")) {
            w.println("interval_start,interval_mid,interval_end,name,distance");
            for (TripletResult r : results) {
                Triplet t = triplets.get(r.index());
                InterpolationValidation.Distances d = r.distances();
                String prefix = format(t.start()) + "," + format(t.mid()) + "," + format(t.end()) + ",";
                w.println(prefix + "I," + num(d.interpolated()));
                w.println(prefix + "R," + num(d.random()));
                w.println(prefix + "Rg," + num(d.randomGrowth()));
                w.println(prefix + "F," + num(d.first()));
                w.println(prefix + "L," + num(d.last()));
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("interval_start", format(t.start()));
                m.put("interval_mid", format(t.mid()));
                m.put("interval_end", format(t.end()));
                m.put("fraction", (t.mid() - t.start()) / (t.end() - t.start()));
                m.put("sample_size", d.sampleSize());
                m.put("I", d.interpolated());
                m.put("R", d.random());
                m.put("Rg", d.randomGrowth());
                m.put("F", d.first());
                m.put("L", d.last());
                m.put("I_over_R", d.interpolated() / d.random());
                m.put("status", r.status());
                m.put("converged", r.status() == Convergence.Status.CONVERGED);
                m.put("iterations", r.iterations());
                m.put("local_pca_components", r.components());
                m.put("seconds", r.seconds());
                rows.add(m);
            }
        }
        report.put("triplets", rows);
        return report;
    }

    private static PrintWriter writer(AtomicOutput out, String name) throws IOException {
        return new PrintWriter(new java.io.OutputStreamWriter(out.create(name), StandardCharsets.UTF_8));
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static String csv(String s) {
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    private static String[] pick(String[] all, int[] idx) {
        String[] out = new String[idx.length];
        for (int i = 0; i < idx.length; i++) {
            out[i] = all[idx[i]];
        }
        return out;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
