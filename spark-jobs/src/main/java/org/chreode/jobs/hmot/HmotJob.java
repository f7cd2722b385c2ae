package org.chreode.jobs.hmot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.chreode.jobs.Failures;
import org.chreode.jobs.io.AtomicOutput;
import org.chreode.jobs.io.SnapshotOutputWriter;
import org.chreode.jobs.report.DifferentiationMapChart;
import org.chreode.jobs.snapshot.LoggingIterationListener;
import org.chreode.jobs.temporal.TemporalJob;
import org.chreode.jobs.temporal.TemporalTableReader;
import org.chreode.jobs.temporal.TemporalTableReader.TemporalInput;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.lowrank.HiddenMarkovOtProblem;
import org.chreode.kernels.lowrank.HiddenMarkovOtResult;
import org.chreode.kernels.lowrank.HiddenMarkovOtSolver;
import org.chreode.kernels.metrics.ClusteringMetrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code chreode hmot}: Hidden-Markov OT over a time course (kernel {@link HiddenMarkovOtSolver}; CONTRACT.md "hmot
 * outputs"). Reads the table with {@link TemporalTableReader}, groups cells by time point, decides ranks and what is
 * fixed from the cell-type column, solves the whole chain in one Spark task (features broadcast; errors come back as
 * data), then writes latent types, transitions, the differentiation map (JSON and PNG) and run.json through
 * {@link AtomicOutput}.
 */
public final class HmotJob {

    /** Output file names. */
    public static final String LATENT_TYPES_CSV = "latent_types.csv";
    public static final String MAP_JSON = "differentiation_map.json";
    public static final String MAP_PNG = "differentiation_map.png";

    private HmotJob() {
    }

    /**
     * Solver and output parameters.
     *
     * @param ranks              one rank for all time points, one per time point, or null (then from cell types)
     * @param supervisedTimes    time points whose labels are fixed to the cell-type column, or null
     * @param proportionsFromCol fix every time point's type proportions to the cell-type fractions
     * @param warmStart          path of a JSON file with warm-start transitions, or null
     * @param mapThreshold       edges of the map with mass below this are left out, in [0, 1)
     */
    public record Params(int[] ranks, double[] supervisedTimes, boolean proportionsFromCol, String warmStart,
                         double mapThreshold, double gamma, double innerMarginalWeight, int minIterations,
                         int maxIterations, double tolerance, long seed, int restarts) implements Serializable {

        /** Throws {@link InvalidInputException} naming the option on a value outside its range. */
        public Params {
            if (ranks != null) {
                for (int r : ranks) {
                    if (r < 1) {
                        throw new InvalidInputException("--ranks must be integers >= 1 (got " + r + ").");
                    }
                }
                ranks = ranks.clone();
            }
            supervisedTimes = supervisedTimes == null ? null : supervisedTimes.clone();
            if (supervisedTimes != null && proportionsFromCol) {
                throw new InvalidInputException("Give either --supervised-times or --proportions-from-col, not both:"
                        + " fixed labels already fix the proportions at those time points.");
            }
            if (!(mapThreshold >= 0 && mapThreshold < 1)) {
                throw new InvalidInputException("--map-threshold must be in [0, 1) (edges with less transition mass"
                        + " are left out of the map; got " + mapThreshold + ").");
            }
            if (!(gamma > 0) || !Double.isFinite(gamma)) {
                throw new InvalidInputException("--gamma must be a finite number > 0 (mirror-descent step scale; got "
                        + gamma + ").");
            }
            if (!(innerMarginalWeight > 0)) {
                throw new InvalidInputException("--tau-in must be > 0 (KL weight on free type proportions; got "
                        + innerMarginalWeight + ").");
            }
            if (maxIterations < 1) {
                throw new InvalidInputException("--max-iterations must be >= 1 (got " + maxIterations + ").");
            }
            if (minIterations < 0 || minIterations > maxIterations) {
                throw new InvalidInputException("--min-iterations must be between 0 and --max-iterations = "
                        + maxIterations + " (got " + minIterations + ").");
            }
            if (!(tolerance > 0)) {
                throw new InvalidInputException("--tolerance must be > 0 (got " + tolerance + ").");
            }
            if (restarts < 1) {
                throw new InvalidInputException("--restarts must be >= 1 (got " + restarts + ").");
            }
        }

        /** The kernel solver these parameters describe. */
        public HiddenMarkovOtSolver solver() {
            return new HiddenMarkovOtSolver().withGamma(gamma).withInnerMarginalWeight(innerMarginalWeight)
                    .withIterations(minIterations, maxIterations).withTolerance(tolerance).withSeed(seed)
                    .withRestarts(restarts);
        }

        boolean needsCellTypes() {
            return supervisedTimes != null || proportionsFromCol;
        }
    }

    /** One run's request; {@code columns.cellTypeCol()} is null when no cell-type column is used. */
    public record Request(String input, String output, boolean overwrite, TemporalTableReader.Columns columns,
                          Params params, List<String> commandLine) {
    }

    /** The outcome: final output path, the solve and the run.json tree. */
    public record Report(String output, Solution solution, Map<String, Object> run) {
    }

    /** One stage of the forward–backward scheme, as reported in run.json. */
    public record StageSummary(String name, String status, boolean converged, int iterations, double finalError,
                               double marginalError, double epsilon, double objective) implements Serializable {
    }

    /** What the Spark task returns: the solve, or the error it met. */
    public record Solution(int[][] labels, double[][][] memberships, double[][] proportions, double[][][] transitions,
                           double[] pairCosts, double objective, double costScale, List<StageSummary> stages,
                           double[] restartObjectives, int bestRestart, RuntimeException error, double seconds)
            implements Serializable {
    }

    /** The chain as the kernel sees it, plus names. */
    record Chain(double[] times, int[][] cells, double[][][] clouds, int[] ranks, double[][] proportions,
                 int[][] fixedLabels, double[][][] warm, String[][] typeNames, String[] mode)
            implements Serializable {
    }

    public static Report run(SparkSession spark, Request request) {
        return Failures.runJob(spark, () -> runUnwrapped(spark, request));
    }

    private static Report runUnwrapped(SparkSession spark, Request request) throws IOException {
        long start = System.nanoTime();
        Params params = request.params();
        String typeCol = request.columns().cellTypeCol();
        if (params.needsCellTypes() && typeCol == null) {
            throw new InvalidInputException((params.supervisedTimes() != null ? "--supervised-times"
                    : "--proportions-from-col") + " takes the labels from a cell-type column: name it with"
                    + " --cell-type-col.");
        }
        AtomicOutput.checkTarget(request.output(), request.overwrite(), spark.sparkContext().hadoopConfiguration());
        JsonNode warmJson = params.warmStart() == null ? null : readJson(spark, params.warmStart());

        TemporalInput input;
        try {
            input = new TemporalTableReader(spark).read(request.input(), request.columns());
        } catch (InvalidInputException e) {
            if (typeCol != null && e.getMessage().contains("no cell-type column '" + typeCol + "'")) {
                throw new InvalidInputException("The input has no cell-type column '" + typeCol + "'"
                        + present(e.getMessage()) + "; " + (params.needsCellTypes() ? (params.supervisedTimes()
                        != null ? "--supervised-times" : "--proportions-from-col") + " fixes the latent types from it"
                        : "--cell-type-col names the labels the latent types are scored against")
                        + ". Set --cell-type-col to the right column" + (params.needsCellTypes()
                        ? ", or drop " + (params.supervisedTimes() != null ? "--supervised-times"
                        : "--proportions-from-col") + " to run unsupervised." : ", or leave it out."));
            }
            throw e;
        }
        double readSeconds = seconds(start);
        Chain chain = chain(input, request, warmJson);

        long solveStart = System.nanoTime();
        spark.sparkContext().setJobDescription("chreode hmot: " + chain.times().length + " time points, "
                + input.ids().length + " cells");
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<Chain> shared = jsc.broadcast(chain);
        Solution solution;
        try {
            solution = jsc.parallelize(List.of(0), 1).map(new SolveTask(shared, params)).collect().get(0);
        } finally {
            shared.destroy();
        }
        if (solution.error() != null) {
            throw solution.error();
        }
        double solveSeconds = seconds(solveStart);

        long writeStart = System.nanoTime();
        Map<String, Object> run = runJson(request, input, chain, solution);
        String finalPath;
        try (AtomicOutput out = AtomicOutput.open(request.output(), request.overwrite(),
                spark.sparkContext().hadoopConfiguration())) {
            writeLatentTypes(out, input, chain, solution);
            for (int p = 0; p < chain.times().length - 1; p++) {
                writeTransition(out, chain, solution, p);
            }
            Map<String, Object> map = differentiationMap(input, chain, solution, params.mapThreshold());
            try (OutputStream s = out.create(MAP_JSON)) {
                SnapshotOutputWriter.writeRunJson(map, s);
            }
            byte[] png = mapPng(chain, map);
            try (OutputStream s = out.create(MAP_PNG)) {
                s.write(png);
            }
            run.put("map_edges", ((List<?>) map.get("edges")).size());
            Map<String, Object> timings = new LinkedHashMap<>();
            timings.put("read_seconds", readSeconds);
            timings.put("solve_seconds", solveSeconds);
            timings.put("kernel_seconds", solution.seconds());
            timings.put("write_seconds", seconds(writeStart));
            timings.put("total_seconds", seconds(start));
            run.put("timings", timings);
            finalPath = SnapshotOutputWriter.commitWithRunJson(out, run);
        }
        return new Report(finalPath, solution, run);
    }

    /** ", columns present: …" taken from the reader's message, or nothing. */
    private static String present(String message) {
        int i = message.indexOf("columns present: ");
        if (i < 0) {
            return "";
        }
        int end = message.indexOf('.', i);
        return " (" + message.substring(i, end < 0 ? message.length() : end) + ")";
    }

    /** Groups cells by time point and decides ranks, fixed labels, proportions and warm starts. */
    static Chain chain(TemporalInput input, Request request, JsonNode warmJson) {
        Params params = request.params();
        String timeCol = request.columns().timeCol();
        TreeMap<Double, List<Integer>> groups = new TreeMap<>();
        for (int i = 0; i < input.times().length; i++) {
            groups.computeIfAbsent(input.times()[i], k -> new ArrayList<>()).add(i);
        }
        List<String> present = groups.keySet().stream().map(TemporalJob::format).toList();
        if (groups.size() < 2) {
            throw new InvalidInputException("The input has only one time point (" + timeCol + " = " + present.get(0)
                    + "); HM-OT needs at least two.");
        }
        int steps = groups.size();
        double[] times = new double[steps];
        int[][] cells = new int[steps][];
        double[][][] clouds = new double[steps][][];
        int k = 0;
        for (Map.Entry<Double, List<Integer>> e : groups.entrySet()) {
            times[k] = e.getKey();
            cells[k] = e.getValue().stream().mapToInt(Integer::intValue).toArray();
            clouds[k] = new double[cells[k].length][];
            for (int i = 0; i < cells[k].length; i++) {
                clouds[k][i] = input.features()[cells[k][i]];
            }
            k++;
        }
        boolean[] supervised = new boolean[steps];
        if (params.supervisedTimes() != null) {
            for (double s : params.supervisedTimes()) {
                int idx = Arrays.binarySearch(times, s);
                if (idx < 0) {
                    throw new InvalidInputException("Time point " + TemporalJob.format(s) + " listed in"
                            + " --supervised-times has no cells in column '" + timeCol + "'; time points present: "
                            + String.join(", ", present) + ".");
                }
                supervised[idx] = true;
            }
        }
        String[][] typeNames = new String[steps][];
        int[][] typeIndex = new int[steps][];
        if (input.cellTypes() != null) {
            for (int t = 0; t < steps; t++) {
                TreeSet<String> names = new TreeSet<>();
                for (int i : cells[t]) {
                    names.add(input.cellTypes()[i]);
                }
                typeNames[t] = names.toArray(new String[0]);
                typeIndex[t] = new int[cells[t].length];
                for (int i = 0; i < cells[t].length; i++) {
                    typeIndex[t][i] = Arrays.binarySearch(typeNames[t], input.cellTypes()[cells[t][i]]);
                }
            }
        }
        int[] given = params.ranks();
        if (given != null && given.length != 1 && given.length != steps) {
            throw new InvalidInputException("--ranks has " + given.length + " values but the input has " + steps
                    + " time points (" + String.join(", ", present) + "); give one rank for all or one per time"
                    + " point.");
        }
        int[] ranks = new int[steps];
        double[][] proportions = params.proportionsFromCol() ? new double[steps][] : null;
        int[][] fixed = params.supervisedTimes() != null ? new int[steps][] : null;
        String[] mode = new String[steps];
        for (int t = 0; t < steps; t++) {
            boolean fromTypes = supervised[t] || params.proportionsFromCol();
            String option = supervised[t] ? "--supervised-times" : "--proportions-from-col";
            if (fromTypes) {
                int types = typeNames[t].length;
                if (given != null && given.length == steps && given[t] != types) {
                    throw new InvalidInputException("--ranks gives " + given[t] + " latent types for time point "
                            + TemporalJob.format(times[t]) + " but " + option + " takes them from column '"
                            + request.columns().cellTypeCol() + "', which has " + types + " cell types there ("
                            + String.join(", ", typeNames[t]) + "); make the ranks agree or give a single --ranks"
                            + " value for the other time points.");
                }
                ranks[t] = types;
                if (supervised[t]) {
                    fixed[t] = typeIndex[t].clone();
                    mode[t] = "labels fixed";
                } else {
                    proportions[t] = new double[types];
                    for (int z : typeIndex[t]) {
                        proportions[t][z] += 1.0 / cells[t].length;
                    }
                    mode[t] = "proportions fixed";
                }
            } else {
                if (given == null) {
                    throw new InvalidInputException("--ranks is needed: time point " + TemporalJob.format(times[t])
                            + " has no fixed labels or proportions to take the number of latent types from.");
                }
                ranks[t] = given.length == 1 ? given[0] : given[t];
                mode[t] = "free";
            }
            if (ranks[t] > cells[t].length) {
                throw new InvalidInputException("Time point " + TemporalJob.format(times[t]) + " has "
                        + cells[t].length + " cells but " + ranks[t] + " latent types were asked for; lower --ranks.");
            }
        }
        double[][][] warm = warmJson == null ? null : warmTransitions(warmJson, times, ranks,
                request.params().warmStart());
        new HiddenMarkovOtProblem(clouds, ranks, proportions, fixed, warm); // checks on the driver, before any job
        return new Chain(times, cells, clouds, ranks, proportions, fixed, warm, typeNames, mode);
    }

    /** Reads a JSON file through Hadoop's file system (local paths and cluster URIs alike). */
    private static JsonNode readJson(SparkSession spark, String file) {
        Path path = new Path(file);
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(path)) {
                throw new InvalidInputException("--warm-start file '" + file + "' does not exist.");
            }
            try (InputStream in = fs.open(path)) {
                return new ObjectMapper().readTree(in);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidInputException("--warm-start file '" + file + "' is not valid JSON: "
                    + e.getOriginalMessage() + ".");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read --warm-start file '" + file + "': " + e.getMessage(), e);
        }
    }

    /**
     * Warm-start transitions from JSON shaped like {@value #MAP_JSON}: {@code {"transitions": [{"source": "0",
     * "target": "1", "matrix": [[…]]}, …]}}, one entry per consecutive pair in time order ("source"/"target" optional,
     * checked when present).
     */
    static double[][][] warmTransitions(JsonNode root, double[] times, int[] ranks, String file) {
        JsonNode list = root.get("transitions");
        String where = "--warm-start file '" + file + "'";
        if (list == null || !list.isArray()) {
            throw new InvalidInputException(where + " has no \"transitions\" list; write {\"transitions\":"
                    + " [{\"matrix\": [[...]]}, ...]} with one matrix per consecutive pair (a previous run's " + MAP_JSON
                    + " works).");
        }
        if (list.size() != times.length - 1) {
            throw new InvalidInputException(where + " has " + list.size() + " transitions but the input has "
                    + (times.length - 1) + " consecutive pairs of time points.");
        }
        double[][][] out = new double[list.size()][][];
        for (int p = 0; p < list.size(); p++) {
            JsonNode entry = list.get(p);
            String pair = TemporalJob.format(times[p]) + "→" + TemporalJob.format(times[p + 1]);
            for (String side : new String[] {"source", "target"}) {
                JsonNode v = entry.get(side);
                String expected = TemporalJob.format(times[side.equals("source") ? p : p + 1]);
                if (v != null && !v.isNull() && !(v.isNumber() ? TemporalJob.format(v.asDouble()) : v.asText())
                        .equals(expected)) {
                    throw new InvalidInputException(where + ": transition " + (p + 1) + " has " + side + " "
                            + v.asText() + " but pair " + (p + 1) + " of the input is " + pair + ".");
                }
            }
            JsonNode m = entry.isArray() ? entry : entry.get("matrix");
            if (m == null || !m.isArray()) {
                throw new InvalidInputException(where + ": transition " + pair + " has no \"matrix\".");
            }
            out[p] = new double[m.size()][];
            for (int z = 0; z < m.size(); z++) {
                JsonNode row = m.get(z);
                if (!row.isArray()) {
                    throw new InvalidInputException(where + ": row " + z + " of transition " + pair
                            + " is not a list of numbers.");
                }
                out[p][z] = new double[row.size()];
                for (int l = 0; l < row.size(); l++) {
                    if (!row.get(l).isNumber()) {
                        throw new InvalidInputException(where + ": entry (" + z + ", " + l + ") of transition " + pair
                                + " is not a number.");
                    }
                    out[p][z][l] = row.get(l).asDouble();
                }
            }
            if (out[p].length != ranks[p] || (out[p].length > 0 && out[p][0].length != ranks[p + 1])) {
                throw new InvalidInputException(where + ": transition " + pair + " is " + out[p].length + " x "
                        + (out[p].length > 0 ? out[p][0].length : 0) + " but the latent ranks there are "
                        + ranks[p] + " x " + ranks[p + 1] + ".");
            }
        }
        return out;
    }

    /** Builds the kernel problem and solves it inside a Spark task; errors are returned, not thrown. */
    static final class SolveTask implements Function<Integer, Solution> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<Chain> chain;
        private final Params params;

        SolveTask(Broadcast<Chain> chain, Params params) {
            this.chain = chain;
            this.params = params;
        }

        @Override
        public Solution call(Integer ignored) {
            long t0 = System.nanoTime();
            try {
                return solve(chain.value(), params, t0);
            } catch (RuntimeException e) {
                return new Solution(null, null, null, null, null, Double.NaN, Double.NaN, List.of(), null, 0, e,
                        seconds(t0));
            }
        }
    }

    static Solution solve(Chain c, Params params, long t0) {
        HiddenMarkovOtProblem problem = new HiddenMarkovOtProblem(c.clouds(), c.ranks(), c.proportions(),
                c.fixedLabels(), c.warm());
        HiddenMarkovOtResult r = params.solver().solve(problem,
                new LoggingIterationListener(params.tolerance(), 2000));
        int steps = r.timePoints();
        int[][] labels = new int[steps][];
        double[][][] memberships = new double[steps][][];
        double[][] proportions = new double[steps][];
        for (int t = 0; t < steps; t++) {
            labels[t] = r.labels(t);
            memberships[t] = r.memberships(t);
            proportions[t] = r.proportions(t);
        }
        double[][][] transitions = new double[steps - 1][][];
        double[] costs = new double[steps - 1];
        for (int p = 0; p < steps - 1; p++) {
            transitions[p] = r.transition(p);
            costs[p] = r.pairCost(p);
        }
        List<StageSummary> stages = new ArrayList<>();
        for (HiddenMarkovOtResult.Stage s : r.stages()) {
            stages.add(new StageSummary(s.name(), s.convergence().status().name(), s.convergence().converged(),
                    s.convergence().iterations(), s.convergence().finalError(), s.convergence().marginalError(),
                    s.convergence().epsilon(), s.objective()));
        }
        return new Solution(labels, memberships, proportions, transitions, costs, r.objective(), r.costScale(),
                stages, r.restartObjectives(), r.bestRestart(), null, seconds(t0));
    }

    /** Node label: the cell-type name where labels are fixed, else "type_z". */
    static String typeLabel(Chain c, int t, int z) {
        return "labels fixed".equals(c.mode()[t]) ? c.typeNames()[t][z] : "type_" + z;
    }

    private static void writeLatentTypes(AtomicOutput out, TemporalInput input, Chain c, Solution s)
            throws IOException {
        int maxRank = Arrays.stream(c.ranks()).max().orElse(1);
        boolean types = input.cellTypes() != null;
        try (PrintWriter w = writer(out, LATENT_TYPES_CSV)) {
            StringBuilder header = new StringBuilder("cell_id,day,latent_type,latent_label");
            if (types) {
                header.append(",cell_type");
            }
            for (int z = 0; z < maxRank; z++) {
                header.append(",membership_").append(z);
            }
            w.println(header);
            for (int t = 0; t < c.times().length; t++) {
                String day = TemporalJob.format(c.times()[t]);
                for (int i = 0; i < c.cells()[t].length; i++) {
                    int cell = c.cells()[t][i];
                    int z = s.labels()[t][i];
                    StringBuilder line = new StringBuilder(csv(input.ids()[cell])).append(',').append(day)
                            .append(',').append(z).append(',').append(csv(typeLabel(c, t, z)));
                    if (types) {
                        line.append(',').append(csv(input.cellTypes()[cell]));
                    }
                    for (int k = 0; k < maxRank; k++) {
                        line.append(',');
                        if (k < c.ranks()[t]) {
                            line.append(s.memberships()[t][i][k]);
                        }
                    }
                    w.println(line);
                }
            }
        }
    }

    /** transitions/&lt;t0&gt;_&lt;t1&gt;.csv: the joint type–type mass T (total 1), latent × latent. */
    private static void writeTransition(AtomicOutput out, Chain c, Solution s, int p) throws IOException {
        String name = "transitions/" + TemporalJob.format(c.times()[p]) + "_" + TemporalJob.format(c.times()[p + 1])
                + ".csv";
        try (PrintWriter w = writer(out, name)) {
            StringBuilder header = new StringBuilder("source_type");
            for (int l = 0; l < c.ranks()[p + 1]; l++) {
                header.append(',').append(csv(typeLabel(c, p + 1, l)));
            }
            w.println(header);
            for (int z = 0; z < c.ranks()[p]; z++) {
                StringBuilder line = new StringBuilder(csv(typeLabel(c, p, z)));
                for (double v : s.transitions()[p][z]) {
                    line.append(',').append(v);
                }
                w.println(line);
            }
        }
    }

    /**
     * differentiation_map.json: nodes (time, type) with mass g, argmax cell count, centroid diag(1/g) Qᵀ X and the
     * commonest cell type; edges with mass ≥ threshold (forward = T/g_source, backward = T/g_target); the full
     * transition matrices (usable as {@code --warm-start}).
     */
    static Map<String, Object> differentiationMap(TemporalInput input, Chain c, Solution s, double threshold) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (int t = 0; t < c.times().length; t++) {
            int r = c.ranks()[t];
            int dim = input.features()[0].length;
            double[][] centroid = new double[r][dim];
            int[] count = new int[r];
            double[] mass = s.proportions()[t];
            Map<Integer, Map<String, Integer>> byType = new TreeMap<>();
            int n = c.cells()[t].length;
            for (int i = 0; i < n; i++) {
                int cell = c.cells()[t][i];
                double[] x = input.features()[cell];
                for (int z = 0; z < r; z++) {
                    double q = s.memberships()[t][i][z] / n;
                    for (int d = 0; d < dim; d++) {
                        centroid[z][d] += q * x[d];
                    }
                }
                int z = s.labels()[t][i];
                count[z]++;
                if (input.cellTypes() != null) {
                    byType.computeIfAbsent(z, key -> new TreeMap<>()).merge(input.cellTypes()[cell], 1, Integer::sum);
                }
            }
            for (int z = 0; z < r; z++) {
                for (int d = 0; d < dim; d++) {
                    centroid[z][d] /= mass[z];
                }
                Map<String, Object> node = new LinkedHashMap<>();
                node.put("id", nodeId(c, t, z));
                node.put("day", TemporalJob.format(c.times()[t]));
                node.put("time_index", t);
                node.put("latent_type", z);
                node.put("label", typeLabel(c, t, z));
                node.put("mass", mass[z]);
                node.put("cells", count[z]);
                Map<String, Object> centre = new LinkedHashMap<>();
                for (int d = 0; d < dim; d++) {
                    centre.put(input.featureNames()[d], centroid[z][d]);
                }
                node.put("centroid", centre);
                Map<String, Integer> types = byType.get(z);
                if (types != null) {
                    String best = null;
                    for (Map.Entry<String, Integer> e : types.entrySet()) {
                        if (best == null || e.getValue() > types.get(best)) {
                            best = e.getKey();
                        }
                    }
                    node.put("commonest_cell_type", best);
                    node.put("cell_types", types);
                }
                nodes.add(node);
            }
        }
        List<Map<String, Object>> edges = new ArrayList<>();
        List<Map<String, Object>> matrices = new ArrayList<>();
        for (int p = 0; p < c.times().length - 1; p++) {
            double[][] tr = s.transitions()[p];
            for (int z = 0; z < tr.length; z++) {
                for (int l = 0; l < tr[z].length; l++) {
                    if (tr[z][l] >= threshold && tr[z][l] > 0) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("source", nodeId(c, p, z));
                        e.put("target", nodeId(c, p + 1, l));
                        e.put("weight", tr[z][l]);
                        e.put("forward_probability", tr[z][l] / s.proportions()[p][z]);
                        e.put("backward_probability", tr[z][l] / s.proportions()[p + 1][l]);
                        edges.add(e);
                    }
                }
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("source", TemporalJob.format(c.times()[p]));
            m.put("target", TemporalJob.format(c.times()[p + 1]));
            m.put("matrix", tr);
            matrices.add(m);
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("threshold", threshold);
        map.put("days", Arrays.stream(c.times()).mapToObj(TemporalJob::format).toList());
        map.put("nodes", nodes);
        map.put("edges", edges);
        map.put("transitions", matrices);
        return map;
    }

    private static String nodeId(Chain c, int t, int z) {
        return TemporalJob.format(c.times()[t]) + ":" + typeLabel(c, t, z);
    }

    @SuppressWarnings("unchecked")
    private static byte[] mapPng(Chain c, Map<String, Object> map) throws IOException {
        List<DifferentiationMapChart.Node> nodes = new ArrayList<>();
        Map<String, Integer> index = new LinkedHashMap<>();
        for (Map<String, Object> n : (List<Map<String, Object>>) map.get("nodes")) {
            index.put((String) n.get("id"), nodes.size());
            String label = n.get("label") + (n.containsKey("commonest_cell_type") && !n.get("label").equals(
                    n.get("commonest_cell_type")) ? " (" + n.get("commonest_cell_type") + ")" : "");
            nodes.add(new DifferentiationMapChart.Node((Integer) n.get("time_index"), (Integer) n.get("latent_type"),
                    label));
        }
        List<DifferentiationMapChart.Edge> edges = new ArrayList<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) map.get("edges")) {
            edges.add(new DifferentiationMapChart.Edge(index.get((String) e.get("source")),
                    index.get((String) e.get("target")), (Double) e.get("weight")));
        }
        List<String> days = Arrays.stream(c.times()).mapToObj(TemporalJob::format).toList();
        return DifferentiationMapChart.png(days, nodes, edges);
    }

    private static Map<String, Object> runJson(Request request, TemporalInput input, Chain c, Solution s) {
        Params params = request.params();
        Map<String, Object> run = TemporalTableReader.runHeader("hmot", request.commandLine(), request.input(),
                input, request.columns());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("ranks", params.ranks());
        p.put("supervised_times", params.supervisedTimes());
        p.put("proportions_from_col", params.proportionsFromCol());
        p.put("warm_start", params.warmStart());
        p.put("map_threshold", params.mapThreshold());
        p.put("gamma", params.gamma());
        p.put("tau_in", params.innerMarginalWeight());
        p.put("min_iterations", params.minIterations());
        p.put("max_iterations", params.maxIterations());
        p.put("tolerance", params.tolerance());
        p.put("seed", params.seed());
        p.put("restarts", params.restarts());
        p.put("cost", "squared_euclidean, divided by its largest entry over all consecutive pairs");
        p.put("marginals", "uniform (a_t = 1/n_t)");
        run.put("parameters", p);
        List<Map<String, Object>> points = new ArrayList<>();
        boolean types = input.cellTypes() != null;
        for (int t = 0; t < c.times().length; t++) {
            Map<String, Object> tp = new LinkedHashMap<>();
            tp.put("day", TemporalJob.format(c.times()[t]));
            tp.put("cells", c.cells()[t].length);
            tp.put("rank", c.ranks()[t]);
            tp.put("mode", c.mode()[t]);
            tp.put("proportions", s.proportions()[t]);
            if (types) {
                String[] truth = new String[c.cells()[t].length];
                Integer[] latent = new Integer[truth.length];
                for (int i = 0; i < truth.length; i++) {
                    truth[i] = input.cellTypes()[c.cells()[t][i]];
                    latent[i] = s.labels()[t][i];
                }
                tp.put("cell_types", c.typeNames()[t].length);
                tp.put("ami", ClusteringMetrics.adjustedMutualInformation(truth, latent));
                tp.put("ari", ClusteringMetrics.adjustedRandIndex(truth, latent));
            }
            points.add(tp);
        }
        run.put("time_points", points);
        if (types) {
            run.put("scores", "ami / ari per time point: adjusted mutual information (arithmetic normalisation)"
                    + " and adjusted Rand index of the latent types against column '"
                    + request.columns().cellTypeCol() + "'");
        }
        boolean converged = s.stages().stream().allMatch(StageSummary::converged);
        run.put("converged", converged);
        run.put("iterations", s.stages().stream().mapToInt(StageSummary::iterations).sum());
        run.put("stages", s.stages());
        run.put("restart_objectives", s.restartObjectives());
        run.put("best_restart_seed", params.seed() + s.bestRestart());
        run.put("objective", s.objective());
        run.put("pair_costs", s.pairCosts());
        run.put("cost_scale", s.costScale());
        return run;
    }

    private static PrintWriter writer(AtomicOutput out, String name) throws IOException {
        return new PrintWriter(new java.io.OutputStreamWriter(out.create(name), StandardCharsets.UTF_8));
    }

    private static String csv(String s) {
        if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
