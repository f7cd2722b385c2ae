package org.chreode.jobs.demo;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.IntStream;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.chreode.jobs.ChreodeVersion;
import org.chreode.jobs.hmot.HmotJob;
import org.chreode.jobs.io.AtomicOutput;
import org.chreode.jobs.io.SnapshotOutputWriter;
import org.chreode.jobs.temporal.TemporalJob;
import org.chreode.jobs.temporal.TemporalTableReader;
import org.chreode.kernels.demo.TimeCourse;
import org.chreode.kernels.demo.TimeCourseGenerator;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.lowrank.HiddenMarkovOtSolver;
import org.chreode.kernels.metrics.FateMetrics;
import org.chreode.kernels.metrics.LineageScores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code demo --time-course} application: writes a simulated lineage-traced time course as an input table, runs
 * the {@code temporal} job and the {@code hmot} job on it in one Spark session, and scores both against the
 * simulated truth. Everything goes to one output directory, written atomically:
 * <ul>
 *   <li>{@value #INPUT_CSV}: {@code cell_id, day, clone, cell_type, true_growth_rate, x1..xd};</li>
 *   <li>{@code temporal/}: the temporal job's output (couplings, growth.csv, transitions, fates.csv, run.json);</li>
 *   <li>{@code hmot/}: the hmot job's output (latent types, transitions, differentiation map, run.json);</li>
 *   <li>{@value #SCORES_JSON}: the scores below.</li>
 * </ul>
 *
 * <p>Scores. <b>Fates</b> (temporal {@code fates.csv}, the WOT fates toward the last day's cell types) against
 * clonal fates ({@link LineageScores}) of the earlier cells whose clone was sampled at the last day: mean total
 * variation, dominant-fate accuracy and the Pearson correlation of P(fate) per fate, next to the uniform and the
 * nearest-neighbour baselines, overall and per day. <b>Growth</b>: Pearson and Spearman correlation of the learned
 * growth rates ({@code growth.csv}) with the true ones over the cells of all days but the last, and the Spearman
 * correlation over the branch (non-progenitor) cells alone. <b>Latent types</b>:
 * AMI and ARI of the HM-OT latent types against the true cell types per day (HM-OT unsupervised, rank at each day =
 * the number of true cell types there, as the HM-OT papers score it).
 */
public final class TimeCourseDemoRun {

    private static final Logger LOG = LoggerFactory.getLogger(TimeCourseDemoRun.class);

    public static final String INPUT_CSV = "timecourse.csv";
    public static final String SCORES_JSON = "scores.json";
    public static final String TEMPORAL_DIR = "temporal";
    public static final String HMOT_DIR = "hmot";

    /** Entropic regularisation of the temporal solve, in mean-cost units (WOT's default 0.05). */
    public static final double EPSILON = 0.05;
    /**
     * Source relaxation τ = λ/(λ + ε) = 0.8 (λ = 0.2): the source marginal may deviate from the uniform prior, which
     * is what lets growth be learned.
     */
    public static final double TAU_A = 0.8;
    /** Target relaxation: WOT's λ₂ = 50, nearly hard. */
    public static final double TAU_B = 50 / 50.05;
    /** WOT growth iterations: the learned growth replaces the uniform prior twice. */
    public static final int GROWTH_ITERS = 3;
    /** HM-OT restarts; one keeps the demo under a minute, the kernel tests cover restarts. */
    public static final int HMOT_RESTARTS = 1;

    /** Agreement of one fate prediction with the clonal fates, overall and per day. */
    public record FateScores(LineageScores.Agreement overall, Map<String, LineageScores.Agreement> perDay) {
    }

    /**
     * What the demo measured.
     *
     * @param ot         temporal OT fates
     * @param uniform    the uniform baseline
     * @param neighbours the nearest-neighbour baseline
     * @param hmotPerDay per day: day, cell types, ami, ari
     */
    public record Scores(FateScores ot, FateScores uniform, FateScores neighbours, String[] fateLabels,
                         double growthPearson, double growthSpearman, int growthCells,
                         double growthSpearmanBranches, int growthBranchCells,
                         List<Map<String, Object>> hmotPerDay, double meanAmi, double meanAri) {
    }

    /** The outcome: the final output path, the scores and the scores.json tree. */
    public record Report(String output, Scores scores, Map<String, Object> json) {
    }

    private TimeCourseDemoRun() {
    }

    public static Report run(SparkSession spark, TimeCourse course, String output, boolean overwrite, long seed,
                             List<String> commandLine) {
        long start = System.nanoTime();
        var conf = spark.sparkContext().hadoopConfiguration();
        try (AtomicOutput out = AtomicOutput.open(output, overwrite, conf)) {
            try (OutputStream s = out.create(INPUT_CSV)) {
                writeInput(course, s);
            }
            String input = out.resolve(INPUT_CSV);
            List<String> features = Arrays.asList(course.featureNames());
            TemporalTableReader.Columns columns = new TemporalTableReader.Columns("cell_id", "day", "cell_type",
                    features, null, null, false);

            LOG.info("demo --time-course: temporal OT on {} cells, {} days", course.cellCount(),
                    course.sampleDays().length);
            TemporalJob.Params params = new TemporalJob.Params(EPSILON, TAU_A, TAU_B, CostNormalization.MEAN, 0, 1e-8,
                    1e-8, 10000);
            TemporalJob.run(spark, new TemporalJob.Request(input, out.resolve(TEMPORAL_DIR), false, columns, params,
                    null, commandLine, new TemporalJob.GrowthOptions(null, null, null, GROWTH_ITERS), null, null));

            LOG.info("demo --time-course: HM-OT with ranks = true cell types per day");
            int[] ranks = typesPerDay(course);
            HmotJob.Params hmot = new HmotJob.Params(ranks, null, false, null, 0.01,
                    HiddenMarkovOtSolver.DEFAULT_GAMMA, HiddenMarkovOtSolver.DEFAULT_INNER_MARGINAL_WEIGHT,
                    HiddenMarkovOtSolver.DEFAULT_MIN_ITERATIONS, HiddenMarkovOtSolver.DEFAULT_MAX_ITERATIONS,
                    HiddenMarkovOtSolver.DEFAULT_TOLERANCE, seed, HMOT_RESTARTS);
            HmotJob.Report hmotReport = HmotJob.run(spark, new HmotJob.Request(input, out.resolve(HMOT_DIR), false,
                    columns, hmot, commandLine));

            Map<String, double[]> fates = new HashMap<>();
            String[] fateColumns = readTable(spark, out.resolve(TEMPORAL_DIR + "/fates.csv"), "fate_", fates);
            Map<String, double[]> growth = new HashMap<>();
            readTable(spark, out.resolve(TEMPORAL_DIR + "/growth.csv"), "growth_rate", growth);
            Scores scores = score(course, fateColumns, fates, growth, hmotReport.run());

            Map<String, Object> json = json(course, scores, ranks, commandLine, seconds(start));
            try (OutputStream s = out.create(SCORES_JSON)) {
                SnapshotOutputWriter.writeRunJson(json, s);
            }
            out.commit();
            return new Report(out.path(), scores, json);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the demo output: " + e.getMessage(), e);
        }
    }

    /** Number of distinct true cell types at each day, in day order. */
    static int[] typesPerDay(TimeCourse course) {
        double[] days = course.sampleDays();
        int[] out = new int[days.length];
        for (int t = 0; t < days.length; t++) {
            TreeSet<String> types = new TreeSet<>();
            for (int i = 0; i < course.cellCount(); i++) {
                if (course.days()[i] == days[t]) {
                    types.add(course.cellTypes()[i]);
                }
            }
            out[t] = types.size();
        }
        return out;
    }

    /** Scores the temporal fates and growth and the HM-OT types against the truth (see the class description). */
    static Scores score(TimeCourse course, String[] fateLabels, Map<String, double[]> fates,
                        Map<String, double[]> growth, Map<String, Object> hmotRun) {
        int n = course.cellCount();
        double[] sampleDays = course.sampleDays();
        double lastDay = sampleDays[sampleDays.length - 1];
        double[][] clonal = LineageScores.clonalFates(course.clones(), course.days(), course.cellTypes(), lastDay,
                fateLabels);
        int[] rows = LineageScores.scoredRows(clonal);
        double[][] predicted = new double[n][];
        for (int i = 0; i < n; i++) {
            double[] p = fates.get(course.ids()[i]);
            predicted[i] = p != null ? p : new double[fateLabels.length];
        }
        for (int i : rows) {
            if (!fates.containsKey(course.ids()[i])) {
                throw new IllegalStateException("fates.csv has no row for cell " + course.ids()[i]);
            }
        }
        List<String> labels = Arrays.asList(fateLabels);
        int[] references = IntStream.range(0, n).filter(i -> course.days()[i] == lastDay).toArray();
        int[] referenceFate = Arrays.stream(references).map(i -> labels.indexOf(course.cellTypes()[i])).toArray();
        double[][] neighbours = LineageScores.nearestNeighbourFates(course.features(), rows, references,
                referenceFate, fateLabels.length, LineageScores.NEIGHBOURS);
        double[][] uniform = LineageScores.uniform(n, fateLabels.length);

        double[] learned = new double[n];
        Arrays.fill(learned, Double.NaN);
        for (int i = 0; i < n; i++) {
            double[] g = growth.get(course.ids()[i]);
            if (g != null) {
                learned[i] = g[0];
            }
        }
        int[] growthRows = IntStream.range(0, n).filter(i -> !Double.isNaN(learned[i])).toArray();
        // progenitors leave their region between days, which unbalanced OT reads as low growth: score without them too
        int[] branchRows = Arrays.stream(growthRows)
                .filter(i -> !TimeCourseGenerator.PROGENITOR.equals(course.cellTypes()[i])).toArray();

        List<Map<String, Object>> perDay = new ArrayList<>();
        double ami = 0;
        double ari = 0;
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> points = (List<Map<String, Object>>) hmotRun.get("time_points");
        for (Map<String, Object> p : points) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("day", p.get("day"));
            d.put("cells", p.get("cells"));
            d.put("cell_types", p.get("cell_types"));
            d.put("ami", p.get("ami"));
            d.put("ari", p.get("ari"));
            ami += ((Number) p.get("ami")).doubleValue();
            ari += ((Number) p.get("ari")).doubleValue();
            perDay.add(d);
        }
        return new Scores(fateScores(predicted, clonal, rows, course), fateScores(uniform, clonal, rows, course),
                fateScores(neighbours, clonal, rows, course), fateLabels,
                FateMetrics.pearson(learned, course.trueGrowthRates(), growthRows),
                FateMetrics.spearman(learned, course.trueGrowthRates(), growthRows), growthRows.length,
                FateMetrics.spearman(learned, course.trueGrowthRates(), branchRows), branchRows.length, perDay,
                ami / points.size(), ari / points.size());
    }

    private static FateScores fateScores(double[][] predicted, double[][] clonal, int[] rows, TimeCourse course) {
        Map<String, LineageScores.Agreement> perDay = new LinkedHashMap<>();
        for (double day : course.sampleDays()) {
            int[] dayRows = Arrays.stream(rows).filter(i -> course.days()[i] == day).toArray();
            if (dayRows.length > 0) {
                perDay.put(TemporalJob.format(day), LineageScores.compare(predicted, clonal, dayRows));
            }
        }
        return new FateScores(LineageScores.compare(predicted, clonal, rows), perDay);
    }

    private static Map<String, Object> json(TimeCourse course, Scores s, int[] ranks, List<String> commandLine,
                                            double seconds) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("command", "demo --time-course");
        root.put("version", ChreodeVersion.get());
        root.put("command_line", commandLine);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("cells", course.cellCount());
        data.put("days", Arrays.stream(course.sampleDays()).mapToObj(TemporalJob::format).toList());
        data.put("living_before_sampling", course.livingPerDay());
        data.put("sampled", course.sampledPerDay());
        data.put("clones", Arrays.stream(course.clones()).distinct().count());
        data.put("dimension", course.featureNames().length);
        root.put("time_course", data);

        Map<String, Object> fate = new LinkedHashMap<>();
        fate.put("definition", "clonal fate of an earlier cell = fraction of its clone's last-day cells per cell"
                + " type; predictions = temporal fates.csv; tv = mean total variation (lower is better)");
        fate.put("fates", s.fateLabels());
        fate.put("scored_cells", s.ot().overall().cells());
        fate.put("temporal_ot", fateJson(s.ot()));
        fate.put("baseline_uniform", fateJson(s.uniform()));
        fate.put("baseline_nearest_neighbours", fateJson(s.neighbours()));
        fate.put("nearest_neighbours", LineageScores.NEIGHBOURS);
        root.put("fate_prediction", fate);

        Map<String, Object> growth = new LinkedHashMap<>();
        growth.put("definition", "learned growth_rate of temporal/growth.csv vs true exp(birth - death) per day");
        growth.put("cells", s.growthCells());
        growth.put("pearson", s.growthPearson());
        growth.put("spearman", s.growthSpearman());
        growth.put("branch_cells", s.growthBranchCells());
        growth.put("spearman_branch_cells", s.growthSpearmanBranches());
        growth.put("note", "progenitors leave the progenitor region between days; unbalanced OT reads that as low"
                + " growth, so the branch cells (types F1..FK) are also scored alone");
        root.put("growth", growth);

        Map<String, Object> hmot = new LinkedHashMap<>();
        hmot.put("definition", "HM-OT unsupervised, rank per day = number of true cell types that day; AMI"
                + " (arithmetic) and ARI of latent types vs true cell types");
        hmot.put("ranks", ranks);
        hmot.put("per_day", s.hmotPerDay());
        hmot.put("mean_ami", s.meanAmi());
        hmot.put("mean_ari", s.meanAri());
        root.put("hmot", hmot);
        root.put("total_seconds", seconds);
        return root;
    }

    private static Map<String, Object> fateJson(FateScores f) {
        Map<String, Object> m = agreementJson(f.overall());
        Map<String, Object> days = new LinkedHashMap<>();
        f.perDay().forEach((day, a) -> days.put(day, agreementJson(a)));
        m.put("per_day", days);
        return m;
    }

    private static Map<String, Object> agreementJson(LineageScores.Agreement a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cells", a.cells());
        m.put("tv", a.meanTotalVariation());
        m.put("dominant_fate_accuracy", a.dominantFateAccuracy());
        m.put("pearson_per_fate", a.pearsonPerFate());
        m.put("mean_pearson", a.meanPearson());
        return m;
    }

    /** The generated cells as a temporal input table. */
    static void writeInput(TimeCourse course, OutputStream stream) throws IOException {
        Writer w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
        w.write("cell_id,day,clone,cell_type,true_growth_rate," + String.join(",", course.featureNames()) + "\n");
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < course.cellCount(); i++) {
            line.setLength(0);
            line.append(course.ids()[i]).append(',').append(TemporalJob.format(course.days()[i])).append(',')
                    .append(course.clones()[i]).append(',').append(course.cellTypes()[i]).append(',')
                    .append(course.trueGrowthRates()[i]);
            for (double x : course.features()[i]) {
                line.append(',').append(x);
            }
            w.write(line.append('\n').toString());
        }
        w.flush();
    }

    /**
     * Reads a job's CSV (first column cell_id) into id → values of the columns whose name starts with
     * {@code prefix}; returns those column names without the prefix.
     */
    private static String[] readTable(SparkSession spark, String file, String prefix, Map<String, double[]> into)
            throws IOException {
        Path path = new Path(file);
        FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(path), StandardCharsets.UTF_8))) {
            String[] header = r.readLine().split(",", -1);
            int[] cols = IntStream.range(0, header.length).filter(c -> header[c].startsWith(prefix)).toArray();
            String[] names = Arrays.stream(cols).mapToObj(c -> header[c].substring(prefix.length()))
                    .toArray(String[]::new);
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split(",", -1);
                double[] v = new double[cols.length];
                for (int j = 0; j < cols.length; j++) {
                    v[j] = Double.parseDouble(f[cols[j]]);
                }
                into.put(f[0], v);
            }
            return names;
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
