package org.chreode.jobs.temporal;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
import org.chreode.jobs.io.SnapshotOutputWriter;
import org.chreode.jobs.temporal.TemporalTableReader.TemporalInput;
import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.temporal.TemporalCost;
import org.chreode.kernels.temporal.TransportMap;
import org.chreode.kernels.temporal.UnbalancedSinkhorn;

/**
 * {@code chreode temporal}: unbalanced entropic OT between time points (spec {@code unbalanced_temporal_ot.md}),
 * one Spark task per time pair (features broadcast), then on the driver: sparse couplings, growth, cell-type
 * transition tables, fates by chaining pulls, run.json; all written through {@link AtomicOutput}.
 */
public final class TemporalJob {

    private TemporalJob() {
    }

    /** Solver and output parameters. */
    public record Params(double epsilon, double tauA, double tauB, CostNormalization costNormalization,
                         int localPca, double threshold, double tolerance, int maxIterations)
            implements Serializable {

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
        }

        private static void checkTau(String option, double tau) {
            if (!(tau > 0 && tau <= 1)) {
                throw new InvalidInputException(option + " must be in (0, 1] (1 = hard marginal; tau = lambda /"
                        + " (lambda + epsilon)); got " + tau + ".");
            }
        }
    }

    /** One run's request. {@code pairs} = the {@code --pairs} text, or null for consecutive time points. */
    public record Request(String input, String output, boolean overwrite, TemporalTableReader.Columns columns,
                          Params params, String pairs, List<String> commandLine) {
    }

    /** A time pair t0 → t1. */
    public record Pair(double source, double target) implements Serializable {
        public String name() {
            return format(source) + "_" + format(target);
        }
    }

    /** What one task returns for one pair. */
    public record PairSolution(int index, double[][] coupling, Convergence.Status status, int iterations,
                               double finalError, double marginalError, double costScale, int components,
                               double seconds) implements Serializable {
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
            sourceIdx[k] = groups.get(pairs.get(k).source()).stream().mapToInt(Integer::intValue).toArray();
            targetIdx[k] = groups.get(pairs.get(k).target()).stream().mapToInt(Integer::intValue).toArray();
        }

        // ---- one Spark task per pair ----
        long solveStart = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<double[][]> features = jsc.broadcast(input.features());
        List<Integer> indices = new ArrayList<>();
        for (int k = 0; k < pairs.size(); k++) {
            indices.add(k);
        }
        List<PairSolution> solutions;
        try {
            solutions = new ArrayList<>(jsc.parallelize(indices, pairs.size())
                    .map(new PairSolver(features, sourceIdx, targetIdx, params)).collect());
        } catch (RuntimeException e) {
            throw Failures.userFacing(e);
        } finally {
            features.destroy();
        }
        solutions.sort((a, b) -> Integer.compare(a.index(), b.index()));
        double solveSeconds = seconds(solveStart);

        // ---- outputs ----
        long writeStart = System.nanoTime();
        List<TransportMap> maps = new ArrayList<>();
        for (int k = 0; k < pairs.size(); k++) {
            maps.add(new TransportMap(pick(input.ids(), sourceIdx[k]), pick(input.ids(), targetIdx[k]),
                    solutions.get(k).coupling()));
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "temporal");
        run.put("version", ChreodeVersion.get());
        run.put("command_line", request.commandLine());
        run.put("input", Map.of("path", request.input(), "format", input.format(), "cells", input.ids().length,
                "features", input.featureNames().length));
        Map<String, Object> columns = new LinkedHashMap<>();
        columns.put("id", request.columns().idCol());
        columns.put("time", request.columns().timeCol());
        columns.put("cell_type", request.columns().cellTypeCol());
        run.put("columns", columns);
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
        parameters.put("tolerance", params.tolerance());
        parameters.put("max_iterations", params.maxIterations());
        parameters.put("marginals", "uniform (a = 1/n, b = 1/m)");
        run.put("parameters", parameters);
        Map<String, Object> timePoints = new LinkedHashMap<>();
        groups.forEach((t, cells) -> timePoints.put(format(t), cells.size()));
        run.put("time_points", timePoints);

        String finalPath;
        List<Map<String, Object>> pairReports = new ArrayList<>();
        try (AtomicOutput out = AtomicOutput.open(request.output(), request.overwrite(),
                spark.sparkContext().hadoopConfiguration())) {
            for (int k = 0; k < pairs.size(); k++) {
                pairReports.add(writeCoupling(spark, out, pairs.get(k), maps.get(k), solutions.get(k),
                        params.threshold()));
            }
            writeGrowth(out, pairs, maps);
            boolean types = input.cellTypes() != null;
            if (types) {
                for (int k = 0; k < pairs.size(); k++) {
                    String[] src = pick(input.cellTypes(), sourceIdx[k]);
                    String[] tgt = pick(input.cellTypes(), targetIdx[k]);
                    for (boolean forward : new boolean[] {true, false}) {
                        writeTable(out, "transitions/" + pairs.get(k).name() + (forward ? "_forward" : "_backward")
                                + ".csv", maps.get(k).transitionTable(src, tgt, forward));
                    }
                }
            }
            String fatesNote = writeFates(out, input, pairs, maps, targetIdx, types);
            run.put("pairs", pairReports);
            run.put("fates", fatesNote);
            Map<String, Object> timings = new LinkedHashMap<>();
            timings.put("read_seconds", readSeconds);
            timings.put("solve_seconds", solveSeconds);
            timings.put("write_seconds", seconds(writeStart));
            timings.put("total_seconds", seconds(start));
            run.put("timings", timings);
            try (OutputStream s = out.create(SnapshotOutputWriter.RUN_JSON)) {
                SnapshotOutputWriter.writeRunJson(run, s);
            }
            out.commit();
            finalPath = out.path();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the output: " + e.getMessage(), e);
        }
        return new Report(finalPath, pairs, run);
    }

    /** Solves one pair inside a Spark task. */
    static final class PairSolver implements Function<Integer, PairSolution> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<double[][]> features;
        private final int[][] sourceIdx;
        private final int[][] targetIdx;
        private final Params params;

        PairSolver(Broadcast<double[][]> features, int[][] sourceIdx, int[][] targetIdx, Params params) {
            this.features = features;
            this.sourceIdx = sourceIdx;
            this.targetIdx = targetIdx;
            this.params = params;
        }

        @Override
        public PairSolution call(Integer k) {
            long t0 = System.nanoTime();
            double[][] x = features.value();
            double[][] xs = new double[sourceIdx[k].length][];
            double[][] xt = new double[targetIdx[k].length][];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = x[sourceIdx[k][i]];
            }
            for (int j = 0; j < xt.length; j++) {
                xt[j] = x[targetIdx[k][j]];
            }
            int components = 0;
            if (params.localPca() > 0) {
                TemporalCost.PairCoordinates pca = TemporalCost.localPca(xs, xt, params.localPca());
                xs = pca.source();
                xt = pca.target();
                components = pca.singularValues().length;
            }
            TemporalCost.Cost cost = TemporalCost.squaredEuclidean(xs, xt, params.costNormalization());
            UnbalancedSinkhorn.Result r = new UnbalancedSinkhorn(params.epsilon(), params.tauA(), params.tauB(),
                    params.tolerance(), params.maxIterations()).solve(cost.matrix(), IterationListener.NONE);
            Convergence c = r.convergence();
            return new PairSolution(k, r.coupling(cost.matrix()), c.status(), c.iterations(), c.finalError(),
                    c.marginalError(), cost.scale(), components, seconds(t0));
        }
    }

    private static final StructType COUPLING_SCHEMA = new StructType()
            .add("source_id", DataTypes.StringType, false)
            .add("target_id", DataTypes.StringType, false)
            .add("weight", DataTypes.DoubleType, false);

    private static Map<String, Object> writeCoupling(SparkSession spark, AtomicOutput out, Pair pair,
                                                     TransportMap map, PairSolution s, double threshold) {
        double max = 0;
        for (int i = 0; i < map.sourceCount(); i++) {
            for (int j = 0; j < map.targetCount(); j++) {
                max = Math.max(max, map.get(i, j));
            }
        }
        double cut = threshold * max;
        double total = 0;
        double dropped = 0;
        long kept = 0;
        List<Row> rows = new ArrayList<>();
        String[] src = map.sourceIds();
        String[] tgt = map.targetIds();
        for (int i = 0; i < src.length; i++) {
            for (int j = 0; j < tgt.length; j++) {
                double w = map.get(i, j);
                total += w;
                if (w < cut || w == 0) {
                    dropped += w;
                } else {
                    rows.add(RowFactory.create(src[i], tgt[j], w));
                    kept++;
                }
            }
        }
        spark.createDataFrame(rows, COUPLING_SCHEMA).coalesce(1).write()
                .parquet(out.resolve("couplings/" + pair.name() + ".parquet"));
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("source", format(pair.source()));
        r.put("target", format(pair.target()));
        r.put("source_cells", src.length);
        r.put("target_cells", tgt.length);
        r.put("status", s.status());
        r.put("converged", s.status() == Convergence.Status.CONVERGED);
        r.put("iterations", s.iterations());
        r.put("final_potential_change", s.finalError());
        r.put("marginal_error", s.marginalError());
        r.put("cost_scale", s.costScale());
        r.put("local_pca_components", s.components());
        r.put("total_mass", total);
        r.put("max_entry", max);
        r.put("entries_kept", kept);
        r.put("entries_dropped", (long) src.length * tgt.length - kept);
        r.put("dropped_mass", dropped);
        r.put("dropped_mass_fraction", total > 0 ? dropped / total : 0.0);
        r.put("solve_seconds", s.seconds());
        return r;
    }

    /** growth.csv: per source cell, (P𝟙)_i / a_i with a = 1/n (1 = mass conserved). */
    private static void writeGrowth(AtomicOutput out, List<Pair> pairs, List<TransportMap> maps) throws IOException {
        try (PrintWriter w = writer(out, "growth.csv")) {
            w.println("cell_id,day,growth_rate");
            for (int k = 0; k < pairs.size(); k++) {
                TransportMap map = maps.get(k);
                double[] g = map.growthRates(); // n·(P𝟙)_i = (P𝟙)_i / a_i, a = 1/n
                String day = format(pairs.get(k).source());
                for (int i = 0; i < g.length; i++) {
                    w.println(csv(map.sourceIds()[i]) + "," + day + "," + num(g[i]));
                }
            }
        }
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
    private static String writeFates(AtomicOutput out, TemporalInput input, List<Pair> pairs, List<TransportMap> maps,
                                     int[][] targetIdx, boolean types) throws IOException {
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
        TransportMap.Fates fates = TransportMap.fates(maps, pick(input.cellTypes(), targetIdx[last]));
        try (PrintWriter w = writer(out, "fates.csv")) {
            StringBuilder header = new StringBuilder("cell_id,day");
            for (String p : fates.populations()) {
                header.append(',').append(csv("fate_" + p));
            }
            w.println(header);
            for (int k = 0; k < pairs.size(); k++) {
                double[][] probs = fates.perTime().get(k);
                String[] ids = maps.get(k).sourceIds();
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
