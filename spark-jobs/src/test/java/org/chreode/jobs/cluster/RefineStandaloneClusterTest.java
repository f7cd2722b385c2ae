package org.chreode.jobs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.chreode.jobs.refine.RefineJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chreode refine} (full mode, Hierarchical Refinement as Spark tasks) on a real standalone cluster — a master
 * and two 1-core workers, each its own JVM ({@link StandaloneCluster}), one cluster for the class — submitted through
 * SparkSubmit: the pairs equal a local-mode run's byte for byte, and the level tasks ran on the cluster.
 *
 * <p>Input: 256 points from 8 Gaussians → 256 points on two arcs (generated, seeded), base blocks below 32 and ranks
 * at most 8, so at least two low-rank levels: the blocks of the second level and the base blocks are spread over both
 * executors. The local reference runs while the cluster starts.
 */
class RefineStandaloneClusterTest extends SparkTestBase {

    private static final int N = 256;
    private static final List<String> SOLVER = List.of("--max-base", "32", "--max-rank", "8", "--seed", "3");
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(240);

    @TempDir
    static Path dir;

    private static StandaloneCluster cluster;
    private static Path source;
    private static Path target;
    private static List<String> localPairs;
    private static JsonNode localRun;

    @BeforeAll
    static void startClusterAndRunLocally() throws Exception {
        CompletableFuture<StandaloneCluster> starting = StandaloneCluster.startInBackground(2, "1g");
        try {
            writeInputs();
            Path out = dir.resolve("local-out");
            List<String> args = new ArrayList<>(List.of("refine", "--source", source.toString(), "--target",
                    target.toString(), "--output", out.toString()));
            args.addAll(SOLVER);
            SnapshotRuns.runCli(args);
            localPairs = Files.readAllLines(out.resolve(RefineJob.PAIRS_CSV));
            localRun = new ObjectMapper().readTree(out.resolve("run.json").toFile());
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

    /** 8 Gaussian blobs on a circle → two interleaved noisy arcs, {@code cell_id,x,y}. */
    private static void writeInputs() throws IOException {
        Random rnd = new Random(2024);
        List<String> src = new ArrayList<>(List.of("cell_id,x,y"));
        List<String> tgt = new ArrayList<>(List.of("cell_id,x,y"));
        for (int i = 0; i < N; i++) {
            double angle = 2 * Math.PI * (i % 8) / 8;
            src.add(String.format(Locale.ROOT, "s%d,%.17g,%.17g", i, 4 * Math.cos(angle) + 0.4 * rnd.nextGaussian(),
                    4 * Math.sin(angle) + 0.4 * rnd.nextGaussian()));
            double u = Math.PI * rnd.nextDouble();
            boolean upper = i % 2 == 0;
            double ax = upper ? 3 * Math.cos(u) : 3 - 3 * Math.cos(u);
            double ay = upper ? 3 * Math.sin(u) : 1 - 3 * Math.sin(u);
            tgt.add(String.format(Locale.ROOT, "t%d,%.17g,%.17g", i, ax + 0.2 * rnd.nextGaussian(),
                    ay + 0.2 * rnd.nextGaussian()));
        }
        source = Files.write(dir.resolve("source.csv"), src);
        target = Files.write(dir.resolve("target.csv"), tgt);
    }

    @Test
    void refineThroughSparkSubmitGivesTheLocalPairs() throws Exception {
        String name = "cluster-out";
        Path log = dir.resolve(name + ".log");
        List<String> args = new ArrayList<>(List.of(
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.executor.memory=512m",
                "--conf", "spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector",
                "--class", ChreodeCli.class.getName(),
                cluster.appJar().toString(),
                "refine", "--source", source.toString(), "--target", target.toString(),
                "--output", dir.resolve(name).toString()));
        args.addAll(SOLVER);
        int exit = cluster.sparkSubmit(log, RUN_TIMEOUT, args);
        assertEquals(0, exit, () -> StandaloneCluster.tail(log, 80) + "\n" + cluster.logTails());

        Path out = dir.resolve(name);
        List<String> pairs = Files.readAllLines(out.resolve(RefineJob.PAIRS_CSV));
        assertEquals(N + 1, localPairs.size());
        Set<String> targets = new HashSet<>();
        for (String line : localPairs.subList(1, localPairs.size())) {
            assertTrue(targets.add(line.split(",")[1]), "target twice in the local run: " + line);
        }
        assertEquals(localPairs, pairs, "cluster pairs differ from local mode");

        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertEquals(cluster.masterUrl(), run.get("spark").get("master").asText());
        assertTrue(run.get("spark").get("app_id").asText().startsWith("app-"), run.get("spark").toString());
        assertEquals(localRun.get("schedule"), run.get("schedule"));
        assertTrue(run.get("schedule").size() >= 3, "two low-rank levels expected: " + run.get("schedule"));
        assertEquals(localRun.get("blocks_per_level"), run.get("blocks_per_level"));
        assertEquals(localRun.get("total_cost").asDouble(), run.get("total_cost").asDouble(), 0.0);
        // two 1-core executors: defaultParallelism 2, so at most 4 tasks per level
        assertEquals(2, run.get("spark").get("default_parallelism").asInt(), run.get("spark").toString());
        JsonNode blocks = run.get("blocks_per_level");
        JsonNode tasks = run.get("tasks_per_level");
        assertEquals(blocks.size(), tasks.size());
        for (int t = 0; t < blocks.size(); t++) {
            assertEquals(Math.min(4, blocks.get(t).asInt()), tasks.get(t).asInt(), "tasks of level " + t);
        }
        String driverLog = Files.readString(log);
        String levelTwo = "refine level 2/" + blocks.size() + " (rank " + run.get("schedule").get(1).asInt() + "): "
                + blocks.get(1).asInt() + " blocks in " + tasks.get(1).asInt() + " tasks";
        assertTrue(driverLog.contains(levelTwo),
                () -> "no '" + levelTwo + "' line in the driver log:\n" + StandaloneCluster.tail(log, 80));
        System.out.println("refine on the standalone cluster: level seconds " + run.get("level_seconds")
                + ", local " + localRun.get("level_seconds"));
    }
}
