package org.chreode.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import org.chreode.jobs.SparkTestBase;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.snapshot.Method;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

class ChreodeCliTest extends SparkTestBase {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(CommandLine cli, String... args) {
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private int run(String... args) {
        return run(new CommandLine(new ChreodeCli()), args);
    }

    private static SnapshotSettings settings(String... args) {
        SnapshotCommand command = new SnapshotCommand();
        new CommandLine(command).parseArgs(args);
        return command.settings();
    }

    @Test
    void topLevelHelpListsTheCommands() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("snapshot"), out.toString());
    }

    @Test
    void snapshotHelpListsEveryOptionWithItsDefault() {
        assertEquals(0, run("snapshot", "--help"));
        String help = out.toString();
        for (String option : new String[] {"--input", "--output", "--overwrite", "--master", "--id-col", "--role-col",
                "--fate-col", "--features", "--feature-prefix", "--method", "--stages", "--epsilon",
                "--epsilon-target", "--outlier-cost", "--tolerance", "--max-iterations", "--check-interval",
                "--cost-normalization", "--reference-parity", "--kernel-precision", "--kernel", "--tile-rows",
                "--threads", "--time-step", "--idw-gamma"}) {
            assertTrue(help.contains(option), option + " missing from\n" + help);
        }
        assertTrue(help.contains("Default: " + SnapshotSettings.DEFAULT_MAX_ITERATIONS), help);
        assertTrue(help.contains("Default: cell_id"), help);
        assertTrue(help.contains("Default: auto"), help);
    }

    @Test
    void badInputExitsWithStatus2AndOneParagraph() {
        Path input = writeFile(dir, "in.csv", "cell_id,role,x", "c1,initial,1", "c2,,NaN", "c3,terminal,2");
        Path output = dir.resolve("out");
        int exit = run("snapshot", "--input", input.toString(), "--output", output.toString());
        assertEquals(ChreodeCli.EXIT_BAD_INPUT, exit);
        String message = err.toString();
        assertTrue(message.startsWith("chreode snapshot: error: Cell 'c2' has value NaN in feature column 'x'"),
                message);
        assertEquals(1, message.strip().lines().count(), "one paragraph, no stack trace: " + message);
        assertTrue(nothingAt(output));
    }

    @Test
    void badParameterExitsWithStatus2() {
        Path input = writeFile(dir, "in.csv", "cell_id,role,x", "c1,initial,1");
        int exit = run("snapshot", "--input", input.toString(), "--output", dir.resolve("o").toString(),
                "--epsilon", "-1");
        assertEquals(2, exit);
        assertTrue(err.toString().startsWith("chreode snapshot: error: Invalid epsilon = -1.0"), err.toString());
    }

    @Test
    void parseErrorsAreOneParagraphToo() {
        int exit = run(ChreodeCli.commandLine(), "snapshot", "--input", "a.csv", "--output", "o", "--stages", "many");
        assertEquals(2, exit);
        String message = err.toString();
        assertTrue(message.startsWith("chreode snapshot: error: Invalid value for option '--stages'"), message);
        assertEquals(1, message.strip().lines().count(), message);
    }

    @Test
    void missingInputFileIsBadInput() {
        int exit = run("snapshot", "--input", dir.resolve("absent.csv").toString(), "--output",
                dir.resolve("o").toString());
        assertEquals(2, exit);
        assertTrue(err.toString().contains("absent.csv") && err.toString().contains("does not exist"), err.toString());
    }

    @Test
    void kernelOptionsMapToSnapshotSettings() {
        SnapshotSettings defaults = settings("--input", "a", "--output", "b");
        assertEquals(org.chreode.kernels.geometry.KernelMode.AUTO, defaults.kernelMode());
        assertEquals(SnapshotSettings.DEFAULT_TILE_ROWS, defaults.tileRows());
        SnapshotSettings s = settings("--input", "a", "--output", "b", "--kernel", "Distributed", "--tile-rows",
                "64");
        assertEquals(org.chreode.kernels.geometry.KernelMode.DISTRIBUTED, s.kernelMode());
        assertEquals(64, s.tileRows());
        assertEquals(org.chreode.kernels.geometry.KernelMode.ONLINE,
                settings("--input", "a", "--output", "b", "--kernel", "online").kernelMode());
    }

    @Test
    void optionsMapToSnapshotSettings() {
        SnapshotSettings s = settings("--input", "a", "--output", "b", "--method", "stationary", "--stages", "4",
                "--epsilon", "0.1", "--epsilon-target", "0.01", "--outlier-cost", "2", "--tolerance", "1e-6",
                "--max-iterations", "99", "--check-interval", "3", "--kernel-precision", "float32", "--threads", "1",
                "--time-step", "0.5", "--idw-gamma", "7");
        assertEquals(Method.STATIONARY, s.method());
        assertEquals(4, s.stages());
        assertEquals(0.1, s.epsilon());
        assertEquals(0.01, s.epsilonTarget());
        assertEquals(2.0, s.outlierCost());
        assertEquals(1e-6, s.tolerance());
        assertEquals(99, s.maxIterations());
        assertEquals(3, s.checkInterval());
        assertEquals(CostNormalization.MEAN, s.costNormalization(), "auto = mean for stationary");
        assertEquals(KernelPrecision.FLOAT32, s.kernelPrecision());
        assertEquals(1, s.threads());
        assertEquals(0.5, s.timeStep());
        assertEquals(7.0, s.idwGamma());
        assertFalse(s.referencePlans());
    }

    @Test
    void defaultsComeFromSnapshotSettings() {
        SnapshotSettings s = settings("--input", "a", "--output", "b");
        SnapshotSettings d = SnapshotSettings.builder().build();
        assertEquals(d, s, "auto = median for multistage; NaN = off for epsilon-target and outlier-cost");
    }

    @Test
    void referenceParitySetsReferenceMedianAndPlans() {
        SnapshotSettings s = settings("--input", "a", "--output", "b", "--reference-parity");
        assertEquals(CostNormalization.REFERENCE, s.costNormalization());
        assertTrue(s.referencePlans());
        assertThrows(InvalidInputException.class,
                () -> settings("--input", "a", "--output", "b", "--reference-parity", "--cost-normalization", "mean"));
        assertEquals(CostNormalization.NONE, settings("--input", "a", "--output", "b", "--cost-normalization",
                "none").costNormalization());
    }
}
