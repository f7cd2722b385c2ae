package org.chreode.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.snapshot.PartitionedSnapshotJob;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.demo.BranchingSnapshotGenerator;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Executor failures during the partitioned snapshot job on a real standalone cluster (a master and two 1-core
 * workers, each its own JVM; {@link StandaloneCluster}), submitted through SparkSubmit with both workers' executors,
 * in one run (one run keeps the test near a minute and a half on two cores):
 * <ul>
 *   <li><b>worker lost mid-solve:</b> once an executor on worker 1 is running a subset task, worker 1 and its executor
 *       are killed (SIGKILL, like a lost machine); the job must finish on worker 0 alone;</li>
 *   <li><b>task failure:</b> the first attempt of every subset task throws ({@code chreode.test.failFirstAttempt}), so
 *       every task is retried.</li>
 * </ul>
 * The run must write cells.csv equal to a local-mode run of the same command. Each subset task waits
 * {@value #PAUSE_MILLIS} ms before it solves ({@link PartitionedSnapshotJob#PAUSE_SUBSET_TASKS}), so the kill surely
 * lands while tasks are in flight however fast the machine is.
 */
class PartitionedExecutorLossTest extends SparkTestBase {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(240);
    private static final long PAUSE_MILLIS = 1000;
    private static final String EXECUTOR_OPTS = "--add-modules=jdk.incubator.vector";
    /** 600 demo cells, subsets of about 150, two rounds: about 8 subset tasks. */
    private static final List<String> JOB = List.of("--partition-size", "150", "--rounds", "2",
            "--transitions-per-cell", "24", "--threads", "1");

    @TempDir
    Path dir;

    @Test
    void workerKilledMidSolveWithFailedAttemptsStillGivesLocalResults() throws Exception {
        long t0 = System.nanoTime();
        Path input = writeDemo(dir.resolve("demo.csv"));
        CompletableFuture<StandaloneCluster> starting = CompletableFuture.supplyAsync(() -> {
            try {
                return StandaloneCluster.start(2, "1g");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        List<String[]> local;
        try {
            local = SnapshotRuns.cells(SnapshotRuns.runLocally(input, dir.resolve("local-out"), JOB));
        } catch (RuntimeException | Error e) {
            starting.thenAccept(StandaloneCluster::close);
            throw e;
        }
        try (StandaloneCluster cluster = starting.get(StandaloneCluster.START_TIMEOUT.plusSeconds(30).toSeconds(),
                TimeUnit.SECONDS)) {
            long t1 = System.nanoTime();
            // both executors; every task's first attempt fails; worker 1 is killed once its executor runs a task
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> submit(cluster, input, "lost-out",
                    EXECUTOR_OPTS + " -D" + PartitionedSnapshotJob.PAUSE_SUBSET_TASKS + "=" + PAUSE_MILLIS
                            + " -D" + SnapshotJob.FAIL_FIRST_ATTEMPT + "=true"));
            Path workerDir = cluster.directory().resolve("worker-1");
            long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
            while (!runningTask(workerDir)) {
                assertFalse(run.isDone(), () -> "the job ended before worker 1 ran a task:\n"
                        + StandaloneCluster.tail(dir.resolve("lost-out.log"), 60) + "\n" + cluster.logTails());
                assertTrue(System.nanoTime() < deadline, "worker 1 never ran a task");
                Thread.sleep(100);
            }
            long killedAt = System.nanoTime();
            cluster.killWorker(1);
            assertFalse(Files.exists(dir.resolve("lost-out")), "the job finished before the worker was killed");
            assertRun(cluster, run, "lost-out", local);
            String log = Files.readString(dir.resolve("lost-out.log")).toLowerCase(Locale.ROOT);
            assertTrue(log.contains("lost executor") || log.contains("executorlostfailure")
                    || log.contains("worker lost") || log.contains("executor lost"),
                    () -> "no executor loss in the driver log:\n"
                    + StandaloneCluster.tail(dir.resolve("lost-out.log"), 80));

            String driverLog = Files.readString(dir.resolve("lost-out.log"));
            assertTrue(driverLog.contains("on purpose"), () -> "no failed first attempt in the driver log:\n"
                    + StandaloneCluster.tail(dir.resolve("lost-out.log"), 80));
            System.out.printf("partitioned executor loss: local run and cluster start %.1f s, cluster run %.1f s"
                    + " (worker 1 killed %.1f s after submit)%n", (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9,
                    (killedAt - t1) / 1e9);
        }
    }

    private static Path writeDemo(Path file) throws IOException {
        SnapshotInput in = BranchingSnapshotGenerator.builder().cells(600).fates(3).dim(2).seed(5).futures(0).build()
                .generate().input();
        StringBuilder csv = new StringBuilder("cell_id,role,fate,x,y\n");
        for (int c = 0; c < in.cellCount(); c++) {
            csv.append(in.cellIds()[c]).append(',').append(in.roles()[c].name().toLowerCase(Locale.ROOT)).append(',')
                    .append(in.fates()[c] == null ? "" : in.fates()[c]).append(',').append(in.features()[c][0])
                    .append(',').append(in.features()[c][1]).append('\n');
        }
        return Files.writeString(file, csv);
    }

    /** Whether an executor under this worker's work dir has logged that it runs a task. */
    private static boolean runningTask(Path workerDir) throws IOException {
        if (!Files.isDirectory(workerDir)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(workerDir)) {
            return files.filter(p -> p.getFileName().toString().equals("stderr")).anyMatch(p -> {
                try {
                    return Files.readString(p).contains("Running task");
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private int submit(StandaloneCluster cluster, Path input, String name, String executorJavaOptions) {
        return SnapshotRuns.submit(cluster, 2, executorJavaOptions, input, dir.resolve(name), JOB, RUN_TIMEOUT);
    }

    private void assertRun(StandaloneCluster cluster, CompletableFuture<Integer> run, String name,
                           List<String[]> local) throws Exception {
        Path log = dir.resolve(name + ".log");
        int exit;
        try {
            exit = run.get(RUN_TIMEOUT.plusSeconds(30).toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + RUN_TIMEOUT.plusSeconds(30).toSeconds() + " s", e);
        }
        assertEquals(0, exit, () -> StandaloneCluster.tail(log, 80) + "\n" + cluster.logTails());
        Path out = dir.resolve(name);
        JsonNode json = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(cluster.masterUrl(), json.get("spark").get("master").asText());
        JsonNode localJson = new ObjectMapper().readTree(dir.resolve("local-out").resolve("run.json").toFile());
        assertEquals(localJson.get("partitioned").get("subsets").size(), json.get("partitioned").get("subsets").size());
        assertTrue(json.get("partitioned").get("subsets").size() >= 6, json.get("partitioned").toString());
        SnapshotRuns.assertSameCells(local, SnapshotRuns.cells(out), 600, name);
    }
}
