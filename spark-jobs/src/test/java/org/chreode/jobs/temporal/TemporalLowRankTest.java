package org.chreode.jobs.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.chreode.jobs.SparkTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code chreode temporal --rank 2} (FRLC per pair) on a two-cluster time course: clusters A and B 8 apart in 5-D,
 * 60 + 40 cells per day, drifting by 0.5 per day. The rank-2 cell-type transition tables have the block structure
 * (A → A and B → B at ≥ 0.95) and agree with the full-rank entropic run to 0.05; fates, descendants and the
 * interpolation validation run on the low-rank couplings.
 */
class TemporalLowRankTest extends SparkTestBase {

    @TempDir
    static Path dir;

    private static final int A = 60;
    private static final int B = 40;

    static List<String> table() {
        List<String> rows = new ArrayList<>(List.of("cell_id,day,cell_type,x0,x1,x2,x3,x4"));
        Random rng = new Random(17);
        for (int d = 0; d < 3; d++) {
            for (int k = 0; k < A + B; k++) {
                boolean a = k < A;
                StringBuilder line = new StringBuilder("c" + d + "_" + k + "," + d + "," + (a ? "A" : "B"));
                for (int c = 0; c < 5; c++) {
                    double centre = c == 0 ? (a ? 0 : 8) + 0.5 * d : 0;
                    line.append(',').append(centre + 0.5 * rng.nextGaussian());
                }
                rows.add(line.toString());
            }
        }
        return rows;
    }

    @BeforeAll
    static void runBoth() {
        Path input = writeFile(dir, "clusters.csv", table().toArray(new String[0]));
        runCli("temporal", "--input", input.toString(), "--output", dir.resolve("rank2").toString(), "--features",
                "x0,x1,x2,x3,x4", "--rank", "2", "--from", "A", "--validate-interpolation", "--validation-size",
                "50");
        runCli("temporal", "--input", input.toString(), "--output", dir.resolve("full").toString(), "--features",
                "x0,x1,x2,x3,x4", "--from", "A");
    }

    @Test
    void rankTwoTablesHaveTheTwoClusterBlockStructure() throws IOException {
        for (String pair : new String[] {"0_1", "1_2"}) {
            Map<String, Double> low = table(dir.resolve("rank2/transitions/" + pair + "_forward.csv"));
            Map<String, Double> full = table(dir.resolve("full/transitions/" + pair + "_forward.csv"));
            assertTrue(low.get("A>A") >= 0.95, pair + " " + low);
            assertTrue(low.get("B>B") >= 0.95, pair + " " + low);
            for (String key : full.keySet()) {
                assertEquals(full.get(key), low.get(key), 0.05, pair + " " + key);
            }
            Map<String, Double> backward = table(dir.resolve("rank2/transitions/" + pair + "_backward.csv"));
            assertTrue(backward.get("A>A") >= 0.95 && backward.get("B>B") >= 0.95, pair + " " + backward);
        }
    }

    @Test
    void runJsonNamesTheLowRankSolver() throws IOException {
        JsonNode run = new ObjectMapper().readTree(dir.resolve("rank2/run.json").toFile());
        assertEquals(2, run.get("parameters").get("rank").asInt());
        for (JsonNode pair : run.get("pairs")) {
            assertEquals("lowrank", pair.get("kernel").asText());
            assertTrue(pair.get("iterations").asInt() >= 100, pair.toString());
            assertEquals(100L * 100, pair.get("entries_kept").asLong() + pair.get("entries_dropped").asLong());
        }
        JsonNode full = new ObjectMapper().readTree(dir.resolve("full/run.json").toFile());
        assertEquals("stored", full.get("pairs").get(0).get("kernel").asText());
    }

    @Test
    void fatesDescendantsAndValidationFollowTheClusters() throws IOException {
        List<String> fates = Files.readAllLines(dir.resolve("rank2/fates.csv"));
        assertEquals("cell_id,day,fate_A,fate_B", fates.get(0));
        for (String line : fates.subList(1, fates.size())) {
            String[] f = line.split(",");
            boolean a = Integer.parseInt(f[0].substring(f[0].indexOf('_') + 1)) < A;
            assertTrue(Double.parseDouble(f[a ? 2 : 3]) > 0.9, line);
        }
        double onA = 0;
        for (String line : Files.readAllLines(dir.resolve("rank2/descendants.csv")).subList(1, 201 + 0)) {
            String[] f = line.split(",");
            if (f[3].equals("0") && Integer.parseInt(f[0].substring(f[0].indexOf('_') + 1)) < A) {
                onA += Double.parseDouble(f[2]);
            }
        }
        assertTrue(onA > 0.9 * 2, "descendants of A at days 1 and 2 stay on A: " + onA);
        Map<String, Double> v = new HashMap<>();
        for (String line : Files.readAllLines(dir.resolve("rank2/validation.csv")).subList(1, 6)) {
            String[] f = line.split(",");
            v.put(f[3], Double.parseDouble(f[4]));
        }
        // 50 points in 5-D: the sampling noise floor is ≈ 1.5 (I and F); mixing the clusters (R) costs ≈ 1 more
        assertTrue(v.get("I") < 0.75 * v.get("R") && v.get("I") < v.get("F"), v.toString());
    }

    /** "source>target" → value of a transitions CSV. */
    private static Map<String, Double> table(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String[] head = lines.get(0).split(",");
        Map<String, Double> out = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            for (int c = 1; c < head.length; c++) {
                out.put(f[0] + ">" + head[c], Double.parseDouble(f[c]));
            }
        }
        return out;
    }
}
