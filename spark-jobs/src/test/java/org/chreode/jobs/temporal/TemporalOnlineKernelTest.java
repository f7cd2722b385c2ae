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

import org.chreode.jobs.SparkTestBase;
import org.chreode.kernels.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code chreode temporal --kernel online} (coordinates only, every output a reduction of the recomputed coupling on
 * its executor) against {@code --kernel stored} on the same inputs: the moscot golden fixture (local PCA, relaxed
 * marginals) and the two-lineage course with a growth prior, two growth rounds, a cell set and the interpolation
 * validation. Couplings, growth, tables, fates, descendants and ancestors agree to 1e-7 relative; the validation
 * (sampled without the n x m array online) keeps I far below R.
 */
class TemporalOnlineKernelTest extends SparkTestBase {

    @TempDir
    static Path dir;

    private static final double RELATIVE = 1e-7;

    @BeforeAll
    static void runBoth() {
        Path fixture = SharedData.data("moscot_temporal").resolve("moscot_temporal_tests.h5ad");
        Path course = writeFile(dir, "course.csv", TemporalGrowthAndCellSetTest.table().toArray(new String[0]));
        for (String kernel : new String[] {"stored", "online"}) {
            runCli("temporal", "--input", fixture.toString(), "--output", dir.resolve("moscot-" + kernel).toString(),
                    "--use-x", "--local-pca", "50", "--epsilon", "0.5", "--tau-a", String.valueOf(1 / 1.5),
                    "--tau-b", String.valueOf(10 / 10.5), "--threshold", "0", "--tolerance", "1e-12",
                    "--kernel", kernel);
            runCli("temporal", "--input", course.toString(), "--output", dir.resolve("course-" + kernel).toString(),
                    "--features", "x,y", "--growth-col", "g", "--growth-iters", "2", "--tau-a", "0.8",
                    "--epsilon", "0.01", "--threshold", "0", "--tolerance", "1e-12", "--from", "A",
                    "--validate-interpolation", "--kernel", kernel, "--threads", "2");
        }
        runCli("temporal", "--input", course.toString(), "--output", dir.resolve("course-top3").toString(),
                "--features", "x,y", "--growth-col", "g", "--growth-iters", "2", "--tau-a", "0.8",
                "--epsilon", "0.01", "--threshold", "0", "--tolerance", "1e-12", "--kernel", "online", "--top-k", "3",
                "--no-cell-types");
    }

    @Test
    void runJsonRecordsTheKernelOfEveryPair() throws IOException {
        for (String data : new String[] {"moscot", "course"}) {
            for (String kernel : new String[] {"stored", "online"}) {
                JsonNode run = new ObjectMapper().readTree(dir.resolve(data + "-" + kernel + "/run.json").toFile());
                assertEquals(kernel, run.get("parameters").get("kernel").asText());
                assertEquals(2, run.get("pairs").size());
                for (JsonNode pair : run.get("pairs")) {
                    assertEquals(kernel, pair.get("kernel").asText(), data);
                    assertTrue(pair.get("converged").asBoolean(), data + " " + kernel);
                }
            }
        }
    }

    @Test
    void onlineCouplingsEqualStoredCouplings() {
        for (String pair : new String[] {"10_10.5", "10.5_11"}) {
            assertCouplingsAgree("moscot", pair);
        }
        for (String pair : new String[] {"0_1", "1_2"}) {
            assertCouplingsAgree("course", pair);
        }
    }

    @Test
    void onlineGrowthTablesAndFatesEqualStored() throws IOException {
        for (String data : new String[] {"moscot", "course"}) {
            assertCsvAgree(data, "growth.csv");
            assertCsvAgree(data, "fates.csv");
        }
        assertCsvAgree("moscot", "transitions/10_10.5_forward.csv");
        assertCsvAgree("moscot", "transitions/10.5_11_backward.csv");
        assertCsvAgree("course", "transitions/0_1_forward.csv");
        assertCsvAgree("course", "transitions/1_2_backward.csv");
    }

    @Test
    void onlineDescendantsAndAncestorsEqualStored() throws IOException {
        assertCsvAgree("course", "descendants.csv");
        assertCsvAgree("course", "ancestors.csv");
    }

    @Test
    void topKKeepsEachSourceCellsThreeLargestEntries() throws IOException {
        Map<String, Double> all = coupling(dir.resolve("course-stored/couplings/0_1.parquet"));
        Map<String, Double> top = coupling(dir.resolve("course-top3/couplings/0_1.parquet"));
        Map<String, List<Double>> rows = new HashMap<>();
        all.forEach((k, w) -> rows.computeIfAbsent(k.split("\\|")[0], x -> new ArrayList<>()).add(w));
        double dropped = 0;
        double total = 0;
        for (Map.Entry<String, List<Double>> row : rows.entrySet()) {
            List<Double> sorted = new ArrayList<>(row.getValue());
            sorted.sort(java.util.Collections.reverseOrder());
            long kept = top.keySet().stream().filter(k -> k.startsWith(row.getKey() + "|")).count();
            assertEquals(3, kept, row.getKey());
            total += sorted.stream().mapToDouble(Double::doubleValue).sum();
            dropped += sorted.subList(3, sorted.size()).stream().mapToDouble(Double::doubleValue).sum();
        }
        double max = all.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        for (Map.Entry<String, Double> e : top.entrySet()) {
            assertEquals(all.get(e.getKey()), e.getValue(), RELATIVE * max, e.getKey());
            String cell = e.getKey().split("\\|")[0];
            List<Double> sorted = new ArrayList<>(rows.get(cell));
            sorted.sort(java.util.Collections.reverseOrder());
            assertTrue(e.getValue() >= sorted.get(2) * (1 - 1e-9), e.getKey());
        }
        JsonNode pair = new ObjectMapper().readTree(dir.resolve("course-top3/run.json").toFile()).get("pairs").get(0);
        assertEquals(3L * rows.size(), pair.get("entries_kept").asLong());
        assertEquals(dropped, pair.get("dropped_mass").asDouble(), 1e-9 * total);
    }

    @Test
    void onlineInterpolationStaysFarBelowTheRandomBaseline() throws IOException {
        Map<String, Double> stored = distances(dir.resolve("course-stored/validation.csv"));
        Map<String, Double> online = distances(dir.resolve("course-online/validation.csv"));
        assertTrue(online.get("I") < 0.25 * online.get("R"), online.toString());
        assertEquals(stored.get("R"), online.get("R"), 1e-9, "the random baseline does not depend on the coupling");
        assertEquals(stored.get("I"), online.get("I"), 0.25 * stored.get("I") + 0.05, stored + " vs " + online);
    }

    private static Map<String, Double> distances(Path file) throws IOException {
        Map<String, Double> out = new HashMap<>();
        for (String line : Files.readAllLines(file).subList(1, Files.readAllLines(file).size())) {
            String[] f = line.split(",");
            out.put(f[3], Double.parseDouble(f[4]));
        }
        return out;
    }

    private static void assertCouplingsAgree(String data, String pair) {
        TemporalOutputs.assertCouplingsAgree(dir.resolve(data + "-stored"), dir.resolve(data + "-online"), pair,
                RELATIVE);
    }

    private static Map<String, Double> coupling(Path parquet) {
        return TemporalOutputs.coupling(spark, parquet);
    }

    private static void assertCsvAgree(String data, String name) throws IOException {
        TemporalOutputs.assertCsvAgree(dir.resolve(data + "-stored"), dir.resolve(data + "-online"), name, RELATIVE);
    }
}
