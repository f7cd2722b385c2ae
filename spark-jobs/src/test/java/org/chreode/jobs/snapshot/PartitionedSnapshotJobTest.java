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
import org.chreode.kernels.SharedData;
import org.chreode.kernels.demo.BranchingSnapshotGenerator;
import org.chreode.kernels.snapshot.Role;
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

    private static double maxRelativeDifference(double[] p, double[] q) {
        double max = 0;
        for (int c = 0; c < p.length; c++) {
            max = Math.max(max, Math.abs(p[c] - q[c]) / Math.max(1, Math.abs(q[c])));
        }
        return max;
    }

    /** The shared synthetic 2-D set with three outliers (rows 105-107), fates by row ranges (data README). */
    private static SnapshotInput outlierCase() throws java.io.IOException {
        java.util.List<String> lines = Files.readAllLines(SharedData.data(
                "multistageot/input/synthetic2d_outliers_normalized_input.csv"));
        int n = lines.size() - 1;
        String[] ids = new String[n];
        double[][] x = new double[n][];
        Role[] roles = new Role[n];
        String[] fates = new String[n];
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(i + 1).split(",");
            ids[i] = f[0];
            x[i] = new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])};
            roles[i] = Role.valueOf(f[3].toUpperCase(Locale.ROOT));
            if (roles[i] == Role.TERMINAL) {
                fates[i] = i <= 91 ? "Fate 1" : i <= 94 ? "Fate 2" : i <= 98 ? "Fate 3" : "Fate 4";
            }
        }
        return new SnapshotInput(ids, x, roles, fates, new String[] {"x", "y"});
    }

    /**
     * Outlier states: one subset with all entries gives the single solve's fates, p_unknown and mean absorption
     * times (the subset's auxiliary intermediate is a transient state of the pooled chain, the auxiliary terminal the
     * absorbing unknown state); with two subsets x two rounds the outliers still go to the unknown fate.
     */
    @Test
    void outlierStatesGiveTheSingleSolvesUnknownFate() throws Exception {
        SnapshotInput input = outlierCase();
        SnapshotSettings settings = SnapshotSettings.builder().stages(10).epsilon(0.0376610292221405)
                .outlierCost(0.9).threads(1).build();
        SnapshotResult single = SnapshotJob.solve(spark, input, settings, new LoggingIterationListener(1e-4, 60_000))
                .result();
        SnapshotResult r = PartitionedSnapshotJob.solve(spark, input, settings,
                new PartitionedSnapshotJob.Partitioning(input.cellCount(), 1, 0L, Integer.MAX_VALUE)).result();
        assertTrue(r.hasOutlierFate());
        double fate = 0;
        for (int c = 0; c < input.cellCount(); c++) {
            for (int k = 0; k < r.fateLabels().length; k++) {
                fate = Math.max(fate, Math.abs(r.fateProbabilities()[c][k] - single.fateProbabilities()[c][k]));
            }
        }
        double unknown = maxRelativeDifference(r.pUnknown(), single.pUnknown());
        double time = maxRelativeDifference(r.meanAbsorptionTime(), single.meanAbsorptionTime());
        double potency = maxRelativeDifference(r.potency(), single.potency());
        System.out.printf("outlier states, one subset, k = all vs single solve: max fate diff %.3e, p_unknown %.3e,"
                + " mean absorption time (relative) %.3e, potency %.3e; single p_unknown of 105..107 = %.5f %.5f %.5f%n",
                fate, unknown, time, potency, single.pUnknown()[105], single.pUnknown()[106], single.pUnknown()[107]);
        assertTrue(fate < 1e-8, "max fate difference " + fate);
        assertTrue(unknown < 1e-8, "max p_unknown difference " + unknown);
        assertTrue(time < 1e-8, "max relative mean absorption time difference " + time);
        assertTrue(potency < 1e-8, "max potency difference " + potency);

        PartitionedSnapshotJob.Outcome split = PartitionedSnapshotJob.solve(spark, input, settings,
                new PartitionedSnapshotJob.Partitioning(54, 2, 0L, 16));
        SnapshotResult s = split.result();
        assertEquals(Boolean.TRUE, split.partitioned().get("outlier_states"));
        int subsets = 2 * ((Number) split.partitioned().get("subsets_per_round")).intValue();
        assertEquals(input.cellCount() + subsets + 1, ((Number) split.partitioned().get("chain_states")).intValue());
        for (int c = 0; c < input.cellCount(); c++) {
            double sum = s.pUnknown()[c];
            for (double p : s.fateProbabilities()[c]) {
                sum += p;
            }
            assertEquals(1.0, sum, 1e-6, "fates + p_unknown of cell " + c);
        }
        System.out.printf("outlier states, size 54, 2 rounds, k = 16: p_unknown of 105..107 = %.4f %.4f %.4f, mean"
                + " p_unknown of the other intermediates %.4f%n", s.pUnknown()[105], s.pUnknown()[106],
                s.pUnknown()[107], java.util.stream.IntStream.range(0, 105)
                        .filter(c -> input.roles()[c] == Role.INTERMEDIATE).mapToDouble(c -> s.pUnknown()[c])
                        .average().orElseThrow());
        for (int outlier = 105; outlier <= 107; outlier++) {
            assertTrue(s.pUnknown()[outlier] > 0.9, "outlier " + outlier + ": p_unknown " + s.pUnknown()[outlier]);
        }
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
        for (String phase : new String[] {"\"partition\"", "\"subset_solves\"", "\"chain_assembly\"", "\"gmres\"",
                "\"gmres_rounds\"", "\"write_cells\""}) {
            assertTrue(run.contains(phase), "timings_seconds lacks " + phase);
        }
        // cells.csv: mean_absorption_time filled (0 exactly for terminal cells), fate_spread as the last column
        java.util.List<String> lines = Files.readAllLines(out.resolve("cells.csv"));
        String[] header = lines.get(0).split(",");
        assertEquals("mean_absorption_time", header[header.length - 2]);
        assertEquals(PartitionedSnapshotJob.FATE_SPREAD, header[header.length - 1]);
        java.util.List<String> spread = Files.readAllLines(out.resolve(PartitionedSnapshotJob.FATE_SPREAD_CSV));
        for (int c = 1; c < lines.size(); c++) {
            String[] f = lines.get(c).split(",", -1);
            double time = Double.parseDouble(f[f.length - 2]);
            if (f[1].equals("terminal")) {
                assertEquals(0.0, time, 0, lines.get(c));
            } else {
                assertTrue(time >= 1, lines.get(c));
            }
            assertEquals(spread.get(c).split(",")[1], f[f.length - 1], "fate spread of " + f[0]);
        }
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
        double time = maxRelativeDifference(r.meanAbsorptionTime(), single.meanAbsorptionTime());
        System.out.printf("partitioned (one subset, k = all) vs single solve: max fate difference %.3e, max relative"
                + " mean absorption time difference %.3e%n", max, time);
        assertTrue(max < 1e-8, "max fate difference " + max);
        assertTrue(time < 1e-8, "max relative mean absorption time difference " + time);
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
