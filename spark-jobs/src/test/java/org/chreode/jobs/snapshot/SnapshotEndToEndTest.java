package org.chreode.jobs.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.chreode.jobs.SnapshotFixtures;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

/**
 * The whole snapshot path through the CLI: CSV in, cells.csv / cells.parquet / run.json out. Needs the kernel facade
 * {@code SnapshotInference.run}; fails until it is wired.
 */
class SnapshotEndToEndTest extends SparkTestBase {

    @TempDir
    Path dir;

    @Test
    void snapshotCommandWritesContractOutputs() throws Exception {
        Path input = SnapshotFixtures.bifurcation(dir, "bifurcation.csv");
        Path output = dir.resolve("out");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ChreodeCli());
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        int exit = cli.execute("snapshot", "--input", input.toString(), "--output", output.toString(),
                "--stages", "5", "--max-iterations", "5000");
        assertEquals(0, exit, err.toString());

        List<String> lines = Files.readAllLines(output.resolve("cells.csv"));
        assertEquals("cell_id,role,pseudotime,expected_stage,potency,fate_A,fate_B,mean_absorption_time",
                lines.get(0));
        assertEquals(57, lines.size(), "header + 56 cells");
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            double sum = Double.parseDouble(f[5]) + Double.parseDouble(f[6]);
            assertEquals(1.0, sum, 1e-6, line);
            if (f[1].equals("initial")) {
                assertEquals(0.0, Double.parseDouble(f[2]), 1e-12, line);
            }
        }
        // Upper-branch intermediate cells lean to fate A, lower-branch ones to B.
        String upper = lines.stream().filter(l -> l.startsWith("c20,")).findFirst().orElseThrow();
        String lower = lines.stream().filter(l -> l.startsWith("c45,")).findFirst().orElseThrow();
        assertTrue(Double.parseDouble(upper.split(",")[5]) > 0.5, upper);
        assertTrue(Double.parseDouble(lower.split(",")[6]) > 0.5, lower);

        Dataset<Row> parquet = spark.read().parquet(output.resolve("cells.parquet").toString());
        assertEquals(56, parquet.count());
        assertEquals(List.of(lines.get(0).split(",")), List.of(parquet.columns()));

        JsonNode run = new ObjectMapper().readTree(output.resolve("run.json").toFile());
        assertEquals("snapshot", run.get("command").asText());
        assertEquals(5, run.get("parameters").get("stages").asInt());
        assertEquals(5000, run.get("parameters").get("max_iterations").asInt());
        assertEquals("median", run.get("parameters").get("cost_normalization").asText());
        assertEquals(56, run.get("input").get("cells").asInt());
        assertEquals(6, run.get("input").get("initial").asInt());
        assertEquals(10, run.get("input").get("terminal").asInt());
        assertTrue(run.get("timings_seconds").has("solve"));
        assertTrue(run.get("spark").get("master").asText().startsWith("local"));
        assertTrue(nothingAt(dir.resolve("never-written")));
    }
}
