package org.chreode.jobs.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/** {@code chreode demo} end to end: outputs, figures, and accuracy against the simulated truth. */
class DemoCommandTest extends SparkTestBase {

    @TempDir
    Path dir;

    @Test
    void demoWritesOutputsAndRecoversTheTrueFates() throws Exception {
        Path output = dir.resolve("demo");
        StringWriter out = new StringWriter();
        CommandLine cli = ChreodeCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        int exit = cli.execute("demo", "--output", output.toString(), "--cells", "600", "--fates", "3",
                "--dim", "5", "--seed", "7", "--futures", "40");
        assertEquals(0, exit, out.toString());
        for (String file : new String[] {"cells.csv", "run.json", "pseudotime.png", "fates.png", "true_fates.png",
                DemoRun.INPUT_CSV, DemoRun.TRUTH_CSV}) {
            assertTrue(Files.exists(output.resolve(file)), file);
        }
        assertTrue(Files.isDirectory(output.resolve("cells.parquet")));
        assertEquals(800, ImageIO.read(output.resolve("fates.png").toFile()).getWidth());
        assertEquals(601, Files.readAllLines(output.resolve("cells.csv")).size());

        String json = Files.readString(output.resolve("run.json"));
        assertTrue(json.contains("\"demo\""), json);
        String printed = out.toString();
        double tv = number(printed, "mean total variation to the true fates");
        double accuracy = number(printed, "dominant-fate accuracy");
        double spearman = number(printed, "pseudotime rank correlation (Spearman)");
        assertTrue(tv < 0.15, "mean TV " + tv);
        assertTrue(accuracy > 0.85, "dominant-fate accuracy " + accuracy);
        assertTrue(spearman > 0.9, "Spearman " + spearman);
    }

    private static double number(String text, String label) {
        return text.lines().filter(l -> l.contains(label)).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.indexOf(label) + label.length()).trim()))
                .orElseThrow(() -> new AssertionError(label + " not printed in\n" + text));
    }
}
