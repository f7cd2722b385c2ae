package org.chreode.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;

/** The snapshot command run locally and through SparkSubmit, and the comparison of their cells.csv (cluster tests). */
final class SnapshotRuns {

    private SnapshotRuns() {
    }

    /** {@code chreode snapshot} in this JVM (embedded local mode); asserts exit 0 and returns {@code out}. */
    static Path runLocally(Path input, Path out, List<String> options) {
        List<String> args = new ArrayList<>(List.of("snapshot", "--input", input.toString(), "--output",
                out.toString()));
        args.addAll(options);
        runCli(args);
        return out;
    }

    /** Any chreode command in this JVM (embedded local mode); asserts exit 0, the error output in the message. */
    static void runCli(List<String> args) {
        SparkTestBase.runCli(args.toArray(String[]::new));
    }

    /**
     * SparkSubmit of {@code chreode snapshot} on the cluster with at most {@code cores} cores and 512 MiB executors;
     * log to {@code <out>.log}. Returns the exit status.
     */
    static int submit(StandaloneCluster cluster, int cores, String executorJavaOptions, Path input, Path out,
                      List<String> options, Duration timeout) {
        try {
            List<String> args = new ArrayList<>(List.of(
                    "--conf", "spark.ui.enabled=false",
                    "--conf", "spark.cores.max=" + cores,
                    "--conf", "spark.executor.memory=512m",
                    "--conf", "spark.executor.extraJavaOptions=" + executorJavaOptions,
                    "--class", ChreodeCli.class.getName(),
                    cluster.appJar().toString(),
                    "snapshot", "--input", input.toString(), "--output", out.toString()));
            args.addAll(options);
            return cluster.sparkSubmit(out.resolveSibling(out.getFileName() + ".log"), timeout, args);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String[]> cells(Path out) throws IOException {
        return Files.readAllLines(out.resolve("cells.csv")).stream().map(l -> l.split(",", -1)).toList();
    }

    /**
     * Same header, cell order, ids and roles; every numeric column (fates, pseudotime, fate spread ...) equal to
     * 1e-12 relative (absolute below 1).
     */
    static void assertSameCells(List<String[]> expected, List<String[]> actual, int cellCount, String name) {
        assertEquals(cellCount + 1, expected.size(), "header + " + cellCount + " cells");
        assertEquals(expected.size(), actual.size(), name);
        assertEquals(List.of(expected.get(0)), List.of(actual.get(0)), name);
        for (int i = 1; i < expected.size(); i++) {
            String[] e = expected.get(i);
            String[] a = actual.get(i);
            assertEquals(e.length, a.length);
            for (int c = 0; c < e.length; c++) {
                String where = name + ": " + expected.get(0)[c] + " of " + e[0];
                if (c < 2 || e[c].isEmpty()) {
                    assertEquals(e[c], a[c], where);
                } else {
                    double x = Double.parseDouble(e[c]);
                    assertEquals(x, Double.parseDouble(a[c]), 1e-12 * Math.max(1, Math.abs(x)), where);
                }
            }
        }
    }
}
