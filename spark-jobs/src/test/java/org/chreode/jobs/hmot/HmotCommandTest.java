package org.chreode.jobs.hmot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.chreode.kernels.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

/**
 * {@code chreode hmot} on the branching toy of {@code shared/data/raphael_lowrank} (the three CSVs concatenated
 * with a {@code day} column and the type names of {@code branching3_truth.json}): lineage A → {B1, B2},
 * B1 → {C1, C2}, B2 → {C3}, true T01 = [[.6, .4]], T12 = [[.3, .3, 0], [0, 0, .4]]; plus bad inputs.
 */
class HmotCommandTest extends SparkTestBase {

    private static final String[][] NAMES = {{"A"}, {"B1", "B2"}, {"C1", "C2", "C3"}};

    @TempDir
    static Path dir;

    private static Path input;

    @BeforeAll
    static void writeInput() throws Exception {
        List<String> rows = new ArrayList<>(List.of("cell_id,day,cell_type,x,y"));
        for (int t = 0; t < 3; t++) {
            SharedData.Table table = SharedData.csv(SharedData.data("raphael_lowrank/branching3_t" + t + ".csv"));
            double[] x = table.doubles("x");
            double[] y = table.doubles("y");
            String[] type = table.strings("celltype");
            for (int i = 0; i < x.length; i++) {
                rows.add("t" + t + "_" + i + "," + t + "," + NAMES[t][Integer.parseInt(type[i])] + "," + x[i] + ","
                        + y[i]);
            }
        }
        input = writeFile(dir, "branching3.csv", rows.toArray(new String[0]));
    }

    private static int run(StringWriter err, String... args) {
        CommandLine cli = ChreodeCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private static JsonNode json(Path file) throws Exception {
        return new ObjectMapper().readTree(file.toFile());
    }

    @Test
    void proportionsFromTheCellTypesRecoverTypesAndLineage() throws Exception {
        Path out = dir.resolve("proportions");
        StringWriter err = new StringWriter();
        int exit = run(err, "hmot", "--input", input.toString(), "--output", out.toString(), "--cell-type-col",
                "cell_type", "--proportions-from-col", "--min-iterations", "20", "--max-iterations", "60",
                "--restarts", "1");
        assertEquals(0, exit, err.toString());
        for (String f : List.of("latent_types.csv", "transitions/0_1.csv", "transitions/1_2.csv",
                "differentiation_map.json", "differentiation_map.png", "run.json")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        byte[] png = Files.readAllBytes(out.resolve("differentiation_map.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);

        JsonNode run = json(out.resolve("run.json"));
        assertEquals("hmot", run.get("command").asText());
        for (JsonNode tp : run.get("time_points")) {
            System.out.printf("hmot --proportions-from-col: day %s AMI %.4f ARI %.4f (%s)%n", tp.get("day").asText(),
                    tp.get("ami").asDouble(), tp.get("ari").asDouble(), tp.get("mode").asText());
            assertTrue(tp.get("ami").asDouble() > 0.95 && tp.get("ari").asDouble() > 0.95, tp.toString());
            assertEquals("proportions fixed", tp.get("mode").asText());
        }
        assertEquals(6, run.get("stages").size(), "forward, backward x2, smoothing, transitions x2");
        assertEquals(1, run.get("restart_objectives").size());
        assertEquals(run.get("objective").asDouble(), run.get("restart_objectives").get(0).asDouble(), 1e-12);

        // The map: node → commonest true type; the kept edges are exactly the true lineage with its masses.
        JsonNode map = json(out.resolve("differentiation_map.json"));
        Map<String, String> typeOf = new HashMap<>();
        for (JsonNode node : map.get("nodes")) {
            typeOf.put(node.get("id").asText(), node.get("commonest_cell_type").asText());
        }
        Map<String, Double> expected = Map.of("A>B1", 0.6, "A>B2", 0.4, "B1>C1", 0.3, "B1>C2", 0.3, "B2>C3", 0.4);
        Set<String> seen = new HashSet<>();
        for (JsonNode edge : map.get("edges")) {
            String key = typeOf.get(edge.get("source").asText()) + ">" + typeOf.get(edge.get("target").asText());
            assertTrue(expected.containsKey(key), "edge off the true lineage: " + key + " " + edge);
            assertEquals(expected.get(key), edge.get("weight").asDouble(), 1e-3, key);
            seen.add(key);
        }
        assertEquals(expected.keySet(), seen);

        List<String> cells = Files.readAllLines(out.resolve("latent_types.csv"));
        assertEquals("cell_id,day,latent_type,latent_label,cell_type,membership_0,membership_1,membership_2",
                cells.get(0));
        assertEquals(901, cells.size());
        String[] b = cells.get(301).split(",", -1);
        assertEquals("t1_0", b[0]);
        assertEquals("", b[7], "time point 1 has rank 2: no third membership");
        assertEquals(1.0, Double.parseDouble(b[5]) + Double.parseDouble(b[6]), 1e-9);
    }

    @Test
    void labelsFixedEverywhereGiveTheTrueTransitionsByName() throws Exception {
        Path out = dir.resolve("supervised");
        StringWriter err = new StringWriter();
        int exit = run(err, "hmot", "--input", input.toString(), "--output", out.toString(), "--cell-type-col",
                "cell_type", "--supervised-times", "0,1,2", "--min-iterations", "50", "--max-iterations", "50");
        assertEquals(0, exit, err.toString());
        List<String> t12 = Files.readAllLines(out.resolve("transitions/1_2.csv"));
        assertEquals("source_type,C1,C2,C3", t12.get(0));
        double[][] truth = {{0.3, 0.3, 0}, {0, 0, 0.4}};
        for (int z = 0; z < 2; z++) {
            String[] row = t12.get(z + 1).split(",");
            assertEquals(NAMES[1][z], row[0]);
            for (int l = 0; l < 3; l++) {
                assertEquals(truth[z][l], Double.parseDouble(row[l + 1]), 5e-4, "T12 " + row[0] + " row");
            }
        }
        JsonNode run = json(out.resolve("run.json"));
        for (JsonNode tp : run.get("time_points")) {
            assertEquals(1.0, tp.get("ami").asDouble(), 1e-12, "frozen labels are the cell types");
        }
        assertEquals(2, run.get("stages").size());
        // a warm start from this run's map, unsupervised with explicit ranks
        Path warm = dir.resolve("warm");
        exit = run(err, "hmot", "--input", input.toString(), "--output", warm.toString(), "--ranks", "1,2,3",
                "--warm-start", out.resolve("differentiation_map.json").toString(), "--cell-type-col", "cell_type",
                "--min-iterations", "20", "--max-iterations", "60", "--restarts", "1");
        assertEquals(0, exit, err.toString());
        JsonNode warmRun = json(warm.resolve("run.json"));
        assertTrue(warmRun.get("parameters").get("warm_start").asText().endsWith("differentiation_map.json"));
        for (JsonNode tp : warmRun.get("time_points")) {
            System.out.printf("hmot unsupervised, warm start: day %s AMI %.4f ARI %.4f%n", tp.get("day").asText(),
                    tp.get("ami").asDouble(), tp.get("ari").asDouble());
            assertEquals("free", tp.get("mode").asText());
        }
    }

    private static List<String> rows() throws Exception {
        return Files.readAllLines(input);
    }

    static Stream<Arguments> badInputs() throws Exception {
        writeInputIfNeeded();
        List<String> noTypes = rows().stream().map(r -> {
            String[] f = r.split(",");
            return f[0] + "," + f[1] + "," + f[3] + "," + f[4];
        }).toList();
        List<String> oneDay = rows().stream().map(r -> r.replaceFirst("^(t\\d_\\d+),\\d,", "$1,5,")).toList();
        Path negative = writeFile(dir, "negative.json", "{\"transitions\": [{\"matrix\": [[0.6, 0.4]]},"
                + " {\"matrix\": [[0.3, 0.3, 0], [0, -0.1, 0.4]]}]}");
        return Stream.of(
                Arguments.of("cell-type column missing in supervised mode", noTypes,
                        List.of("--cell-type-col", "cell_type", "--supervised-times", "0"),
                        "The input has no cell-type column 'cell_type'"),
                Arguments.of("supervised without a cell-type column", rows(), List.of("--supervised-times", "0"),
                        "--supervised-times takes the labels from a cell-type column"),
                Arguments.of("one time point", oneDay, List.of("--ranks", "2"), "only one time point (day = 5)"),
                Arguments.of("ranks count", rows(), List.of("--ranks", "1,2"), "--ranks has 2 values but the input"
                        + " has 3 time points"),
                Arguments.of("ranks missing", rows(), List.of(), "--ranks is needed"),
                Arguments.of("supervised time without cells", rows(), List.of("--cell-type-col", "cell_type",
                        "--supervised-times", "0,7"), "Time point 7 listed in --supervised-times has no cells"),
                Arguments.of("rank disagrees with fixed labels", rows(), List.of("--cell-type-col", "cell_type",
                        "--supervised-times", "1", "--ranks", "1,3,3"), "--ranks gives 3 latent types for time point"
                        + " 1"),
                Arguments.of("warm start missing", rows(), List.of("--ranks", "2", "--warm-start",
                        "/nonexistent/map.json"), "--warm-start file '/nonexistent/map.json' does not exist"),
                Arguments.of("bad gamma", rows(), List.of("--ranks", "2", "--gamma", "0"), "--gamma must be"),
                Arguments.of("warm start with a negative entry", rows(), List.of("--ranks", "1,2,3", "--warm-start",
                        negative.toString()), "Entry (1, 1) of the warm-start transition 1→2 is -0.1"),
                Arguments.of("bad restarts", rows(), List.of("--ranks", "2", "--restarts", "0"), "--restarts must be"));
    }

    private static void writeInputIfNeeded() throws Exception {
        if (input == null) {
            dir = Files.createTempDirectory("hmot-bad");
            writeInput();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputIsRejectedAndNothingWritten(String name, List<String> rows, List<String> options, String expected)
            throws Exception {
        Path in = writeFile(dir, "bad.csv", rows.toArray(new String[0]));
        Path out = dir.resolve("bad-out");
        List<String> args = new ArrayList<>(List.of("hmot", "--input", in.toString(), "--output", out.toString()));
        args.addAll(options);
        StringWriter err = new StringWriter();
        int exit = run(err, args.toArray(new String[0]));
        String message = err.toString();
        assertEquals(2, exit, name + ": " + message);
        assertTrue(message.startsWith("chreode hmot: error: "), message);
        assertTrue(message.contains(expected), name + ": " + message);
        assertEquals(1, message.strip().lines().count(), "one paragraph: " + message);
        assertTrue(nothingAt(out), name + ": something was written at " + out);
    }
}
