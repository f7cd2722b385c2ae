package org.chreode.jobs.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.chreode.kernels.demo.BranchingSnapshotGenerator;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

class PartitionedSnapshotJobTest extends SparkTestBase {

    private static SnapshotInput demo(int cells) {
        return BranchingSnapshotGenerator.builder().cells(cells).fates(3).build().generate().input();
    }

    private static SnapshotSettings settings() {
        return SnapshotSettings.builder().threads(1).build();
    }

    private static double meanTv(double[][] p, double[][] q) {
        double sum = 0;
        for (int c = 0; c < p.length; c++) {
            double tv = 0;
            for (int k = 0; k < p[c].length; k++) {
                tv += Math.abs(p[c][k] - q[c][k]);
            }
            sum += tv / 2;
        }
        return sum / p.length;
    }

    @TempDir
    Path dir;

    @Test
    void cliWithPartitionSizeWritesPartitionedOutputs() throws Exception {
        SnapshotInput input = demo(300);
        StringBuilder csv = new StringBuilder("cell_id,role,fate,x,y\n");
        for (int c = 0; c < input.cellCount(); c++) {
            csv.append(input.cellIds()[c]).append(',').append(input.roles()[c].name().toLowerCase(Locale.ROOT))
                    .append(',').append(input.fates()[c] == null ? "" : input.fates()[c]).append(',')
                    .append(input.features()[c][0]).append(',').append(input.features()[c][1]).append('\n');
        }
        Path in = Files.writeString(dir.resolve("in.csv"), csv);
        Path out = dir.resolve("out");
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ChreodeCli());
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        int exit = cli.execute("snapshot", "--input", in.toString(), "--output", out.toString(), "--partition-size",
                "150", "--rounds", "2", "--transitions-per-cell", "16");
        assertEquals(0, exit, err.toString());
        assertEquals(input.cellCount() + 1, Files.readAllLines(out.resolve(PartitionedSnapshotJob.FATE_SPREAD_CSV))
                .size());
        String run = Files.readString(out.resolve("run.json"));
        assertTrue(run.contains("\"partitioned\"") && run.contains("dropped_mass_fraction"), run);
    }

    @Test
    void onePartitionWithAllEntriesEqualsSingleSolve() {
        SnapshotInput input = demo(300);
        SnapshotResult single = SnapshotJob.solve(spark, input, settings(), new LoggingIterationListener(1e-4, 60_000)).result();
        PartitionedSnapshotJob.Outcome part = PartitionedSnapshotJob.solve(spark, input, settings(),
                new PartitionedSnapshotJob.Partitioning(input.cellCount(), 1, 0L, Integer.MAX_VALUE));
        SnapshotResult r = part.result();
        double max = 0;
        for (int c = 0; c < input.cellCount(); c++) {
            for (int k = 0; k < r.fateLabels().length; k++) {
                max = Math.max(max, Math.abs(r.fateProbabilities()[c][k] - single.fateProbabilities()[c][k]));
            }
            assertEquals(single.pseudotime()[c], r.pseudotime()[c], 1e-12, "pseudotime of cell " + c);
        }
        System.out.printf("partitioned (one subset, k = all) vs single solve: max fate difference %.3e%n", max);
        assertTrue(max < 1e-8, "max fate difference " + max);
        assertEquals(0.0, (Double) part.partitioned().get("dropped_mass_fraction"), 1e-15);
    }

    @Test
    void twoRoundsOfThreeSubsetsStayCloseToTheSingleSolve() {
        SnapshotInput input = demo(3000);
        long t0 = System.nanoTime();
        SnapshotResult single = SnapshotJob.solve(spark, input, settings(), new LoggingIterationListener(1e-4, 60_000)).result();
        long t1 = System.nanoTime();
        PartitionedSnapshotJob.Outcome part = PartitionedSnapshotJob.solve(spark, input, settings(),
                new PartitionedSnapshotJob.Partitioning(1000, 2, 0L, 32));
        long t2 = System.nanoTime();
        SnapshotResult r = part.result();
        for (int c = 0; c < input.cellCount(); c++) {
            double sum = 0;
            for (double p : r.fateProbabilities()[c]) {
                sum += p;
            }
            assertEquals(1.0, sum, 1e-6, "fates of cell " + c);
        }
        double tv = meanTv(r.fateProbabilities(), single.fateProbabilities());
        System.out.printf("partitioned 3000 cells, size 1000, 2 rounds, k = 32: mean TV vs single %.4f, dropped mass"
                + " %.4g, mean fate spread %.4f, single %.1fs, partitioned %.1fs%n", tv,
                (Double) part.partitioned().get("dropped_mass_fraction"),
                (Double) part.partitioned().get("fate_spread_mean"), (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        assertTrue(tv <= 0.1, "mean TV " + tv);
    }
}
