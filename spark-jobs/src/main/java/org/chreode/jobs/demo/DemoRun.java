package org.chreode.jobs.demo;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

import org.chreode.jobs.io.AtomicOutput;
import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.jobs.report.SnapshotFigures;
import org.chreode.jobs.report.SnapshotPlots;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.demo.DemoSnapshot;
import org.chreode.kernels.metrics.FateMetrics;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code demo} application: writes a generated snapshot as an input table, runs the {@code snapshot} job on
 * it, and adds the ground truth and the accuracy of the inferred fates and pseudotime to the same output
 * ({@code demo_input.csv}, {@code demo_truth.csv}, {@code true_fates.png}, a {@code demo} section in run.json).
 *
 * <p>Scores, over the cells that are neither initial nor terminal: mean total variation between inferred and true
 * fate distributions, dominant-fate accuracy, and the Spearman rank correlation of pseudotime with the true
 * progress (distance travelled from the progenitor).
 */
public final class DemoRun {

    public static final String INPUT_CSV = "demo_input.csv";
    public static final String TRUTH_CSV = "demo_truth.csv";
    public static final String TRUE_FATES_PNG = "true_fates.png";

    /** What the demo measured. */
    public record Scores(double meanTotalVariation, double dominantFateAccuracy, double pseudotimeSpearman,
                         int scoredCells) {
        Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scored_cells", scoredCells);
            m.put("mean_total_variation", meanTotalVariation);
            m.put("dominant_fate_accuracy", dominantFateAccuracy);
            m.put("pseudotime_spearman", pseudotimeSpearman);
            return m;
        }
    }

    private DemoRun() {
    }

    /** Runs snapshot on the demo data and returns the report together with the scores. */
    public static Map.Entry<SnapshotJob.Report, Scores> run(SparkSession spark, DemoSnapshot demo, String output,
                                                             boolean overwrite, SnapshotSettings settings,
                                                             java.util.List<String> commandLine) throws IOException {
        Path dir = Files.createTempDirectory("chreode-demo-input");
        Path csv = dir.resolve(INPUT_CSV);
        try {
            writeInput(demo.input(), csv);
            Scores[] scores = new Scores[1];
            SnapshotJob.OutputExtension extension = (out, input, result, run) -> {
                scores[0] = score(demo, result);
                try (OutputStream s = out.create(INPUT_CSV)) {
                    Files.copy(csv, s);
                }
                writeTruth(demo, out);
                SnapshotFigures.copy(out, TRUE_FATES_PNG, png -> SnapshotPlots.writeFatePlot(png,
                        SnapshotPlots.projection2d(input.features()), demo.fateLabels(),
                        demo.trueFateProbabilities(), null, "True fates from simulated futures"));
                Map<String, Object> section = new LinkedHashMap<>();
                section.put("cells", demo.cellCount());
                section.put("fates", demo.fateLabels().length);
                section.put("dim", demo.input().dimension());
                section.put("scores", scores[0].asMap());
                run.put("demo", section);
            };
            SnapshotJob.Report report = SnapshotJob.run(spark, new SnapshotJob.Request(csv.toString(), output,
                    overwrite, SnapshotColumns.defaults(), settings, commandLine, extension));
            return Map.entry(report, scores[0]);
        } finally {
            Files.deleteIfExists(csv);
            Files.deleteIfExists(dir);
        }
    }

    /** Scores the inferred fates and pseudotime against the simulated truth. */
    public static Scores score(DemoSnapshot demo, SnapshotResult result) {
        Role[] roles = demo.input().roles();
        int[] rows = IntStream.range(0, roles.length).filter(i -> roles[i] == Role.INTERMEDIATE).toArray();
        double[][] predicted = result.fateProbabilities();
        if (!java.util.Arrays.equals(result.fateLabels(), demo.fateLabels())) {
            throw new IllegalStateException("fate columns differ: " + String.join(",", result.fateLabels()) + " vs "
                    + String.join(",", demo.fateLabels()));
        }
        double spearman = java.util.Arrays.stream(result.pseudotime()).anyMatch(Double::isFinite)
                ? FateMetrics.spearman(result.pseudotime(), demo.trueProgress(), rows) : Double.NaN;
        return new Scores(FateMetrics.meanTotalVariation(predicted, demo.trueFateProbabilities(), rows),
                FateMetrics.dominantFateAccuracy(predicted, demo.trueFateProbabilities(), rows), spearman,
                rows.length);
    }

    /** The generated cells as a CONTRACT input table: cell_id, features, role, fate. */
    static void writeInput(SnapshotInput input, Path csv) throws IOException {
        try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            w.write("cell_id," + String.join(",", input.featureNames()) + ",role,fate\n");
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < input.cellCount(); i++) {
                line.setLength(0);
                line.append(input.cellIds()[i]);
                for (double x : input.features()[i]) {
                    line.append(',').append(x);
                }
                line.append(',').append(input.roles()[i].label()).append(',');
                if (input.roles()[i] == Role.TERMINAL) {
                    line.append(input.fates()[i]);
                }
                w.write(line.append('\n').toString());
            }
        }
    }

    private static void writeTruth(DemoSnapshot demo, AtomicOutput out) throws IOException {
        try (Writer w = new BufferedWriter(new OutputStreamWriter(out.create(TRUTH_CSV), StandardCharsets.UTF_8))) {
            StringBuilder header = new StringBuilder("cell_id,true_progress");
            for (String label : demo.fateLabels()) {
                header.append(",true_fate_").append(label);
            }
            w.write(header.append('\n').toString());
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < demo.cellCount(); i++) {
                line.setLength(0);
                line.append(demo.input().cellIds()[i]).append(',').append(demo.trueProgress()[i]);
                for (double p : demo.trueFateProbabilities()[i]) {
                    line.append(',').append(p);
                }
                w.write(line.append('\n').toString());
            }
        }
    }
}
