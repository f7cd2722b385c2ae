package org.chreode.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The snapshot command on a real standalone cluster (a master and two 1-core workers, each its own JVM; see
 * {@link StandaloneCluster}): submitted through SparkSubmit its outputs equal a local-mode run, also when the solve
 * task's first attempt fails on its executor. ({@code submit/chreode --master spark://...} needs the packaged build:
 * {@link LauncherClusterIT}, run by {@code mvn verify}.)
 *
 * <p>To keep the wall time down on a small machine, the cluster starts while the local reference run computes, and
 * the cluster runs are launched together in {@link #startClusterAndRuns()} (one core each: {@code spark.cores.max=1},
 * so the two run side by side); each test awaits its own run.
 */
class StandaloneClusterTest extends SparkTestBase {

    private static final Path INPUT = SharedData.data("multistageot/input/uniform2d_N105.csv");
    private static final List<String> SOLVER = List.of("--id-col", "cell", "--stages", "10", "--epsilon", "0.05");
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(240);
    private static final String EXECUTOR_OPTS = "--add-modules=jdk.incubator.vector";

    @TempDir
    static Path dir;

    private static StandaloneCluster cluster;
    private static List<String[]> localCells;
    private static ExecutorService runs;
    private static CompletableFuture<Integer> plain;
    private static CompletableFuture<Integer> retried;

    @BeforeAll
    static void startClusterAndRuns() throws Exception {
        CompletableFuture<StandaloneCluster> starting = StandaloneCluster.startInBackground(2, "1g");
        try {
            localCells = cells(runLocally(dir.resolve("local-out")));
        } finally {
            cluster = StandaloneCluster.await(starting, StandaloneCluster.START_TIMEOUT.plusSeconds(30));
        }
        runs = Executors.newFixedThreadPool(3);
        plain = CompletableFuture.supplyAsync(() -> submit("cluster-out", EXECUTOR_OPTS), runs);
        retried = CompletableFuture.supplyAsync(() -> submit("retry-out",
                EXECUTOR_OPTS + " -D" + SnapshotJob.FAIL_FIRST_ATTEMPT + "=true"), runs);
    }

    @AfterAll
    static void stopCluster() {
        if (runs != null) {
            runs.shutdownNow();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void snapshotThroughSparkSubmitMatchesLocalMode() throws Exception {
        assertRun(plain, "cluster-out");
    }

    @Test
    void failedTaskAttemptIsRetriedWithIdenticalResults() throws Exception {
        assertRun(retried, "retry-out");
        Path log = dir.resolve("retry-out.log");
        assertTrue(Files.readString(log).contains("failing the first attempt of the solve task on purpose"),
                () -> "no failed first attempt in the driver log:\n" + StandaloneCluster.tail(log, 80));
    }

    private static Path runLocally(Path out) {
        List<String> args = new ArrayList<>(List.of("snapshot", "--input", INPUT.toString(), "--output",
                out.toString()));
        args.addAll(SOLVER);
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new ChreodeCli());
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(0, cli.execute(args.toArray(String[]::new)), err.toString());
        return out;
    }

    /** SparkSubmit of the snapshot command; output to {@code dir/<name>}, log to {@code dir/<name>.log}. */
    private static int submit(String name, String executorJavaOptions) {
        try {
            List<String> args = new ArrayList<>(List.of(
                    "--conf", "spark.ui.enabled=false",
                    "--conf", "spark.cores.max=1",
                    "--conf", "spark.executor.memory=512m",
                    "--conf", "spark.executor.extraJavaOptions=" + executorJavaOptions,
                    "--class", ChreodeCli.class.getName(),
                    cluster.appJar().toString(),
                    "snapshot", "--input", INPUT.toString(), "--output", dir.resolve(name).toString()));
            args.addAll(SOLVER);
            return cluster.sparkSubmit(dir.resolve(name + ".log"), RUN_TIMEOUT, args);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertRun(CompletableFuture<Integer> run, String name) throws Exception {
        Path log = dir.resolve(name + ".log");
        int exit = StandaloneCluster.await(run, RUN_TIMEOUT.plusSeconds(30));
        assertEquals(0, exit, () -> StandaloneCluster.tail(log, 80) + "\n" + cluster.logTails());
        Path out = dir.resolve(name);
        JsonNode run2 = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(cluster.masterUrl(), run2.get("spark").get("master").asText());
        assertTrue(run2.get("spark").get("app_id").asText().startsWith("app-"), run2.get("spark").toString());
        assertSameCells(localCells, cells(out));
    }

    static List<String[]> cells(Path out) throws IOException {
        return Files.readAllLines(out.resolve("cells.csv")).stream().map(l -> l.split(",", -1)).toList();
    }

    /** Same header, cell order and roles; numeric columns (fates, pseudotime, ...) equal to 1e-12. */
    static void assertSameCells(List<String[]> expected, List<String[]> actual) {
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
