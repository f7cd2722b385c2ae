package org.chreode.jobs.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Row;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.chreode.kernels.SharedData;
import org.chreode.kernels.temporal.TransportMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

/**
 * {@code chreode temporal} end to end on the moscot golden fixture (spec unbalanced_temporal_ot.md §7): the .h5ad
 * with X as features, local PCA 50, mean-normalised cost, ε = 0.5, τ_a = 1/1.5, τ_b = 10/10.5 (plain/config.json),
 * against the stored couplings and cell-type tables.
 */
class TemporalMoscotFixtureTest extends SparkTestBase {

    @TempDir
    static Path dir;

    private static Path fixture;
    private static Path out;

    @BeforeAll
    static void runCommand() {
        fixture = SharedData.data("moscot_temporal");
        out = dir.resolve("out");
        StringWriter err = new StringWriter();
        StringWriter stdout = new StringWriter();
        CommandLine cli = ChreodeCli.commandLine();
        cli.setOut(new PrintWriter(stdout));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("temporal", "--input", fixture.resolve("moscot_temporal_tests.h5ad").toString(),
                "--output", out.toString(), "--time-col", "day", "--cell-type-col", "cell_type", "--use-x",
                "--local-pca", "50", "--epsilon", "0.5", "--tau-a", String.valueOf(1 / 1.5),
                "--tau-b", String.valueOf(10 / 10.5), "--cost-normalization", "mean", "--threshold", "0",
                "--validate-interpolation");
        assertEquals(0, exit, err.toString());
        assertTrue(stdout.toString().contains("2 time pairs"), stdout.toString());
    }

    @Test
    void coupling105to11MatchesMoscot() {
        TransportMap stored = TransportMap.readCsv(fixture.resolve("plain/tmap_105_11.csv"));
        Map<String, Double> ours = new HashMap<>();
        for (Row r : spark.read().parquet(out.resolve("couplings/10.5_11.parquet").toString()).collectAsList()) {
            ours.put(r.getString(0) + "|" + r.getString(1), r.getDouble(2));
        }
        assertEquals(stored.sourceCount() * stored.targetCount(), ours.size());
        double maxDiff = 0;
        double maxEntry = 0;
        double mass = 0;
        for (int i = 0; i < stored.sourceCount(); i++) {
            for (int j = 0; j < stored.targetCount(); j++) {
                Double w = ours.get(stored.sourceIds()[i] + "|" + stored.targetIds()[j]);
                assertTrue(w != null, "missing entry " + stored.sourceIds()[i] + " -> " + stored.targetIds()[j]);
                maxDiff = Math.max(maxDiff, Math.abs(w - stored.get(i, j)));
                maxEntry = Math.max(maxEntry, stored.get(i, j));
                mass += w;
            }
        }
        System.out.printf("temporal CLI 10.5->11: max|d| = %.3e (%.3e of max entry), mass %.6f / %.6f%n", maxDiff,
                maxDiff / maxEntry, mass, stored.totalMass());
        assertTrue(maxDiff <= 1e-6, "max |d| " + maxDiff);
        assertTrue(maxDiff <= 1e-7, "spec §7.2 absolute tolerance: max |d| " + maxDiff);
        assertEquals(stored.totalMass(), mass, 1e-4 * stored.totalMass());
    }

    @Test
    void transitionTables10to105MatchMoscot() throws IOException {
        for (String direction : List.of("forward", "backward")) {
            List<String> expected = Files.readAllLines(fixture.resolve("plain/cell_transition_10_105_" + direction
                    + ".csv"));
            List<String> actual = Files.readAllLines(out.resolve("transitions/10_10.5_" + direction + ".csv"));
            Map<String, Double> ours = table(actual);
            Map<String, Double> ref = table(expected);
            assertEquals(ref.keySet(), ours.keySet(), direction + " labels");
            double maxDiff = 0;
            for (Map.Entry<String, Double> e : ref.entrySet()) {
                maxDiff = Math.max(maxDiff, Math.abs(e.getValue() - ours.get(e.getKey())));
            }
            System.out.printf("temporal CLI transitions 10->10.5 %s: max|d| = %.3e%n", direction, maxDiff);
            assertTrue(maxDiff <= 1e-6, direction + " max |d| " + maxDiff);
        }
    }

    @Test
    void growthFatesAndRunJson() throws IOException {
        List<String> growth = Files.readAllLines(out.resolve("growth.csv"));
        assertEquals("cell_id,day,growth_rate,prior_growth_rate,growth_rate_round_1", growth.get(0));
        assertEquals(85 + 81 + 1, growth.size());
        List<String> fates = Files.readAllLines(out.resolve("fates.csv"));
        assertTrue(fates.get(0).startsWith("cell_id,day,fate_"), fates.get(0));
        assertEquals(85 + 81 + 1, fates.size());
        for (String line : fates.subList(1, fates.size())) {
            String[] f = line.split(",");
            double sum = 0;
            for (int c = 2; c < f.length; c++) {
                sum += Double.parseDouble(f[c]);
            }
            assertEquals(1.0, sum, 1e-9, line);
        }
        assertTrue(Files.exists(out.resolve("transitions/10.5_11_forward.csv")));
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals("temporal", run.get("command").asText());
        assertEquals(2, run.get("pairs").size());
        for (JsonNode p : run.get("pairs")) {
            assertTrue(p.get("converged").asBoolean(), p.toString());
            assertEquals(50, p.get("local_pca_components").asInt());
            assertEquals(0.0, p.get("dropped_mass").asDouble());
        }
        assertEquals(0.5, run.get("parameters").get("epsilon").asDouble());
    }

    /**
     * Held-out day 10.5: the coupling 10 → 11 (local PCA of days 10 and 11, day 10.5 projected into it) interpolates
     * day 10.5 better than a random coupling.
     */
    @Test
    void interpolationOfDay105BeatsTheRandomBaseline() throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("validation.csv"));
        assertEquals(6, lines.size());
        Map<String, Double> d = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertEquals("10,10.5,11", f[0] + "," + f[1] + "," + f[2]);
            d.put(f[3], Double.parseDouble(f[4]));
        }
        System.out.println("moscot fixture validation 10 / 10.5 / 11: " + d);
        assertTrue(d.get("I") < d.get("R"), d.toString());
        JsonNode v = new ObjectMapper().readTree(out.resolve("run.json").toFile()).get("validation");
        JsonNode t = v.get("triplets").get(0);
        assertEquals(0.5, t.get("fraction").asDouble(), 1e-15);
        assertEquals(50, t.get("local_pca_components").asInt());
        assertEquals(81, t.get("sample_size").asInt());
        assertTrue(t.get("converged").asBoolean());
    }

    /** "row|column" → value, by label. */
    private static Map<String, Double> table(List<String> lines) {
        String[] cols = lines.get(0).split(",");
        Map<String, Double> out = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            for (int c = 1; c < cols.length; c++) {
                out.put(f[0] + "|" + cols[c], Double.parseDouble(f[c]));
            }
        }
        return out;
    }
}
