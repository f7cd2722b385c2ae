package org.chreode.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.chreode.jobs.temporal.TemporalOutputs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chreode temporal --kernel online} on a real standalone cluster (a master and two 1-core workers, each its
 * own JVM), submitted through SparkSubmit: the pair solutions stay persisted on the executors, the couplings are
 * written from there, and fates, descendants and ancestors chain one-task jobs on them. Every output equals a
 * local-mode run's to 1e-12.
 */
class TemporalStandaloneClusterTest extends SparkTestBase {

    private static final List<String> OPTIONS = List.of("--features", "x,y", "--growth-col", "g", "--growth-iters",
            "2", "--tau-a", "0.8", "--epsilon", "0.01", "--threshold", "0", "--from", "A", "--validate-interpolation",
            "--kernel", "online", "--threads", "1");
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(240);

    @TempDir
    static Path dir;

    private static StandaloneCluster cluster;
    private static Path input;
    private static Path local;

    @BeforeAll
    static void startClusterAndRunLocally() throws Exception {
        CompletableFuture<StandaloneCluster> starting = StandaloneCluster.startInBackground(2, "1g");
        try {
            input = Files.write(dir.resolve("course.csv"), TemporalOutputs.twoLineageCourse());
            local = dir.resolve("local-out");
            List<String> args = new ArrayList<>(List.of("temporal", "--input", input.toString(), "--output",
                    local.toString()));
            args.addAll(OPTIONS);
            SnapshotRuns.runCli(args);
        } finally {
            cluster = StandaloneCluster.await(starting, StandaloneCluster.START_TIMEOUT.plusSeconds(30));
        }
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void temporalThroughSparkSubmitGivesTheLocalOutputs() throws Exception {
        Path out = dir.resolve("cluster-out");
        Path log = dir.resolve("cluster-out.log");
        List<String> args = new ArrayList<>(List.of(
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.executor.memory=512m",
                "--conf", "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector",
                "--class", ChreodeCli.class.getName(),
                cluster.appJar().toString(),
                "temporal", "--input", input.toString(), "--output", out.toString()));
        args.addAll(OPTIONS);
        int exit = cluster.sparkSubmit(log, RUN_TIMEOUT, args);
        assertEquals(0, exit, () -> StandaloneCluster.tail(log, 80) + "\n" + cluster.logTails());

        for (String pair : new String[] {"0_1", "1_2"}) {
            TemporalOutputs.assertCouplingsAgree(local, out, pair, 1e-12);
        }
        for (String name : new String[] {"growth.csv", "fates.csv", "descendants.csv", "ancestors.csv",
            "validation.csv", "transitions/0_1_forward.csv", "transitions/1_2_backward.csv"}) {
            TemporalOutputs.assertCsvAgree(local, out, name, 1e-12);
        }
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        for (JsonNode pair : run.get("pairs")) {
            assertEquals("online", pair.get("kernel").asText());
            assertTrue(pair.get("converged").asBoolean(), pair.toString());
        }
        assertEquals(1, run.get("parameters").get("threads_per_task").asInt());
    }
}
