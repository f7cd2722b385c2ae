package org.chreode.jobs.refine;

import java.io.BufferedWriter;
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
import java.util.Locale;
import java.util.Map;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.chreode.jobs.ChreodeVersion;
import org.chreode.jobs.Failures;
import org.chreode.jobs.io.AtomicOutput;
import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.jobs.io.SnapshotOutputWriter;
import org.chreode.jobs.io.SnapshotTableReader;
import org.chreode.jobs.io.SnapshotTableReader.SnapshotTable;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.lowrank.FrlcResult;
import org.chreode.kernels.lowrank.FrlcSolver;
import org.chreode.kernels.lowrank.HierarchicalRefinementPlan;
import org.chreode.kernels.lowrank.HierarchicalRefinementResult;
import org.chreode.kernels.lowrank.HierarchicalRefinementSolver;
import org.chreode.kernels.lowrank.LowRankGeometry;
import org.chreode.kernels.lowrank.LowRankProblem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code refine} Spark application (CONTRACT.md "refine outputs"): read a source and a target table (ids and
 * features only), solve squared-Euclidean OT between them — Hierarchical Refinement (a bijection, {@code full}; every
 * level's co-cluster subproblems are Spark tasks, see {@link DistributedRefinement}) or FRLC ({@code lowrank}; one
 * task) — and write the pairs or the factors plus {@code run.json} atomically. Bad input fails with {@link InvalidInputException} before anything is written.
 */
public final class RefineJob {

    private static final Logger LOG = LoggerFactory.getLogger(RefineJob.class);
    static final String NAME = "chreode refine";
    public static final String PAIRS_CSV = "pairs.csv";
    public static final String PAIRS_PARQUET = "pairs.parquet";
    public static final String FACTORS = "factors";

    /** Solver choice. */
    public enum Mode {
        FULL, LOWRANK;

        public static Mode parse(String text) {
            return switch (text == null ? "" : text.trim().toLowerCase(Locale.ROOT)) {
                case "full" -> FULL;
                case "lowrank", "low-rank" -> LOWRANK;
                default -> throw new InvalidInputException("--mode must be full or lowrank (got '" + text + "').");
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Solver parameters. {@code rank} is used (and required) in low-rank mode only. */
    public record Params(Mode mode, int rank, int maxBase, int maxRank, long seed, boolean allowUnequalSizes)
            implements Serializable {
        public Params {
            if (mode == Mode.LOWRANK && rank < 1) {
                throw new InvalidInputException("--mode lowrank needs --rank r >= 1 (got " + rank + ").");
            }
            if (maxBase < 2) {
                throw new InvalidInputException("--max-base must be >= 2 (got " + maxBase + ").");
            }
            if (maxRank < 2) {
                throw new InvalidInputException("--max-rank must be >= 2 (got " + maxRank + ").");
            }
        }
    }

    /** What to run. */
    public record Request(String source, String target, String output, boolean overwrite, SnapshotColumns columns,
                          Params params, List<String> commandLine) {
        public Request {
            commandLine = commandLine == null ? List.of() : List.copyOf(commandLine);
        }
    }

    /** What a run produced: the committed output path and the run.json tree. */
    public record Report(String output, Map<String, Object> run) {
    }

    /**
     * The solve's answer: the distributed HiRef result (full mode) or the FRLC factors of the single low-rank task, in
     * which a kernel exception travels back as data.
     */
    record Outcome(int[] targetOf, double total, int[] schedule, double[] levelSeconds, int[] blocksPerLevel,
                   int[] tasksPerLevel, double[][] q,
                   double[][] r, double[][] t, double primalCost, double rowError, double columnError,
                   int iterations, RuntimeException error, double seconds) implements Serializable {
    }

    private RefineJob() {
    }

    public static Report run(SparkSession spark, Request request) {
        return Failures.runJob(spark, () -> runUnwrapped(spark, request));
    }

    private static Report runUnwrapped(SparkSession spark, Request request) throws IOException {
        long start = System.nanoTime();
        Params params = request.params();
        AtomicOutput.checkTarget(request.output(), request.overwrite(), spark.sparkContext().hadoopConfiguration());

        spark.sparkContext().setJobDescription(NAME + ": read input");
        SnapshotTableReader reader = new SnapshotTableReader(spark);
        SnapshotTable source = read(reader, "Source", request.source(), request.columns());
        SnapshotTable target = read(reader, "Target", request.target(), request.columns());
        double[][] x = source.input().features();
        double[][] y = target.input().features();
        int n = x.length;
        int m = y.length;
        checkCompatible(request, source, target, params);
        long read = System.nanoTime();
        LOG.info("{}: source {} x {}, target {} x {}, mode {}", NAME, n, x[0].length, m, y[0].length,
                params.mode().label());

        spark.sparkContext().setJobDescription(NAME + ": solve");
        Outcome outcome = solve(spark, x, y, params);
        long solved = System.nanoTime();

        spark.sparkContext().setJobDescription(NAME + ": write outputs");
        Map<String, Object> run = new LinkedHashMap<>();
        String finalPath;
        try (AtomicOutput out = AtomicOutput.open(request.output(), request.overwrite(),
                spark.sparkContext().hadoopConfiguration())) {
            run.put("chreode_version", ChreodeVersion.get());
            run.put("command", "refine");
            run.put("command_line", request.commandLine());
            run.put("mode", params.mode().label());
            Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("mode", params.mode().label());
            parameters.put("rank", params.mode() == Mode.LOWRANK ? params.rank() : null);
            parameters.put("max_base", params.maxBase());
            parameters.put("max_rank", params.maxRank());
            parameters.put("seed", params.seed());
            parameters.put("allow_unequal_sizes", params.allowUnequalSizes());
            parameters.put("id_col", request.columns().idCol());
            parameters.put("features", source.columns().features());
            parameters.put("cost", "squared_euclidean");
            run.put("parameters", parameters);
            run.put("source", Map.of("path", request.source(), "cells", n));
            run.put("target", Map.of("path", request.target(), "cells", m));
            run.put("n", n);
            run.put("m", m);
            run.put("dimension", x[0].length);
            if (params.mode() == Mode.FULL) {
                writePairs(spark, out, source.input().cellIds(), target.input().cellIds(), x, y, outcome, run);
            } else {
                writeFactors(out, source.input().cellIds(), target.input().cellIds(), outcome, run);
            }
            Map<String, Object> timings = new LinkedHashMap<>();
            timings.put("read", (read - start) / 1e9);
            timings.put("solve", (solved - read) / 1e9);
            timings.put(params.mode() == Mode.FULL ? "solve_levels" : "solve_in_task", outcome.seconds());
            if (outcome.levelSeconds() != null) {
                timings.put("levels", outcome.levelSeconds());
            }
            timings.put("write", (System.nanoTime() - solved) / 1e9);
            timings.put("total", (System.nanoTime() - start) / 1e9);
            run.put("timings_seconds", timings);
            run.put("spark", Map.of("version", spark.version(), "master", spark.sparkContext().master(),
                    "app_id", spark.sparkContext().applicationId(),
                    "default_parallelism", spark.sparkContext().defaultParallelism()));
            finalPath = SnapshotOutputWriter.commitWithRunJson(out, run);
        }
        LOG.info("{}: wrote {} (total {} s)", NAME, finalPath, (System.nanoTime() - start) / 1e9);
        return new Report(finalPath, run);
    }

    private static SnapshotTable read(SnapshotTableReader reader, String side, String path, SnapshotColumns columns) {
        try {
            return reader.read(path, columns);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(side + " table '" + path + "': " + e.getMessage());
        }
    }

    static void checkCompatible(Request request, SnapshotTable source, SnapshotTable target, Params params) {
        List<String> fs = source.columns().features();
        List<String> ft = target.columns().features();
        if (fs.size() != ft.size()) {
            throw new InvalidInputException("Source table '" + request.source() + "' has " + fs.size()
                    + " feature columns (" + String.join(", ", fs) + ") but target table '" + request.target()
                    + "' has " + ft.size() + " (" + String.join(", ", ft) + "); both need the same feature dimension"
                    + " (name the features with --features or --feature-prefix).");
        }
        int n = source.input().cellCount();
        int m = target.input().cellCount();
        if (params.mode() == Mode.FULL && n != m && !params.allowUnequalSizes()) {
            throw new InvalidInputException("Source table '" + request.source() + "' has " + n + " cells but target"
                    + " table '" + request.target() + "' has " + m + "; --mode full computes a bijection and needs"
                    + " equal sizes (--allow-unequal-sizes subsamples the larger side to " + Math.min(n, m)
                    + " cells).");
        }
    }

    static Outcome solve(SparkSession spark, double[][] x, double[][] y, Params params) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<double[][][]> shared = jsc.broadcast(new double[][][] {x, y});
        Outcome outcome;
        try {
            if (params.mode() == Mode.FULL) {
                long t0 = System.nanoTime();
                HierarchicalRefinementPlan plan = solver(params).plan(x.length, y.length);
                DistributedRefinement.Outcome d = DistributedRefinement.run(jsc, shared, plan);
                HierarchicalRefinementResult r = d.result();
                return new Outcome(r.targetOf(), r.totalCost(), r.schedule().ranks(), r.levelSeconds(),
                        r.blocksPerLevel(), d.tasksPerLevel(), null, null, null, r.primalCost(), 0, 0, 0, null,
                        (System.nanoTime() - t0) / 1e9);
            }
            outcome = jsc.parallelize(List.of(0), 1).map(new SolveTask(shared, params)).collect().get(0);
        } finally {
            shared.destroy();
        }
        if (outcome.error() != null) {
            throw outcome.error();
        }
        return outcome;
    }

    /** The kernel solver of {@code --mode full}: the same settings on one node and on the cluster. */
    static HierarchicalRefinementSolver solver(Params params) {
        return new HierarchicalRefinementSolver()
                .withSchedule(HierarchicalRefinementSolver.DEFAULT_DEPTH, params.maxBase(), params.maxRank())
                .withSeed(params.seed()).withUnequalSizes(params.allowUnequalSizes());
    }

    /** The single task of {@code --mode lowrank}: one FRLC solve on the broadcast points. */
    private static final class SolveTask implements Function<Integer, Outcome> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<double[][][]> data;
        private final Params params;

        SolveTask(Broadcast<double[][][]> data, Params params) {
            this.data = data;
            this.params = params;
        }

        @Override
        public Outcome call(Integer ignored) {
            long t0 = System.nanoTime();
            double[][] x = data.value()[0];
            double[][] y = data.value()[1];
            try {
                FrlcResult f = new FrlcSolver(params.rank()).withSeed(params.seed())
                        .solve(LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x, y)));
                return new Outcome(null, Double.NaN, null, null, null, null, f.q(), f.r(), f.t(), f.primalCost(),
                        f.rowMarginalError(), f.columnMarginalError(), f.convergence().iterations(), null,
                        (System.nanoTime() - t0) / 1e9);
            } catch (RuntimeException e) {
                return new Outcome(null, 0, null, null, null, null, null, null, null, 0, 0, 0, 0, e,
                        (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    static double squaredDistance(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            double d = a[k] - b[k];
            s += d * d;
        }
        return s;
    }

    private static void writePairs(SparkSession spark, AtomicOutput out, String[] sourceIds, String[] targetIds,
                                   double[][] x, double[][] y, Outcome outcome, Map<String, Object> run)
            throws IOException {
        int[] targetOf = outcome.targetOf();
        List<Row> rows = new ArrayList<>();
        double total = 0;
        try (OutputStream s = out.create(PAIRS_CSV)) {
            Writer w = new BufferedWriter(new OutputStreamWriter(s, StandardCharsets.UTF_8), 1 << 16);
            w.write("source_id,target_id,cost\n");
            for (int i = 0; i < targetOf.length; i++) {
                int j = targetOf[i];
                if (j < 0) {
                    continue;
                }
                double c = squaredDistance(x[i], y[j]);
                total += c;
                rows.add(RowFactory.create(sourceIds[i], targetIds[j], c));
                w.write(csv(sourceIds[i]));
                w.write(',');
                w.write(csv(targetIds[j]));
                w.write(',');
                w.write(Double.toString(c));
                w.write('\n');
            }
            w.flush();
        }
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("source_id", DataTypes.StringType, false),
                DataTypes.createStructField("target_id", DataTypes.StringType, false),
                DataTypes.createStructField("cost", DataTypes.DoubleType, false)));
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(out.resolve(PAIRS_PARQUET));
        int pairs = rows.size();
        run.put("matched_pairs", pairs);
        run.put("unmatched_sources", targetOf.length - pairs);
        run.put("unmatched_targets", targetIds.length - pairs);
        run.put("total_cost", total);
        run.put("primal_cost", total / pairs);
        run.put("primal_cost_note", "total_cost = sum of squared Euclidean distances over matched pairs;"
                + " primal_cost = total_cost / matched_pairs (uniform weights)");
        int[] ranks = outcome.schedule();
        run.put("schedule", ranks);
        run.put("ranks_per_level", Arrays.copyOf(ranks, ranks.length - 1));
        run.put("base_block", ranks[ranks.length - 1]);
        run.put("level_seconds", outcome.levelSeconds());
        run.put("level_seconds_note", "one entry per low-rank level, then the exact assignment of the base blocks");
        run.put("blocks_per_level", outcome.blocksPerLevel());
        run.put("tasks_per_level", outcome.tasksPerLevel());
        run.put("tasks_per_level_note", "Spark tasks per level (blocks grouped into at most 2 x defaultParallelism"
                + " contiguous slices), aligned with level_seconds and blocks_per_level");
        run.put("output_files", List.of(PAIRS_CSV, PAIRS_PARQUET, SnapshotOutputWriter.RUN_JSON));
    }

    private static void writeFactors(AtomicOutput out, String[] sourceIds, String[] targetIds, Outcome outcome,
                                     Map<String, Object> run) throws IOException {
        writeLabels(out, FACTORS + "/source_labels.csv", "source_id", sourceIds, outcome.q());
        writeLabels(out, FACTORS + "/target_labels.csv", "target_id", targetIds, outcome.r());
        try (OutputStream s = out.create(FACTORS + "/T.csv")) {
            Writer w = new BufferedWriter(new OutputStreamWriter(s, StandardCharsets.UTF_8));
            double[][] t = outcome.t();
            w.write("source_cluster");
            for (int l = 0; l < t[0].length; l++) {
                w.write(",target_cluster_" + l);
            }
            w.write('\n');
            for (int k = 0; k < t.length; k++) {
                w.write(Integer.toString(k));
                for (double v : t[k]) {
                    w.write(',');
                    w.write(Double.toString(v));
                }
                w.write('\n');
            }
            w.flush();
        }
        run.put("rank", outcome.t().length);
        run.put("primal_cost", outcome.primalCost());
        run.put("primal_cost_note", "<C, P> of the low-rank coupling P = Q diag(1/g_Q) T diag(1/g_R) R^T with uniform"
                + " marginals (mean squared Euclidean cost)");
        run.put("total_cost", outcome.primalCost() * Math.max(sourceIds.length, targetIds.length));
        run.put("row_marginal_error", outcome.rowError());
        run.put("column_marginal_error", outcome.columnError());
        run.put("iterations", outcome.iterations());
        run.put("ranks_per_level", new int[] {outcome.t().length});
        run.put("output_files", List.of(FACTORS + "/source_labels.csv", FACTORS + "/target_labels.csv",
                FACTORS + "/T.csv", SnapshotOutputWriter.RUN_JSON));
    }

    /** {@code <id>, cluster, p_0 … p_{r-1}}: the hard label argmax_k and the row-normalised factor row. */
    private static void writeLabels(AtomicOutput out, String name, String idHeader, String[] ids, double[][] factor)
            throws IOException {
        try (OutputStream s = out.create(name)) {
            Writer w = new BufferedWriter(new OutputStreamWriter(s, StandardCharsets.UTF_8), 1 << 16);
            int r = factor[0].length;
            w.write(idHeader + ",cluster");
            for (int k = 0; k < r; k++) {
                w.write(",p_" + k);
            }
            w.write('\n');
            for (int i = 0; i < ids.length; i++) {
                double[] row = factor[i];
                double sum = 0;
                int best = 0;
                for (int k = 0; k < r; k++) {
                    sum += row[k];
                    if (row[k] > row[best]) {
                        best = k;
                    }
                }
                w.write(csv(ids[i]));
                w.write(',');
                w.write(Integer.toString(best));
                for (int k = 0; k < r; k++) {
                    w.write(',');
                    w.write(Double.toString(sum > 0 ? row[k] / sum : 0));
                }
                w.write('\n');
            }
            w.flush();
        }
    }

    private static String csv(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
