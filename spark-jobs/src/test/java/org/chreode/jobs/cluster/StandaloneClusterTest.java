package org.chreode.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
            localCells = SnapshotRuns.cells(SnapshotRuns.runLocally(INPUT, dir.resolve("local-out"), SOLVER));
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

    /** SparkSubmit of the snapshot command; output to {@code dir/<name>}, log to {@code dir/<name>.log}. */
    private static int submit(String name, String executorJavaOptions) {
        return SnapshotRuns.submit(cluster, 1, executorJavaOptions, INPUT, dir.resolve(name), SOLVER, RUN_TIMEOUT);
    }

    private static void assertRun(CompletableFuture<Integer> run, String name) throws Exception {
        Path log = dir.resolve(name + ".log");
        int exit = StandaloneCluster.await(run, RUN_TIMEOUT.plusSeconds(30));
        assertEquals(0, exit, () -> StandaloneCluster.tail(log, 80) + "\n" + cluster.logTails());
        Path out = dir.resolve(name);
        JsonNode run2 = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(cluster.masterUrl(), run2.get("spark").get("master").asText());
        assertTrue(run2.get("spark").get("app_id").asText().startsWith("app-"), run2.get("spark").toString());
        SnapshotRuns.assertSameCells(localCells, SnapshotRuns.cells(out), 105, name);
    }
}
