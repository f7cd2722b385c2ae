package org.chreode.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.chreode.kernels.SharedData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit/chreode snapshot --master spark://...} against a real standalone cluster (a master and two workers,
 * each its own JVM; {@link StandaloneCluster}) gives the same cells as {@code submit/chreode snapshot} in embedded
 * local mode. An integration test (failsafe, {@code mvn verify}): the launcher runs the packaged build, its
 * {@code launcher-classpath.txt} and the cluster jar it ships to the executors, so it can only run after
 * {@code package}.
 */
class LauncherClusterIT {

    private static final Path INPUT = SharedData.data("multistageot/input/uniform2d_N105.csv");
    private static final List<String> SOLVER = List.of("--id-col", "cell", "--stages", "10", "--epsilon", "0.05");
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(240);
    private static final Map<String, String> LAUNCHER_ENV = Map.of("CHREODE_NO_BUILD", "1",
            "CHREODE_DRIVER_MEMORY", "1g",
            "JAVA_OPTS", "-XX:+UseSerialGC -Dspark.cores.max=1 -Dspark.executor.memory=512m");

    @TempDir
    static Path dir;

    private static StandaloneCluster cluster;

    @BeforeAll
    static void startCluster() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path classpath = root.resolve("spark-jobs/target/launcher-classpath.txt");
        assertTrue(Files.isRegularFile(classpath), () -> classpath + " is missing: run this test with mvn verify");
        cluster = StandaloneCluster.start(2, "1g");
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void launcherOnTheClusterMatchesLocalMode() throws Exception {
        Path local = launch("local-out", List.of());
        Path onCluster = launch("cluster-out", List.of("--master", cluster.masterUrl()));

        JsonNode spark = new ObjectMapper().readTree(onCluster.resolve("run.json").toFile()).get("spark");
        assertEquals(cluster.masterUrl(), spark.get("master").asText());
        assertTrue(spark.get("app_id").asText().startsWith("app-"), spark.toString());
        SnapshotRuns.assertSameCells(SnapshotRuns.cells(local), SnapshotRuns.cells(onCluster), 105, "launcher");
    }

    /** Runs {@code submit/chreode snapshot} with the extra arguments; the output is {@code dir/<name>}. */
    private static Path launch(String name, List<String> extra) throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path out = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of(root.resolve("submit/chreode").toString(), "snapshot",
                "--input", INPUT.toString(), "--output", out.toString()));
        command.addAll(extra);
        command.addAll(SOLVER);
        Path log = dir.resolve(name + ".log");
        int exit = cluster.runCommand(log, RUN_TIMEOUT, command, LAUNCHER_ENV);
        assertEquals(0, exit, () -> StandaloneCluster.tail(log, 80) + "\n" + cluster.logTails());
        return out;
    }
}
