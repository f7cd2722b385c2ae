package org.chreode.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The snapshot command on a real standalone cluster (a master and two 1-core workers, each its own JVM; see
 * {@link StandaloneCluster}), submitted through SparkSubmit: the outputs equal a local-mode run, also when the solve
 * task's first attempt fails on its executor, and {@code submit/chreode --master spark://...} works when the project
 * is packaged.
 */
class StandaloneClusterTest extends SparkTestBase {

    private static final Path INPUT = SharedData.data("multistageot/input/uniform2d_N105.csv");
    private static final List<String> SOLVER = List.of("--id-col", "cell", "--stages", "10", "--epsilon", "0.05");
    private static final Duration SUBMIT_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    static Path dir;

    private static StandaloneCluster cluster;
    private static List<String[]> localCells;

    @BeforeAll
    static void startClusterAndRunLocally() throws IOException {
        cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, "1g");
        Path local = dir.resolve("local-out");
        List<String> args = new ArrayList<>(List.of("snapshot", "--input", INPUT.toString(), "--output",
                local.toString()));
        args.addAll(SOLVER);
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ChreodeCli());
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(0, cli.execute(args.toArray(String[]::new)), err.toString());
        localCells = cells(local);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void snapshotThroughSparkSubmitMatchesLocalMode() throws IOException {
        Path out = dir.resolve("cluster-out");
        Path log = dir.resolve("submit.log");
        int exit = submit(out, log, "--add-modules=jdk.incubator.vector");
        assertEquals(0, exit, () -> StandaloneCluster.tail(log, 80) + "\n" + cluster.logTails());
        assertRanOnCluster(out);
        assertSameCells(localCells, cells(out));
    }

    @Test
    void failedTaskAttemptIsRetriedWithIdenticalResults() throws IOException {
        Path out = dir.resolve("retry-out");
        Path log = dir.resolve("submit-retry.log");
        int exit = submit(out, log, "--add-modules=jdk.incubator.vector -D" + SnapshotJob.FAIL_FIRST_ATTEMPT + "=true");
        assertEquals(0, exit, () -> StandaloneCluster.tail(log, 80) + "\n" + cluster.logTails());
        String driverLog = Files.readString(log);
        assertTrue(driverLog.contains("failing the first attempt of the solve task on purpose"),
                () -> "no failed first attempt in the driver log:\n" + StandaloneCluster.tail(log, 80));
        assertRanOnCluster(out);
        assertSameCells(localCells, cells(out));
    }

    @Test
    void launcherRunsOnTheCluster() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path launcher = root.resolve("submit/chreode");
        Path cp = root.resolve("spark-jobs/target/launcher-classpath.txt");
        Assumptions.assumeTrue(Files.isRegularFile(cp) && Files.isExecutable(launcher),
                "skipped: " + cp + " is missing (run mvn -B -DskipTests package first); the launcher needs it");
        Path out = dir.resolve("launcher-out");
        Path log = dir.resolve("launcher.log");
        List<String> command = new ArrayList<>(List.of(launcher.toString(), "snapshot", "--master",
                cluster.masterUrl(), "--input", INPUT.toString(), "--output", out.toString()));
        command.addAll(SOLVER);
        int exit = cluster.runCommand(log, SUBMIT_TIMEOUT, command, java.util.Map.of("CHREODE_NO_BUILD", "1",
                "CHREODE_DRIVER_MEMORY", "1g"));
        assertEquals(0, exit, () -> StandaloneCluster.tail(log, 80) + "\n" + cluster.logTails());
        assertRanOnCluster(out);
        assertSameCells(localCells, cells(out));
    }

    private static int submit(Path out, Path log, String executorJavaOptions) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.executor.memory=512m",
                "--conf", "spark.executor.extraJavaOptions=" + executorJavaOptions,
                "--class", ChreodeCli.class.getName(),
                cluster.appJar().toString(),
                "snapshot", "--input", INPUT.toString(), "--output", out.toString()));
        args.addAll(SOLVER);
        return cluster.sparkSubmit(log, SUBMIT_TIMEOUT, args);
    }

    private static void assertRanOnCluster(Path out) throws IOException {
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(cluster.masterUrl(), run.get("spark").get("master").asText());
        assertTrue(run.get("spark").get("app_id").asText().startsWith("app-"), run.get("spark").toString());
    }

    private static List<String[]> cells(Path out) throws IOException {
        return Files.readAllLines(out.resolve("cells.csv")).stream().map(l -> l.split(",", -1)).toList();
    }

    /** Same header, cell order, roles; numeric columns (fates, pseudotime, ...) equal to 1e-12. */
    private static void assertSameCells(List<String[]> expected, List<String[]> actual) {
        assertEquals(106, expected.size(), "header + 105 cells");
        assertEquals(expected.size(), actual.size());
        assertEquals(List.of(expected.get(0)), List.of(actual.get(0)));
        for (int i = 1; i < expected.size(); i++) {
            String[] e = expected.get(i);
            String[] a = actual.get(i);
            assertEquals(e.length, a.length);
            for (int c = 0; c < e.length; c++) {
                String where = expected.get(0)[c] + " of " + e[0];
                if (c < 2 || e[c].isEmpty()) {
                    assertEquals(e[c], a[c], where);
                } else {
                    assertEquals(Double.parseDouble(e[c]), Double.parseDouble(a[c]), 1e-12, where);
                }
            }
        }
    }
}
