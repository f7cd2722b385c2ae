package org.chreode.jobs.snapshot;

import java.io.IOException;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.chreode.jobs.ChreodeVersion;
import org.chreode.jobs.Failures;
import org.chreode.jobs.io.AtomicOutput;
import org.chreode.jobs.io.H5adResultWriter;
import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.jobs.io.SnapshotOutputWriter;
import org.chreode.jobs.io.SnapshotTableReader;
import org.chreode.jobs.io.SnapshotTableReader.SnapshotTable;
import org.chreode.jobs.report.ConvergenceRecorder;
import org.chreode.jobs.report.SnapshotFigures;
import org.chreode.jobs.report.SnapshotReport;
import org.chreode.jobs.distributed.DistributedKernel;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.KernelMode;
import org.chreode.kernels.snapshot.Method;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotInference;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code snapshot} Spark application: read and validate the input table, run
 * {@link SnapshotInference#run} inside one Spark task, write {@code cells.csv}, {@code cells.parquet} and
 * {@code run.json} atomically. Each phase is a Spark job description ("chreode snapshot: read input", "...: solve",
 * "...: write outputs"). No math happens here.
 *
 * <p>Errors: bad input and bad parameters surface as {@link org.chreode.kernels.common.InvalidInputException},
 * numerical failures as {@link org.chreode.kernels.common.NumericalInstabilityException}, unwrapped from Spark's
 * task-failure wrappers; on any failure nothing is left at the output path.
 */
public final class SnapshotJob {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotJob.class);
    static final String NAME = "chreode snapshot";
    /** Least time between two progress lines of the same solver phase. */
    static final long PROGRESS_INTERVAL_MILLIS = 2_000;

    /**
     * What to run.
     *
     * @param input       input table path (CSV or Parquet)
     * @param output      output directory
     * @param overwrite   replace an existing non-empty output directory
     * @param columns     column selection
     * @param settings    kernel settings
     * @param commandLine the command line as typed (recorded in run.json); may be empty
     */
    public record Request(String input, String output, boolean overwrite, SnapshotColumns columns,
                          SnapshotSettings settings, List<String> commandLine, OutputExtension extension) {
        public Request {
            commandLine = commandLine == null ? List.of() : List.copyOf(commandLine);
        }

        public Request(String input, String output, boolean overwrite, SnapshotColumns columns,
                       SnapshotSettings settings, List<String> commandLine) {
            this(input, output, overwrite, columns, settings, commandLine, null);
        }
    }

    /**
     * Adds files to the output before it is committed (e.g. the demo's truth and scores) and entries to run.json.
     */
    @FunctionalInterface
    public interface OutputExtension {
        void write(AtomicOutput out, SnapshotInput input, SnapshotResult result, Map<String, Object> run)
                throws IOException;
    }

    /** What a run produced: the output path (committed), the result, and the tree written as run.json. */
    public record Report(String output, SnapshotResult result, Map<String, Object> run) {
    }

    private SnapshotJob() {
    }

    /** Runs the application on {@code spark}. */
    public static Report run(SparkSession spark, Request request) {
        return Failures.runJob(spark, () -> runUnwrapped(spark, request));
    }

    private static Report runUnwrapped(SparkSession spark, Request request) throws IOException {
        long start = System.nanoTime();
        SnapshotSettings settings = request.settings();
        // Refuse an unusable output path before any expensive work.
        AtomicOutput.checkTarget(request.output(), request.overwrite(), spark.sparkContext().hadoopConfiguration());

        spark.sparkContext().setJobDescription(NAME + ": read input");
        SnapshotTable table = new SnapshotTableReader(spark).read(request.input(), request.columns());
        long read = System.nanoTime();
        SnapshotInput input = table.input();
        LOG.info("{}: read {} cells x {} features ({} initial, {} intermediate, {} terminal) from {} in {}",
                NAME, input.cellCount(), input.dimension(), table.count(Role.INITIAL), table.count(Role.INTERMEDIATE),
                table.count(Role.TERMINAL), request.input(), LoggingIterationListener.seconds(read - start));
        LOG.info("{}: features {}", NAME, table.columns().features());

        spark.sparkContext().setJobDescription(NAME + ": solve");
        LOG.info("{}: solving with {}", NAME, settings);
        SolveOutcome outcome = solve(spark, input, settings,
                new LoggingIterationListener(settings.tolerance(), PROGRESS_INTERVAL_MILLIS));
        SnapshotResult result = outcome.result();
        long solved = System.nanoTime();
        LOG.info("{}: solved in {}", NAME, LoggingIterationListener.seconds(solved - read));

        spark.sparkContext().setJobDescription(NAME + ": write outputs");
        Map<String, Object> run;
        String finalPath;
        try (AtomicOutput out = AtomicOutput.open(request.output(), request.overwrite(),
                spark.sparkContext().hadoopConfiguration())) {
            SnapshotOutputWriter.writeCells(spark, out, result);
            if (table.format() == SnapshotTableReader.Format.H5AD) {
                H5adResultWriter.write(out, table, request.columns(), result,
                        spark.sparkContext().hadoopConfiguration());
            }
            long written = System.nanoTime();
            run = runJson(spark, request, table, result, outcome, out.path(),
                    new long[] {start, read, solved, written});
            Map<String, byte[]> figures = SnapshotFigures.render(input, result);
            run.put("plots", SnapshotFigures.write(out, figures));
            if (request.extension() != null) {
                request.extension().write(out, input, result, run);
            }
            SnapshotReport.write(out, result, run, figures);
            finalPath = SnapshotOutputWriter.commitWithRunJson(out, run);
        }
        LOG.info("{}: wrote {} in {} (total {})", NAME, finalPath,
                LoggingIterationListener.seconds(System.nanoTime() - solved),
                LoggingIterationListener.seconds(System.nanoTime() - start));
        return new Report(finalPath, result, run);
    }

    /** The outcome of the solve task; kernel exceptions travel back as data so Spark does not log them as crashes. */
    public record SolveOutcome(SnapshotResult result, RuntimeException error, long peakHeapBytes, double seconds)
            implements Serializable {
    }

    /**
     * Runs the kernel inside one Spark task. The input reaches the task as a broadcast (in local mode the very
     * object, without a copy); a kernel exception is rethrown here on the driver.
     */
    public static SolveOutcome solve(SparkSession spark, SnapshotInput input, SnapshotSettings settings,
                              IterationListener listener) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        if (settings.method() == Method.MULTISTAGE && settings.kernelMode() == KernelMode.DISTRIBUTED) {
            return solveDistributed(jsc, input, settings, listener);
        }
        Broadcast<SnapshotInput> shared = jsc.broadcast(input);
        SolveOutcome outcome;
        try {
            outcome = jsc.parallelize(List.of(0), 1).map(new SolveTask(shared, settings, listener)).collect().get(0);
        } finally {
            shared.destroy();
        }
        if (outcome.error() != null) {
            throw outcome.error();
        }
        return outcome;
    }

    /**
     * {@code --kernel distributed}: the Sinkhorn loop, fates and pseudotime run on the driver with O(T n) vectors,
     * every product with the intermediate kernel runs on the executors over its tiles ({@link DistributedKernel}).
     * The tiles and broadcasts are released when the solve ends, also on failure.
     */
    private static SolveOutcome solveDistributed(JavaSparkContext jsc, SnapshotInput input,
                                                 SnapshotSettings settings, IterationListener listener) {
        List<MemoryPoolMXBean> heap = heapPools();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long t0 = System.nanoTime();
        ConvergenceRecorder recorder = new ConvergenceRecorder(listener);
        try (DistributedKernel kernel = new DistributedKernel(jsc, settings.tileRows(), NAME)) {
            SnapshotResult solved = portable(SnapshotInference.run(input, settings, recorder, kernel),
                    recorder.histories());
            Map<String, Object> diagnostics = new LinkedHashMap<>(solved.diagnostics());
            diagnostics.put("distributed_kernel", kernel.summary());
            LOG.info("{}: distributed kernel: {}", NAME, kernel.summary());
            SnapshotResult result = new SnapshotResult(solved.cellIds(), solved.roles(), solved.fateLabels(),
                    solved.fateProbabilities(), solved.pUnknown(), solved.pseudotime(), solved.expectedStage(),
                    solved.potency(), solved.meanAbsorptionTime(), diagnostics);
            return new SolveOutcome(result, null, peakHeap(heap), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** System property read by {@link #failFirstAttemptForTests()}. */
    public static final String FAIL_FIRST_ATTEMPT = "chreode.test.failFirstAttempt";

    /** The body of the solve task. */
    private static final class SolveTask implements Function<Integer, SolveOutcome> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<SnapshotInput> input;
        private final SnapshotSettings settings;
        private final IterationListener listener;

        SolveTask(Broadcast<SnapshotInput> input, SnapshotSettings settings, IterationListener listener) {
            this.input = input;
            this.settings = settings;
            this.listener = listener;
        }

        @Override
        public SolveOutcome call(Integer ignored) {
            failFirstAttemptForTests();
            List<MemoryPoolMXBean> heap = heapPools();
            heap.forEach(MemoryPoolMXBean::resetPeakUsage);
            long t0 = System.nanoTime();
            ConvergenceRecorder recorder = new ConvergenceRecorder(listener);
            try {
                SnapshotResult result = portable(SnapshotInference.run(input.value(), settings, recorder),
                        recorder.histories());
                return new SolveOutcome(result, null, peakHeap(heap), (System.nanoTime() - t0) / 1e9);
            } catch (RuntimeException e) {
                return new SolveOutcome(null, e, peakHeap(heap), (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /**
     * Test hook for executor-failure tests: with the system property {@value #FAIL_FIRST_ATTEMPT} set to true in the
     * executor JVM, the solve task's first attempt throws, so Spark must retry it (on a cluster, where
     * {@code spark.task.maxFailures} is 4; local mode does not retry). Off unless the property is set.
     */
    static void failFirstAttemptForTests() {
        TaskContext task = TaskContext.get();
        if (Boolean.getBoolean(FAIL_FIRST_ATTEMPT) && task != null && task.attemptNumber() == 0) {
            throw new IllegalStateException(FAIL_FIRST_ATTEMPT + ": failing the first attempt of the solve task "
                    + "on purpose (stage " + task.stageId() + ", partition " + task.partitionId() + ")");
        }
    }

    /**
     * The result with its diagnostics turned into plain maps, lists, strings and numbers
     * ({@link SnapshotOutputWriter#jsonValue}), so that it can travel back from the task whatever value types the
     * kernel put there (records such as {@code Convergence} need not be Serializable).
     */
    static SnapshotResult portable(SnapshotResult r) {
        return portable(r, Map.of());
    }

    /**
     * As {@link #portable(SnapshotResult)}, with the recorded error histories ({@link ConvergenceRecorder#histories})
     * added to the diagnostics: each one whose phase names an entry of {@code solves} goes into that entry as
     * {@code error_history}; the others (e.g. the fate solver's) go under a top-level {@code error_history} map.
     */
    @SuppressWarnings("unchecked")
    static SnapshotResult portable(SnapshotResult r, Map<String, Map<String, Object>> histories) {
        Map<String, Object> diagnostics = new LinkedHashMap<>(
                (Map<String, Object>) SnapshotOutputWriter.jsonValue(r.diagnostics()));
        Map<String, Map<String, Object>> rest = new LinkedHashMap<>(histories);
        if (diagnostics.get("solves") instanceof List<?> solves) {
            List<Object> withHistory = new java.util.ArrayList<>();
            for (Object o : solves) {
                if (o instanceof Map<?, ?> m) {
                    Map<String, Object> solve = new LinkedHashMap<>((Map<String, Object>) m);
                    Map<String, Object> h = rest.remove(String.valueOf(solve.get("phase")));
                    if (h != null) {
                        solve.put("error_history", h);
                    }
                    withHistory.add(solve);
                } else {
                    withHistory.add(o);
                }
            }
            diagnostics.put("solves", withHistory);
        }
        if (!rest.isEmpty()) {
            diagnostics.put("error_history", rest);
        }
        return new SnapshotResult(r.cellIds(), r.roles(), r.fateLabels(), r.fateProbabilities(), r.pUnknown(),
                r.pseudotime(), r.expectedStage(), r.potency(), r.meanAbsorptionTime(), diagnostics);
    }

    private static List<MemoryPoolMXBean> heapPools() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP && p.isValid()).toList();
    }

    /** Sum of the heap pools' peak usage: an upper bound of the peak heap in use. */
    private static long peakHeap(List<MemoryPoolMXBean> pools) {
        long sum = 0;
        for (MemoryPoolMXBean p : pools) {
            if (p.getPeakUsage() != null) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** The run.json tree: version, command, parameters, input counts, diagnostics, timings, memory, Spark. */
    static Map<String, Object> runJson(SparkSession spark, Request request, SnapshotTable table, SnapshotResult result,
                                       SolveOutcome outcome, String outputPath, long[] marks) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("chreode_version", ChreodeVersion.get());
        run.put("command", "snapshot");
        run.put("command_line", request.commandLine());

        Map<String, Object> parameters = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        Map<String, Object> settings = (Map<String, Object>) SnapshotOutputWriter.jsonValue(request.settings());
        parameters.putAll(settings);
        parameters.put("id_col", table.columns().idCol());
        parameters.put("role_col", table.columns().roleCol());
        parameters.put("fate_col", request.columns().fateCol());
        parameters.put("features", request.columns().features().isEmpty() ? null : request.columns().features());
        parameters.put("feature_prefix", request.columns().featurePrefix());
        parameters.put("overwrite", request.overwrite());
        run.put("parameters", parameters);

        SnapshotInput input = table.input();
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("path", request.input());
        in.put("format", table.format().label());
        in.put("cells", input.cellCount());
        in.put("features", input.dimension());
        in.put("feature_names", table.columns().features());
        in.put("initial", table.count(Role.INITIAL));
        in.put("intermediate", table.count(Role.INTERMEDIATE));
        in.put("terminal", table.count(Role.TERMINAL));
        Map<String, Integer> fates = new TreeMap<>();
        for (int i = 0; i < input.cellCount(); i++) {
            String fate = input.fates()[i];
            if (input.roles()[i] == Role.TERMINAL && fate != null && !fate.isBlank()) {
                fates.merge(fate, 1, Integer::sum);
            }
        }
        in.put("terminal_fates", fates);
        in.put("ignored_columns", table.columns().ignored());
        run.put("input", in);

        Map<String, Object> output = new LinkedHashMap<>();
        output.put("path", outputPath);
        List<String> files = new java.util.ArrayList<>(List.of(SnapshotOutputWriter.CELLS_CSV,
                SnapshotOutputWriter.CELLS_PARQUET));
        if (table.format() == SnapshotTableReader.Format.H5AD) {
            files.add(H5adResultWriter.CELLS_H5AD);
        }
        files.addAll(List.of(SnapshotOutputWriter.RUN_JSON, SnapshotReport.REPORT_HTML));
        output.put("files", files);
        output.put("columns", SnapshotOutputWriter.columnNames(result));
        run.put("output", output);

        run.put("diagnostics", result.diagnostics());

        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("read", (marks[1] - marks[0]) / 1e9);
        timings.put("solve", (marks[2] - marks[1]) / 1e9);
        timings.put("solve_in_task", outcome.seconds());
        timings.put("write", (System.nanoTime() - marks[2]) / 1e9);
        timings.put("total", (System.nanoTime() - marks[0]) / 1e9);
        run.put("timings_seconds", timings);

        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("solve_peak_heap_bytes", outcome.peakHeapBytes());
        memory.put("driver_peak_heap_bytes", peakHeap(heapPools()));
        memory.put("driver_max_heap_bytes", Runtime.getRuntime().maxMemory());
        memory.put("note", "peaks are sums of the JVM heap pools' peak usage (an upper bound); in local mode the"
                + " solve shares the driver JVM");
        run.put("memory", memory);

        Map<String, Object> sparkInfo = new LinkedHashMap<>();
        sparkInfo.put("version", spark.version());
        sparkInfo.put("master", spark.sparkContext().master());
        sparkInfo.put("app_id", spark.sparkContext().applicationId());
        run.put("spark", sparkInfo);
        run.put("java_version", System.getProperty("java.version"));
        return run;
    }
}
