package org.chreode.jobs.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

/** {@code chreode refine} end to end on gauss8 → moons (n = 1024) and its bad-input cases. */
class RefineCommandTest extends SparkTestBase {

    private static final Path DATA = Path.of("/work/shared/data/raphael_lowrank");
    /** exact_primal_cost_mean of gauss8_to_moons_n1024_exact.json. */
    private static final double EXACT_MEAN = 7.404998097805348;

    @TempDir
    Path dir;

    /** Copies a header-{@code x,y} file into {@code dir/name} with a {@code cell_id} column {@code prefix<i>}. */
    private Path withIds(String file, String name, String prefix) throws IOException {
        Path src = DATA.resolve(file);
        Assumptions.assumeTrue(Files.exists(src), "shared data set not present: " + src);
        List<String> lines = Files.readAllLines(src);
        List<String> out = new ArrayList<>();
        out.add("cell_id," + lines.get(0).trim());
        for (int i = 1; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                out.add(prefix + (i - 1) + "," + lines.get(i).trim());
            }
        }
        return writeFile(dir, name, out.toArray(new String[0]));
    }

    private static int execute(StringWriter err, String... args) {
        CommandLine cli = ChreodeCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void fullModeIsABijectionWithinTwoPercentOfTheExactOptimum() throws IOException {
        Path x = withIds("gauss8_to_moons_n1024_X.csv", "x.csv", "s");
        Path y = withIds("gauss8_to_moons_n1024_Y.csv", "y.csv", "t");
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        int exit = execute(err, "refine", "--source", x.toString(), "--target", y.toString(), "--output",
                out.toString());
        assertEquals(0, exit, err.toString());

        List<String> lines = Files.readAllLines(out.resolve(RefineJob.PAIRS_CSV));
        assertEquals("source_id,target_id,cost", lines.get(0));
        assertEquals(1025, lines.size());
        Set<String> sources = new HashSet<>();
        Set<String> targets = new HashSet<>();
        double total = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertTrue(sources.add(f[0]), "source twice: " + f[0]);
            assertTrue(targets.add(f[1]), "target twice: " + f[1]);
            total += Double.parseDouble(f[2]);
        }
        assertEquals(1024, sources.size());
        assertEquals(1024, targets.size());
        System.out.println("refine full gauss8->moons n=1024: mean cost " + total / 1024 + ", ratio to exact "
                + total / 1024 / EXACT_MEAN);
        assertTrue(total <= 1.02 * EXACT_MEAN * 1024, "total " + total + " vs exact " + EXACT_MEAN * 1024);

        Dataset<Row> parquet = spark.read().parquet(out.resolve(RefineJob.PAIRS_PARQUET).toString());
        assertEquals(List.of("source_id", "target_id", "cost"), List.of(parquet.columns()));
        assertEquals(1024, parquet.count());
        assertEquals(1024, parquet.select("target_id").distinct().count());

        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(total, run.get("total_cost").asDouble(), 1e-6 * total);
        assertEquals("full", run.get("mode").asText());
        assertEquals(1024, run.get("n").asInt());
        assertEquals(1024, run.get("m").asInt());
        assertTrue(run.get("ranks_per_level").size() >= 1);
        assertEquals(run.get("schedule").size(), run.get("level_seconds").size());
        // schedule [8, 128]: the root block in one task, then 8 base blocks grouped into 2 x defaultParallelism tasks
        assertEquals("[1,8]", run.get("blocks_per_level").toString());
        int slices = 2 * spark.sparkContext().defaultParallelism();
        assertEquals("[1," + Math.min(8, slices) + "]", run.get("tasks_per_level").toString());
        assertTrue(run.get("primal_cost").asDouble() <= 1.02 * EXACT_MEAN);
    }

    @Test
    void lowRankModeWritesOneLabelPerPoint() throws IOException {
        Path x = withIds("gauss8_to_moons_n1024_X.csv", "x.csv", "s");
        Path y = withIds("gauss8_to_moons_n1024_Y.csv", "y.csv", "t");
        Path out = dir.resolve("lr");
        StringWriter err = new StringWriter();
        int exit = execute(err, "refine", "--source", x.toString(), "--target", y.toString(), "--output",
                out.toString(), "--mode", "lowrank", "--rank", "8");
        assertEquals(0, exit, err.toString());
        assertTrue(Files.notExists(out.resolve(RefineJob.PAIRS_CSV)));
        for (String[] side : new String[][] {{"source_labels.csv", "source_id", "s"},
                {"target_labels.csv", "target_id", "t"}}) {
            List<String> lines = Files.readAllLines(out.resolve("factors").resolve(side[0]));
            assertTrue(lines.get(0).startsWith(side[1] + ",cluster,p_0,"), lines.get(0));
            assertEquals(1025, lines.size());
            Set<String> ids = new HashSet<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                assertTrue(ids.add(f[0]));
                assertTrue(f[0].startsWith(side[2]));
                int label = Integer.parseInt(f[1]);
                assertTrue(label >= 0 && label < 8);
                assertEquals(2 + 8, f.length);
                double sum = 0;
                for (int k = 2; k < f.length; k++) {
                    sum += Double.parseDouble(f[k]);
                }
                assertEquals(1.0, sum, 1e-9);
            }
        }
        List<String> t = Files.readAllLines(out.resolve("factors").resolve("T.csv"));
        assertEquals(9, t.size());
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals("lowrank", run.get("mode").asText());
        assertTrue(run.get("primal_cost").asDouble() >= EXACT_MEAN * (1 - 1e-6));
    }

    static Stream<Arguments> badInputs() {
        String[] ok = {"cell_id,x,y", "a,0,0", "b,1,0", "c,0,1"};
        String[] okTarget = {"cell_id,x,y", "p,2,0", "q,2,1", "r,3,1"};
        return Stream.of(
                Arguments.of("empty source", new String[] {"cell_id,x,y"}, okTarget, List.of("--features", "x,y"),
                        "Source table", "has no rows"),
                Arguments.of("mismatched dimensions", ok, new String[] {"cell_id,x,y,z", "p,2,0,1", "q,2,1,1",
                        "r,3,1,1"}, List.of(), "2 feature columns (x, y)", "has 3 (x, y, z)"),
                Arguments.of("NaN", ok, new String[] {"cell_id,x,y", "p,2,0", "q,NaN,1", "r,3,1"}, List.of(),
                        "Target table", "Cell 'q' has value NaN"),
                Arguments.of("n != m", ok, new String[] {"cell_id,x,y", "p,2,0", "q,2,1"}, List.of(),
                        "has 3 cells but target", "--allow-unequal-sizes"),
                Arguments.of("lowrank without rank", ok, okTarget, List.of("--mode", "lowrank"), "--rank",
                        "--mode lowrank"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputGivesOneLineAndNothingWritten(String name, String[] sourceRows, String[] targetRows,
                                               List<String> options, String expected1, String expected2) {
        Path src = writeFile(dir, "src.csv", sourceRows);
        Path tgt = writeFile(dir, "tgt.csv", targetRows);
        Path out = dir.resolve("bad");
        List<String> args = new ArrayList<>(List.of("refine", "--source", src.toString(), "--target", tgt.toString(),
                "--output", out.toString()));
        args.addAll(options);
        StringWriter err = new StringWriter();
        int exit = execute(err, args.toArray(new String[0]));
        String message = err.toString();
        assertEquals(ChreodeCli.EXIT_BAD_INPUT, exit, name + ": " + message);
        assertTrue(message.startsWith("chreode refine: error: "), message);
        assertTrue(message.contains(expected1) && message.contains(expected2), name + ": " + message);
        assertEquals(1, message.strip().lines().count(), "one line: " + message);
        assertTrue(nothingAt(out), name + ": something written at " + out);
    }
}
