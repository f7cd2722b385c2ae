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
 */
public final class PartitionedSnapshotJob {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionedSnapshotJob.class);
    static final String NAME = "chreode snapshot (partitioned)";
    public static final String FATE_SPREAD_CSV = "fate_spread.csv";

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

    /** The pooled result and the partition diagnostics. */
    public record Outcome(SnapshotResult result, double[] fateSpread, Map<String, Object> partitioned,
                          double seconds) {
    }

    /** One subset of one round (the data of one task). */
    record Subset(int round, int index, int[] cells) implements Serializable {
    }

    /** What one subset task returns: global-index triples and per-cell summaries in subset order. */
    record SubsetOutcome(int round, int index, int[] cells, int[] rows, int[] cols, double[] weights,
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
            SnapshotOutputWriter.writeCells(spark, out, result);
            try (Writer w = new OutputStreamWriter(out.create(FATE_SPREAD_CSV), StandardCharsets.UTF_8)) {
                w.write("cell,fate_spread\n");
                for (int i = 0; i < result.cellCount(); i++) {
                    w.write(csv(result.cellIds()[i]) + "," + outcome.fateSpread()[i] + "\n");
                }
            }
            long written = System.nanoTime();
            run = SnapshotJob.runJson(spark, request, table, result,
                    new SnapshotJob.SolveOutcome(result, null, 0, outcome.seconds()), out.path(),
                    new long[] {start, read, solved, written});
            run.put("partitioned", outcome.partitioned());
            run.put("plots", SnapshotFigures.write(out, input, result));
            if (request.extension() != null) {
                request.extension().write(out, input, result, run);
            }
            try (OutputStream s = out.create(SnapshotOutputWriter.RUN_JSON)) {
                SnapshotOutputWriter.writeRunJson(run, s);
            }
            out.commit();
            finalPath = out.path();
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
                subsets.add(new Subset(r, k, plan.subset(r, k)));
            }
        }
        LOG.info("{}: {} cells in {} subsets per round x {} rounds (partition size {}, max subset {}, k = {})",
                NAME, cells, plan.subsetCount(), plan.rounds(), partitioning.partitionSize(), plan.maxSubsetSize(),
                partitioning.transitionsPerCell());
        spark.sparkContext().setJobDescription(NAME + ": solve " + subsets.size() + " subsets");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SnapshotInput> shared = jsc.broadcast(input);
        List<SubsetOutcome> outcomes;
        try {
            outcomes = jsc.parallelize(subsets, subsets.size())
                    .map(new SubsetTask(shared, settings, partitioning.transitionsPerCell(), subsets.size(),
                            subsetKernelBudget(spark)))
                    .collect();
        } finally {
            shared.destroy();
        }
        for (SubsetOutcome o : outcomes) {
            if (o.error() != null) {
                throw o.error();
            }
        }
        return pool(input, global, plan, partitioning, outcomes, t0);
    }

    /**
     * The bytes one subset's stored kernel may take under {@code --kernel auto}:
     * {@link KernelMode#defaultBudget} of the executor heap ({@code spark.executor.memory}, else this JVM's max heap)
     * shared by the subsets one executor solves at once ({@code spark.executor.cores}, else the default parallelism
     * in local mode, divided by {@code spark.task.cpus}).
     */
    static long subsetKernelBudget(SparkSession spark) {
        org.apache.spark.SparkConf conf = spark.sparkContext().getConf();
        long heap = conf.contains("spark.executor.memory") ? conf.getSizeAsBytes("spark.executor.memory")
                : Runtime.getRuntime().maxMemory();
        int cores = conf.contains("spark.executor.cores") ? conf.getInt("spark.executor.cores", 1)
                : spark.sparkContext().defaultParallelism();
        int concurrent = Math.max(1, cores / Math.max(1, conf.getInt("spark.task.cpus", 1)));
        return KernelMode.defaultBudget(heap, concurrent);
    }

    static Outcome pool(SnapshotInput input, MultistageLayout global, PartitionPlan plan, Partitioning partitioning,
                        List<SubsetOutcome> outcomes, long t0) {
        int cells = input.cellCount();
        int fates = global.fateCount();
        int[] cls = new int[cells];
        Arrays.fill(cls, SparseAbsorbingChain.TRANSIENT);
        int[] term = global.terminalRef();
        for (int j = 0; j < term.length; j++) {
            cls[term[j]] = global.terminalFate(j);
        }
        int rounds = plan.rounds();
        SparseAbsorbingChain.Builder all = SparseAbsorbingChain.builder(cells, cls);
        SparseAbsorbingChain.Builder[] perRound = new SparseAbsorbingChain.Builder[rounds];
        for (int r = 0; r < rounds; r++) {
            perRound[r] = SparseAbsorbingChain.builder(cells, cls);
        }
        double[] ptSum = new double[cells];
        double[] esSum = new double[cells];
        int[] seen = new int[cells];
        double dropped = 0;
        double carried = 0;
        long entries = 0;
        int converged = 0;
        List<Map<String, Object>> perSubset = new ArrayList<>();
        for (SubsetOutcome o : outcomes) {
            for (int e = 0; e < o.rows().length; e++) {
                all.add(o.rows()[e], o.cols()[e], o.weights()[e]);
                perRound[o.round()].add(o.rows()[e], o.cols()[e], o.weights()[e]);
            }
            double subsetDropped = 0;
            double subsetTotal = 0;
            for (int c = 0; c < o.cells().length; c++) {
                int g = o.cells()[c];
                if (o.dropped()[c] > 0) {
                    all.addDropped(g, o.dropped()[c]);
                    perRound[o.round()].addDropped(g, o.dropped()[c]);
                }
                subsetDropped += o.dropped()[c];
                subsetTotal += o.rowTotal()[c];
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
        SparseAbsorbingChain chain = all.build();
        SparseAbsorbingChain.Absorption absorption = chain.absorptionProbabilities();
        double[][] fateProbabilities = new double[cells][fates];
        for (int c = 0; c < cells; c++) {
            for (int k = 0; k < fates; k++) {
                fateProbabilities[c][k] = Math.max(0, absorption.probability(c, k));
            }
        }
        double[] spread = new double[cells];
        if (rounds > 1) {
            double[][][] byRound = new double[rounds][][];
            for (int r = 0; r < rounds; r++) {
                SparseAbsorbingChain.Absorption a = perRound[r].build().absorptionProbabilities();
                byRound[r] = new double[fates][];
                for (int k = 0; k < fates; k++) {
                    byRound[r][k] = a.column(k);
                }
            }
            for (int c = 0; c < cells; c++) {
                double max = 0;
                for (int k = 0; k < fates; k++) {
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
        double[] absorptionTime = new double[cells];
        Arrays.fill(absorptionTime, Double.NaN);
        for (int c = 0; c < cells; c++) {
            potency[c] = FateMetrics.entropy(fateProbabilities[c]);
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
        partitioned.put("fate_solver", Map.of("method", "gmres (sparse chain)",
                "iterations", Arrays.stream(absorption.iterations()).boxed().toList(),
                "relative_residuals", Arrays.stream(absorption.residuals()).boxed().toList()));
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
                fateProbabilities, null, pseudotime, expectedStage, potency, absorptionTime, diagnostics);
        LOG.info("{}: pooled {} subsets: {} chain entries, dropped mass fraction {}, mean fate spread {}", NAME,
                outcomes.size(), chain.nonZeroCount(), String.format("%.3g", partitioned.get("dropped_mass_fraction")),
                String.format("%.3g", meanSpread));
        return new Outcome(result, spread, partitioned, (System.nanoTime() - t0) / 1e9);
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
                for (int e = 0; e < t.size(); e++) {
                    rows[e] = cells[t.rows()[e]];
                    cols[e] = cells[t.cols()[e]];
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                String status = s.result().convergence().status().toString().toLowerCase(java.util.Locale.ROOT);
                LOG.info("{}: subset {} of round {} ({} subsets in all): {} cells, {} after {} sweeps, {} entries,"
                        + " dropped mass {}, {}", NAME, subset.index(), subset.round(), total, m, status, s.result().convergence().iterations(), t.size(),
                        String.format("%.3g", t.droppedFraction()), LoggingIterationListener.seconds(
                                System.nanoTime() - t0));
                return new SubsetOutcome(subset.round(), subset.index(), cells, rows, cols, t.weights(),
                        t.droppedMass(), t.rowTotal(), s.result().pseudotime(), s.result().expectedStage(), status,
                        s.result().convergence().iterations(), seconds,
                        String.valueOf(s.result().diagnostics().get("kernel_mode")), null);
            } catch (RuntimeException e) {
                return new SubsetOutcome(subset.round(), subset.index(), cells, null, null, null, null, null, null,
                        null, "failed", 0, (System.nanoTime() - t0) / 1e9, null, e);
            }
        }
    }
}
