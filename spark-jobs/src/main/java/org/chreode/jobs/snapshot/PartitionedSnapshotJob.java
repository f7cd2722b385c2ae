package org.chreode.jobs.snapshot;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Serializable;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.chreode.jobs.Failures;
import org.chreode.jobs.io.AtomicOutput;
import org.chreode.jobs.io.SnapshotOutputWriter;
import org.chreode.jobs.io.SnapshotTableReader;
import org.chreode.jobs.io.SnapshotTableReader.SnapshotTable;
import org.chreode.jobs.report.SnapshotFigures;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.KernelMode;
import org.chreode.kernels.markov.AbsorbingChain;
import org.chreode.kernels.markov.SparseAbsorbingChain;
import org.chreode.kernels.metrics.FateMetrics;
import org.chreode.kernels.multistage.MultistageLayout;
import org.chreode.kernels.multistage.MultistageOtProblem;
import org.chreode.kernels.multistage.MultistageOtSolver;
import org.chreode.kernels.multistage.SparseTransitions;
import org.chreode.kernels.snapshot.Method;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.chreode.partitioning.PartitionPlan;
import org.chreode.partitioning.PartitionSizing;
import org.chreode.partitioning.SnapshotPartitioner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partitioned {@code snapshot} application for snapshots too large for one MultistageOT solve (docs
 * {@code docs/partitioned-snapshot.md}): the cells are split by {@link SnapshotPartitioner} into subsets of about
 * {@code partitionSize} cells, over {@code rounds} independent permutations; one Spark task per subset solves it with
 * {@link MultistageOtSolver#solveSparse} and returns its top-k transition weights in global cell indices plus its
 * per-cell expected stage and pseudotime. The driver sums all rounds' weights into one
 * {@link SparseAbsorbingChain} (terminal cells absorbing by fate) and solves the fates of every cell; pseudotime is
 * pooled across rounds (below); the spread of fates across rounds is written to {@code fate_spread.csv}.
 *
 * <p>Pooled pseudotime: every subset gives its cells a pseudotime rank r/(n+nF) within the subset; a cell's pooled
 * value is the mean of its ranks over all subsets holding it (rounds, and replicated anchor cells); the output
 * pseudotime is the stable rank of that mean over all non-initial cells, divided by their count (initial cells 0),
 * the same construction as the single solve. Expected stage is the mean over the subsets.
 *
 * <p>Fate spread: the chain is also solved per round (that round's weights only); {@code fate_spread} of a cell is
 * the largest, over fates, population standard deviation of its fate probability across rounds (0 with one round).
 *
 * <p>Mean absorption time: expected steps to absorption in the pooled chain, (I − Q) m = 1 solved by GMRES with the
 * fates (0 for terminal cells), as the single solve defines it.
 *
 * <p>Outlier states ({@code --outlier-cost}): every subset's auxiliary intermediate state becomes one extra transient
 * state of the global chain (C + subset ordinal, with its own exported row), and all auxiliary terminals become one
 * absorbing "unknown" state (C + subsets), the last absorbing class; its absorption probability is {@code p_unknown}.
 * With one subset and all entries this is exactly the single solve's chain.
 */
public final class PartitionedSnapshotJob {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionedSnapshotJob.class);
    static final String NAME = "chreode snapshot (partitioned)";
    public static final String FATE_SPREAD_CSV = "fate_spread.csv";
    /** The fate-spread column of cells.csv / cells.parquet (also in {@link #FATE_SPREAD_CSV}). */
    public static final String FATE_SPREAD = "fate_spread";

    /**
     * Partitioning settings.
     *
     * @param partitionSize      cells per subset (about)
     * @param rounds             independent partitions
     * @param seed               partition seed
     * @param transitionsPerCell exported transitions per cell and subset (k)
     */
    public record Partitioning(int partitionSize, int rounds, long seed, int transitionsPerCell)
            implements Serializable {
        public Partitioning {
            InvalidInputException.requireAtLeast("partition-size", partitionSize, SnapshotPartitioner.MIN_PARTITION_SIZE);
            InvalidInputException.requireAtLeast("rounds", rounds, 1);
            InvalidInputException.requireAtLeast("transitions-per-cell", transitionsPerCell, 1);
        }
    }

    /**
     * The pooled result and the partition diagnostics.
     *
     * @param timings seconds per phase: partition, subset_solves, chain_assembly, gmres (fates and mean absorption
     *                time of the pooled chain), gmres_rounds (per-round chains for the fate spread), pooling
     */
    public record Outcome(SnapshotResult result, double[] fateSpread, Map<String, Object> partitioned,
                          double seconds, Map<String, Double> timings) {
    }

    /** One subset of one round (the data of one task); ordinal = position over all rounds' subsets. */
    record Subset(int round, int index, int ordinal, int[] cells) implements Serializable {
    }

    /**
     * What one subset task returns: global-index triples and per-cell summaries in subset order. With outlier states
     * {@code dropped} and {@code rowTotal} have one more entry (the subset's auxiliary state's row, global index
     * C + ordinal), and targets include the unknown state (C + subsets).
     */
    record SubsetOutcome(int round, int index, int ordinal, int[] cells, int[] rows, int[] cols, double[] weights,
                         double[] dropped, double[] rowTotal, double[] pseudotime, double[] expectedStage,
                         String status, int sweeps, double seconds, String kernelMode, RuntimeException error)
            implements Serializable {
    }

    private PartitionedSnapshotJob() {
    }

    /** Reads, solves partitioned, writes outputs (cells.csv, cells.parquet, fate_spread.csv, run.json). */
    public static SnapshotJob.Report run(SparkSession spark, SnapshotJob.Request request, Partitioning partitioning) {
        return Failures.runJob(spark, () -> runUnwrapped(spark, request, partitioning));
    }

    /**
     * The CLI's choice: the partitioned job when {@code partitionSize} is given, or when it is null and the input
     * has more cells than {@link PartitionSizing#defaultPartitionSize} allows for the executor heap
     * ({@code spark.executor.memory}, else this JVM's max heap); otherwise the single solve of {@link SnapshotJob}
     * (which reads the input again). Methods other than MultistageOT always run the single solve without a size.
     */
    public static SnapshotJob.Report runAuto(SparkSession spark, SnapshotJob.Request request, Integer partitionSize,
                                             int rounds, long seed, int transitionsPerCell) {
        SnapshotSettings settings = request.settings();
        if (settings.kernelMode() == KernelMode.DISTRIBUTED) {
            if (partitionSize != null) {
                throw new InvalidInputException("--kernel distributed solves one input across the executors and"
                        + " cannot be combined with --partition-size (subsets are solved one per task); drop one of"
                        + " them.");
            }
            return SnapshotJob.run(spark, request);
        }
        if (partitionSize == null && settings.method() != Method.MULTISTAGE) {
            return SnapshotJob.run(spark, request);
        }
        try {
            long start = System.nanoTime();
            AtomicOutput.checkTarget(request.output(), request.overwrite(),
                    spark.sparkContext().hadoopConfiguration());
            spark.sparkContext().setJobDescription(NAME + ": read input");
            SnapshotTable table = new SnapshotTableReader(spark).read(request.input(), request.columns());
            int size;
            if (partitionSize != null) {
                size = partitionSize;
            } else {
                long heap = spark.sparkContext().getConf().contains("spark.executor.memory")
                        ? spark.sparkContext().getConf().getSizeAsBytes("spark.executor.memory")
                        : Runtime.getRuntime().maxMemory();
                size = PartitionSizing.defaultPartitionSize(heap, settings.stages(), settings.kernelPrecision());
                if (table.input().cellCount() <= size) {
                    return SnapshotJob.run(spark, request);
                }
                LOG.info("{}: {} cells exceed the default partition size {} for a {}-byte executor heap;"
                        + " running partitioned", NAME, table.input().cellCount(), size, heap);
            }
            return write(spark, request, new Partitioning(size, rounds, seed, transitionsPerCell), table, start);
        } catch (Exception e) {
            throw Failures.userFacing(e);
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }

    private static SnapshotJob.Report runUnwrapped(SparkSession spark, SnapshotJob.Request request,
                                                   Partitioning partitioning) throws IOException {
        long start = System.nanoTime();
        AtomicOutput.checkTarget(request.output(), request.overwrite(), spark.sparkContext().hadoopConfiguration());
        spark.sparkContext().setJobDescription(NAME + ": read input");
        SnapshotTable table = new SnapshotTableReader(spark).read(request.input(), request.columns());
        return write(spark, request, partitioning, table, start);
    }

    private static SnapshotJob.Report write(SparkSession spark, SnapshotJob.Request request,
                                            Partitioning partitioning, SnapshotTable table, long start)
            throws IOException {
        SnapshotInput input = table.input();
        long read = System.nanoTime();
        LOG.info("{}: read {} cells x {} features from {}", NAME, input.cellCount(), input.dimension(),
                request.input());
        Outcome outcome = solve(spark, input, request.settings(), partitioning);
        SnapshotResult result = outcome.result();
        long solved = System.nanoTime();

        spark.sparkContext().setJobDescription(NAME + ": write outputs");
        Map<String, Object> run;
        String finalPath;
        try (AtomicOutput out = AtomicOutput.open(request.output(), request.overwrite(),
                spark.sparkContext().hadoopConfiguration())) {
            long w0 = System.nanoTime();
            Map<String, double[]> extra = new LinkedHashMap<>();
            extra.put(FATE_SPREAD, outcome.fateSpread());
            SnapshotOutputWriter.writeCells(spark, out, result, extra);
            long w1 = System.nanoTime();
            try (Writer w = new java.io.BufferedWriter(new OutputStreamWriter(out.create(FATE_SPREAD_CSV),
                    StandardCharsets.UTF_8), 1 << 16)) {
                w.write("cell,fate_spread\n");
                for (int i = 0; i < result.cellCount(); i++) {
                    w.write(csv(result.cellIds()[i]) + "," + outcome.fateSpread()[i] + "\n");
                }
            }
            long w2 = System.nanoTime();
            Object plots = SnapshotFigures.write(out, input, result);
            long written = System.nanoTime();
            run = SnapshotJob.runJson(spark, request, table, result,
                    new SnapshotJob.SolveOutcome(result, null, 0, outcome.seconds()), out.path(),
                    new long[] {start, read, solved, written});
            run.put("partitioned", outcome.partitioned());
            @SuppressWarnings("unchecked")
            Map<String, Object> timings = (Map<String, Object>) run.get("timings_seconds");
            timings.putAll(outcome.timings());
            timings.put("write_cells", (w1 - w0) / 1e9);
            timings.put("write_fate_spread", (w2 - w1) / 1e9);
            timings.put("write_plots", (written - w2) / 1e9);
            run.put("plots", plots);
            if (request.extension() != null) {
                request.extension().write(out, input, result, run);
            }
            finalPath = SnapshotOutputWriter.commitWithRunJson(out, run);
        }
        LOG.info("{}: wrote {} (total {})", NAME, finalPath,
                LoggingIterationListener.seconds(System.nanoTime() - start));
        return new SnapshotJob.Report(finalPath, result, run);
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** Partitions, solves every subset in its own Spark task and pools the results on the driver. */
    public static Outcome solve(SparkSession spark, SnapshotInput input, SnapshotSettings settings,
                                Partitioning partitioning) {
        if (settings.method() != Method.MULTISTAGE) {
            throw new InvalidInputException("The partitioned snapshot job runs MultistageOT only; drop"
                    + " --partition-size for --method " + settings.method().label() + ".");
        }
        long t0 = System.nanoTime();
        int cells = input.cellCount();
        MultistageLayout global = MultistageLayout.of(input.cellIds(), input.roles(), input.fates(),
                settings.stages());
        PartitionPlan plan = new SnapshotPartitioner(partitioning.partitionSize(), partitioning.rounds(),
                partitioning.seed(), SnapshotPartitioner.DEFAULT_RULE).partition(input.cellIds(), input.roles(),
                input.fates());
        List<Subset> subsets = new ArrayList<>();
        for (int r = 0; r < plan.rounds(); r++) {
            for (int k = 0; k < plan.subsetCount(); k++) {
                subsets.add(new Subset(r, k, subsets.size(), plan.subset(r, k)));
            }
        }
        long partitioned = System.nanoTime();
        LOG.info("{}: {} cells in {} subsets per round x {} rounds (partition size {}, max subset {}, k = {})",
                NAME, cells, plan.subsetCount(), plan.rounds(), partitioning.partitionSize(), plan.maxSubsetSize(),
                partitioning.transitionsPerCell());
        spark.sparkContext().setJobDescription(NAME + ": solve " + subsets.size() + " subsets");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SnapshotInput> shared = jsc.broadcast(input);
        List<SubsetOutcome> outcomes;
        SubsetProgress progress = new SubsetProgress(subsets.size(), 10_000);
        spark.sparkContext().addSparkListener(progress);
        try {
            // a mutable copy: pool() drops each outcome once its triples are in the chain builders
            outcomes = new ArrayList<>(jsc.parallelize(subsets, subsets.size())
                    .map(new SubsetTask(shared, settings, partitioning.transitionsPerCell(), subsets.size(),
                            org.chreode.jobs.TaskBudget.kernelBytes(spark)))
                    .collect());
        } finally {
            spark.sparkContext().removeSparkListener(progress);
            shared.destroy();
        }
        for (SubsetOutcome o : outcomes) {
            if (o.error() != null) {
                throw o.error();
            }
        }
        long solved = System.nanoTime();
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("partition", (partitioned - t0) / 1e9);
        timings.put("subset_solves", (solved - partitioned) / 1e9);
        return pool(input, global, plan, partitioning, !Double.isNaN(settings.outlierCost()), outcomes, t0,
                timings);
    }

    /**
     * Pools the subset outcomes into the global chain and solves it. Consumes {@code outcomes}: each entry is set to
     * null once its triples are in the chain builders (the list must allow {@code set}), so that the driver does not
     * hold the triples twice.
     */
    static Outcome pool(SnapshotInput input, MultistageLayout global, PartitionPlan plan, Partitioning partitioning,
                        boolean outliers, List<SubsetOutcome> outcomes, long t0, Map<String, Double> timings) {
        long a0 = System.nanoTime();
        int cells = input.cellCount();
        int fates = global.fateCount();
        int subsetCount = outcomes.size();
        // states: cells, then (with outlier states) one auxiliary state per subset and the absorbing unknown state
        int states = outliers ? cells + subsetCount + 1 : cells;
        int unknown = cells + subsetCount;
        int[] cls = new int[states];
        Arrays.fill(cls, SparseAbsorbingChain.TRANSIENT);
        int[] term = global.terminalRef();
        for (int j = 0; j < term.length; j++) {
            cls[term[j]] = global.terminalFate(j);
        }
        if (outliers) {
            cls[unknown] = fates;
        }
        int classes = fates + (outliers ? 1 : 0);
        int rounds = plan.rounds();
        SparseAbsorbingChain.Builder all = SparseAbsorbingChain.builder(states, cls);
        SparseAbsorbingChain.Builder[] perRound = new SparseAbsorbingChain.Builder[rounds > 1 ? rounds : 0];
        for (int r = 0; r < perRound.length; r++) {
            perRound[r] = SparseAbsorbingChain.builder(states, cls);
        }
        double[] ptSum = new double[cells];
        double[] esSum = new double[cells];
        int[] seen = new int[cells];
        double dropped = 0;
        double carried = 0;
        long entries = 0;
        int converged = 0;
        List<Map<String, Object>> perSubset = new ArrayList<>();
        int[] subsetRound = new int[subsetCount];
        for (int at = 0; at < outcomes.size(); at++) {
            SubsetOutcome o = outcomes.get(at);
            outcomes.set(at, null);
            subsetRound[o.ordinal()] = o.round();
            for (int e = 0; e < o.rows().length; e++) {
                all.add(o.rows()[e], o.cols()[e], o.weights()[e]);
                if (perRound.length > 0) {
                    perRound[o.round()].add(o.rows()[e], o.cols()[e], o.weights()[e]);
                }
            }
            double subsetDropped = 0;
            double subsetTotal = 0;
            for (int c = 0; c < o.dropped().length; c++) {
                int g = c < o.cells().length ? o.cells()[c] : cells + o.ordinal();
                if (o.dropped()[c] > 0) {
                    all.addDropped(g, o.dropped()[c]);
                    if (perRound.length > 0) {
                        perRound[o.round()].addDropped(g, o.dropped()[c]);
                    }
                }
                subsetDropped += o.dropped()[c];
                subsetTotal += o.rowTotal()[c];
                if (c >= o.cells().length) {
                    if (!(o.rowTotal()[c] > 0)) {
                        // the auxiliary state carries no mass (spec section 8.2 caveat): let it exit to unknown
                        all.add(g, unknown, 1.0);
                        if (perRound.length > 0) {
                            perRound[o.round()].add(g, unknown, 1.0);
                        }
                    }
                    continue;
                }
                if (input.roles()[g] != Role.INITIAL) {
                    ptSum[g] += o.pseudotime()[c];
                    esSum[g] += o.expectedStage()[c];
                    seen[g]++;
                }
            }
            dropped += subsetDropped;
            carried += subsetTotal;
            entries += o.rows().length;
            converged += "converged".equals(o.status()) ? 1 : 0;
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("round", o.round());
            s.put("subset", o.index());
            s.put("cells", o.cells().length);
            s.put("status", o.status());
            s.put("sweeps", o.sweeps());
            s.put("entries", o.rows().length);
            s.put("dropped_mass_fraction", subsetTotal > 0 ? subsetDropped / subsetTotal : 0);
            s.put("seconds", o.seconds());
            s.put("kernel_mode", o.kernelMode());
            perSubset.add(s);
        }
        if (outliers) {
            // an auxiliary state is unreachable in the other rounds' chains, but every transient state needs a row
            for (int r = 0; r < perRound.length; r++) {
                for (int s = 0; s < subsetCount; s++) {
                    if (subsetRound[s] != r) {
                        perRound[r].add(cells + s, unknown, 1.0);
                    }
                }
            }
        }
        SparseAbsorbingChain chain = all.build();
        all = null;  // the triples: free them before the solves
        long assembled = System.nanoTime();
        timings.put("chain_assembly", (assembled - a0) / 1e9);
        AbsorbingChain solver = new AbsorbingChain();
        LOG.info("{}: solving the pooled chain ({} states, {} entries): {} fate classes and the mean absorption"
                + " time by GMRES", NAME, states, chain.nonZeroCount(), classes);
        SparseAbsorbingChain.Absorption absorption = chain.absorption(solver,
                new LoggingIterationListener(solver.gmres().tolerance(), 10_000), true);
        timings.put("gmres", (System.nanoTime() - assembled) / 1e9);
        double[][] fateProbabilities = new double[cells][fates];
        double[] pUnknown = outliers ? new double[cells] : null;
        double[] absorptionTime = Arrays.copyOf(absorption.meanAbsorptionTimes(), cells);
        for (int c = 0; c < cells; c++) {
            for (int k = 0; k < fates; k++) {
                fateProbabilities[c][k] = Math.max(0, absorption.probability(c, k));
            }
            if (outliers) {
                pUnknown[c] = Math.max(0, absorption.probability(c, fates));
            }
        }
        long g1 = System.nanoTime();
        double[] spread = new double[cells];
        if (rounds > 1) {
            double[][][] byRound = new double[rounds][][];
            for (int r = 0; r < rounds; r++) {
                LOG.info("{}: solving the chain of round {} of {} for the fate spread", NAME, r + 1, rounds);
                SparseAbsorbingChain.Absorption a = perRound[r].build().absorption(solver,
                        new LoggingIterationListener(solver.gmres().tolerance(), 10_000), false);
                perRound[r] = null;
                byRound[r] = new double[classes][];
                for (int k = 0; k < classes; k++) {
                    byRound[r][k] = Arrays.copyOf(a.column(k), cells);
                }
            }
            for (int c = 0; c < cells; c++) {
                double max = 0;
                for (int k = 0; k < classes; k++) {
                    double mean = 0;
                    for (int r = 0; r < rounds; r++) {
                        mean += byRound[r][k][c];
                    }
                    mean /= rounds;
                    double var = 0;
                    for (int r = 0; r < rounds; r++) {
                        double d = byRound[r][k][c] - mean;
                        var += d * d;
                    }
                    max = Math.max(max, Math.sqrt(var / rounds));
                }
                spread[c] = max;
            }
        }
        long g2 = System.nanoTime();
        timings.put("gmres_rounds", (g2 - g1) / 1e9);

        // pooled pseudotime: stable rank of the mean subset rank over non-initial cells
        double[] pseudotime = new double[cells];
        double[] expectedStage = new double[cells];
        List<Integer> ranked = new ArrayList<>();
        double[] mean = new double[cells];
        for (int c = 0; c < cells; c++) {
            if (input.roles()[c] == Role.INITIAL) {
                expectedStage[c] = Double.NaN;
                continue;
            }
            mean[c] = ptSum[c] / seen[c];
            expectedStage[c] = esSum[c] / seen[c];
            ranked.add(c);
        }
        // single-solve order: intermediate cells first, then terminal cells (ties keep that order)
        ranked.sort((a, b) -> {
            int byValue = Double.compare(mean[a], mean[b]);
            if (byValue != 0) {
                return byValue;
            }
            int ra = input.roles()[a] == Role.TERMINAL ? 1 : 0;
            int rb = input.roles()[b] == Role.TERMINAL ? 1 : 0;
            return ra != rb ? Integer.compare(ra, rb) : Integer.compare(a, b);
        });
        for (int r = 0; r < ranked.size(); r++) {
            pseudotime[ranked.get(r)] = (r + 1.0) / ranked.size();
        }
        double[] potency = new double[cells];
        for (int c = 0; c < cells; c++) {
            double[] p = fateProbabilities[c];
            if (outliers) {
                p = Arrays.copyOf(p, fates + 1);
                p[fates] = pUnknown[c];
            }
            potency[c] = FateMetrics.entropy(p);
        }

        Map<String, Object> partitioned = new LinkedHashMap<>();
        partitioned.put("partition_size", partitioning.partitionSize());
        partitioned.put("rounds", rounds);
        partitioned.put("seed", partitioning.seed());
        partitioned.put("subsets_per_round", plan.subsetCount());
        partitioned.put("max_subset_size", plan.maxSubsetSize());
        partitioned.put("replicated_strata", plan.replicatedStrata());
        partitioned.put("transitions_per_cell", partitioning.transitionsPerCell());
        partitioned.put("exported_entries", entries);
        partitioned.put("chain_entries", chain.nonZeroCount());
        partitioned.put("dropped_mass_fraction", carried > 0 ? dropped / carried : 0);
        partitioned.put("max_cell_dropped_mass_fraction", chain.maxDroppedMassFraction());
        partitioned.put("subsets_converged", converged);
        partitioned.put("outlier_states", outliers);
        partitioned.put("chain_states", states);
        Map<String, Object> fateSolver = new LinkedHashMap<>();
        fateSolver.put("method", "gmres (sparse chain)");
        fateSolver.put("iterations", Arrays.stream(absorption.iterations()).boxed().toList());
        fateSolver.put("relative_residuals", Arrays.stream(absorption.residuals()).boxed().toList());
        fateSolver.put("mean_absorption_time_iterations", absorption.timeIterations());
        fateSolver.put("mean_absorption_time_relative_residual", absorption.timeResidual());
        partitioned.put("fate_solver", fateSolver);
        double maxSpread = 0;
        double meanSpread = 0;
        for (double s : spread) {
            maxSpread = Math.max(maxSpread, s);
            meanSpread += s / cells;
        }
        partitioned.put("fate_spread_mean", meanSpread);
        partitioned.put("fate_spread_max", maxSpread);
        partitioned.put("pseudotime_pooling", "stable rank of the mean within-subset pseudotime rank over rounds");
        partitioned.put("subsets", perSubset);

        Map<String, Object> diagnostics = new LinkedHashMap<>();
        diagnostics.put("method", Method.MULTISTAGE.label());
        diagnostics.put("mode", "partitioned");
        diagnostics.put("converged", converged == outcomes.size());
        diagnostics.put("dropped_mass_fraction", partitioned.get("dropped_mass_fraction"));
        SnapshotResult result = new SnapshotResult(input.cellIds(), input.roles(), global.fateLabels(),
                fateProbabilities, pUnknown, pseudotime, expectedStage, potency, absorptionTime, diagnostics);
        timings.put("pooling", (System.nanoTime() - g2) / 1e9);
        LOG.info("{}: pooled {} subsets: {} chain entries, dropped mass fraction {}, mean fate spread {}", NAME,
                outcomes.size(), chain.nonZeroCount(), String.format("%.3g", partitioned.get("dropped_mass_fraction")),
                String.format("%.3g", meanSpread));
        return new Outcome(result, spread, partitioned, (System.nanoTime() - t0) / 1e9, timings);
    }

    /**
     * Driver-side progress of the subset solves: counts successful task ends (the subset tasks are the only tasks
     * while it is registered) and logs "d of M subsets solved", the elapsed time and an ETA = elapsed / d x (M − d) at
     * most every {@code intervalMillis} (and at the last subset). Listener events arrive on Spark's listener thread.
     */
    static final class SubsetProgress extends org.apache.spark.scheduler.SparkListener {
        private final int total;
        private final long intervalMillis;
        private final long start = System.nanoTime();
        private int done;
        private long lastLog = start;

        SubsetProgress(int total, long intervalMillis) {
            this.total = total;
            this.intervalMillis = intervalMillis;
        }

        @Override
        public synchronized void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            if (!org.apache.spark.Success$.MODULE$.equals(end.reason())) {
                return;
            }
            done++;
            long now = System.nanoTime();
            if (done == total || now - lastLog >= intervalMillis * 1_000_000L) {
                lastLog = now;
                double elapsed = (now - start) / 1e9;
                LOG.info("{}: {} of {} subsets solved, elapsed {}, ETA {}", NAME, done, total,
                        LoggingIterationListener.seconds(now - start),
                        LoggingIterationListener.seconds((long) (elapsed / done * (total - done) * 1e9)));
            }
        }
    }

    /** System property read by {@link #pauseForTests()}: milliseconds every subset task waits before it solves. */
    public static final String PAUSE_SUBSET_TASKS = "chreode.test.pauseSubsetTaskMillis";

    /**
     * Test hook for the executor-loss test: with the system property {@value #PAUSE_SUBSET_TASKS} set in the
     * executor JVM, every subset task sleeps that long first, so that a test can kill a worker while tasks are surely
     * in flight on it. Off unless the property is set.
     */
    static void pauseForTests() {
        long millis = Long.getLong(PAUSE_SUBSET_TASKS, 0L);
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Solves one subset. */
    private static final class SubsetTask implements Function<Subset, SubsetOutcome> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<SnapshotInput> input;
        private final SnapshotSettings settings;
        private final int transitionsPerCell;
        private final int total;

        private final long kernelBudgetBytes;

        SubsetTask(Broadcast<SnapshotInput> input, SnapshotSettings settings, int transitionsPerCell, int total,
                   long kernelBudgetBytes) {
            this.kernelBudgetBytes = kernelBudgetBytes;
            this.input = input;
            this.settings = settings;
            this.transitionsPerCell = transitionsPerCell;
            this.total = total;
        }

        @Override
        public SubsetOutcome call(Subset subset) {
            SnapshotJob.failFirstAttemptForTests();
            pauseForTests();
            long t0 = System.nanoTime();
            int[] cells = subset.cells();
            try {
                SnapshotInput all = input.value();
                int m = cells.length;
                String[] ids = new String[m];
                double[][] features = new double[m][];
                Role[] roles = new Role[m];
                String[] fates = new String[m];
                for (int c = 0; c < m; c++) {
                    ids[c] = all.cellIds()[cells[c]];
                    features[c] = all.features()[cells[c]];
                    roles[c] = all.roles()[cells[c]];
                    fates[c] = all.fates()[cells[c]];
                }
                MultistageLayout layout = MultistageLayout.of(ids, roles, fates, settings.stages());
                MultistageOtProblem problem = new MultistageOtProblem(features, layout, settings.stages(),
                        settings.costNormalization(), settings.outlierCost());
                MultistageOtSolver.SparseSolution s = new MultistageOtSolver(settings.epsilon(),
                        settings.epsilonTarget(), settings.tolerance(), settings.maxIterations(),
                        settings.checkInterval(), settings.referencePlans(), settings.kernelPrecision(),
                        settings.threads()).withKernelMode(settings.kernelMode(), kernelBudgetBytes)
                        .solveSparse(problem, IterationListener.NONE, transitionsPerCell);
                SparseTransitions t = s.transitions();
                int[] rows = new int[t.size()];
                int[] cols = new int[t.size()];
                int cellCount = all.cellCount();
                for (int e = 0; e < t.size(); e++) {
                    rows[e] = global(t.rows()[e], cells, cellCount, subset.ordinal());
                    cols[e] = global(t.cols()[e], cells, cellCount, subset.ordinal());
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                String status = s.result().convergence().status().toString().toLowerCase(java.util.Locale.ROOT);
                LOG.info("{}: subset {} of round {} ({} subsets in all): {} cells, {} after {} sweeps, {} entries,"
                        + " dropped mass {}, {}", NAME, subset.index(), subset.round(), total, m, status, s.result().convergence().iterations(), t.size(),
                        String.format("%.3g", t.droppedFraction()), LoggingIterationListener.seconds(
                                System.nanoTime() - t0));
                return new SubsetOutcome(subset.round(), subset.index(), subset.ordinal(), cells, rows, cols,
                        t.weights(),
                        t.droppedMass(), t.rowTotal(), s.result().pseudotime(), s.result().expectedStage(), status,
                        s.result().convergence().iterations(), seconds,
                        String.valueOf(s.result().diagnostics().get("kernel_mode")), null);
            } catch (RuntimeException e) {
                return new SubsetOutcome(subset.round(), subset.index(), subset.ordinal(), cells, null, null, null,
                        null, null, null, null, "failed", 0, (System.nanoTime() - t0) / 1e9, null, e);
            }
        }

        /**
         * Global state of a subset-local index: a cell, the subset's auxiliary state (index m: C + ordinal) or the
         * unknown state (index m + 1: C + subsets).
         */
        private int global(int local, int[] cells, int cellCount, int ordinal) {
            if (local < cells.length) {
                return cells[local];
            }
            return local == cells.length ? cellCount + ordinal : cellCount + total;
        }
    }
}
