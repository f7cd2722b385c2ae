package org.chreode.jobs.submit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The cluster launchers of submit/ (docs/launchers.md): {@code --dry-run} prints a spark-submit line with the
 * master, the cluster jar, the main class, the profile's properties, the JDK 17 flags and the chreode arguments;
 * {@code --help} exits 0; the Airflow DAG compiles and the Databricks job definition parses.
 */
class ClusterLaunchersTest {

    private static final Path ROOT = findRoot();
    private static final String MAIN = "org.chreode.jobs.cli.ChreodeCli";
    private static final String[] CHREODE_ARGS = {"snapshot", "--input", "data/cells.parquet", "--output",
        "out dir/run1", "--stages", "7"};

    @TempDir
    Path tmp;

    private static Path findRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("submit"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no submit/ above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    private record Result(int exit, String out, String err) {
    }

    private static Result run(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("submit").resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().remove("SPARK_MASTER");
        pb.environment().remove("CHREODE_IMAGE");
        pb.environment().remove("SPARK_HOME");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), script + " did not finish");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String version() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        int artifact = pom.indexOf("<artifactId>chreode-parent</artifactId>");
        int start = pom.indexOf("<version>", artifact) + "<version>".length();
        return pom.substring(start, pom.indexOf("</version>", start));
    }

    /** Common checks of a dry-run line: main class, profile values, JVM flags, chreode arguments at the end. */
    private static void assertCommon(Result r, String profile) throws IOException {
        assertEquals(0, r.exit(), r.err());
        String line = r.out().strip();
        assertEquals(1, line.lines().count(), "one command line: " + line);
        assertTrue(line.startsWith("spark-submit "), line);
        assertTrue(line.contains("--class " + MAIN), line);
        for (String kv : profileValues(profile)) {
            assertTrue(line.contains("--conf " + kv), kv + " missing in " + line);
        }
        assertTrue(line.contains("--conf 'spark.driver.extraJavaOptions=--add-modules=jdk.incubator.vector "), line);
        assertTrue(line.contains("--conf 'spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector "), line);
        assertTrue(line.contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"), line);
        assertTrue(line.endsWith(" snapshot --input data/cells.parquet --output 'out dir/run1' --stages 7"), line);
    }

    /** The profile's "key value" lines as key=value. */
    private static List<String> profileValues(String profile) throws IOException {
        List<String> kvs = new ArrayList<>();
        for (String l : Files.readAllLines(ROOT.resolve("conf/profiles/" + profile + ".conf"))) {
            String s = l.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                String[] kv = s.split("\\s+", 2);
                kvs.add(kv[0] + "=" + kv[1]);
            }
        }
        assertTrue(kvs.contains("spark.executor.memory=" + switch (profile) {
            case "small" -> "4g";
            case "medium" -> "16g";
            default -> "32g";
        }), kvs.toString());
        return kvs;
    }

    @Test
    void standaloneDryRunPrintsTheSubmitLine() throws Exception {
        Result r = run("chreode-standalone", concat(new String[] {"--dry-run", "--master", "spark://head:7077",
            "--profile", "medium"}, CHREODE_ARGS));
        assertCommon(r, "medium");
        String line = r.out().strip();
        assertTrue(line.contains("--master spark://head:7077 --deploy-mode client"), line);
        assertTrue(line.contains(" " + ROOT.resolve("spark-jobs/target/chreode-spark-jobs-" + version()
                + "-cluster.jar") + " snapshot "), line);
        assertTrue(line.contains("--name 'chreode snapshot'"), line);
    }

    @Test
    void yarnDryRunHasQueueAndDeployMode() throws Exception {
        Result r = run("chreode-yarn", concat(new String[] {"--dry-run", "--queue", "science", "--deploy-mode",
            "client", "--profile", "large", "--conf", "spark.executor.instances=9", "--jar", "hdfs:///jars/c.jar"},
            CHREODE_ARGS));
        assertEquals(0, r.exit(), r.err());
        String line = r.out().strip();
        assertTrue(line.contains("--master yarn --deploy-mode client"), line);
        assertTrue(line.contains("--conf spark.yarn.queue=science"), line);
        assertTrue(line.contains(" hdfs:///jars/c.jar snapshot "), line);
        // --conf replaces the profile's value instead of repeating the key
        assertTrue(line.contains("--conf spark.executor.instances=9"), line);
        assertTrue(!line.contains("spark.executor.instances=4"), line);
        assertTrue(line.contains("--conf spark.executor.memory=32g"), line);
    }

    @Test
    void yarnDefaultsToClusterModeAndTheSmallProfile() throws Exception {
        Result r = run("chreode-yarn", concat(new String[] {"--dry-run"}, CHREODE_ARGS));
        assertCommon(r, "small");
        assertTrue(r.out().contains("--master yarn --deploy-mode cluster"), r.out());
        assertTrue(r.out().contains("--conf spark.yarn.queue=default"), r.out());
    }

    @Test
    void k8sDryRunHasImageNamespaceAndServiceAccount() throws Exception {
        Result r = run("chreode-k8s", concat(new String[] {"--dry-run", "--master", "k8s://https://api.example:6443",
            "--image", "registry.example/chreode:0.1.0", "--namespace", "science", "--service-account", "chreode-sa",
            "--profile", "small"}, CHREODE_ARGS));
        assertCommon(r, "small");
        String line = r.out().strip();
        assertTrue(line.contains("--master k8s://https://api.example:6443 --deploy-mode cluster"), line);
        assertTrue(line.contains("--conf spark.kubernetes.container.image=registry.example/chreode:0.1.0"), line);
        assertTrue(line.contains("--conf spark.kubernetes.namespace=science"), line);
        assertTrue(line.contains("--conf spark.kubernetes.authenticate.driver.serviceAccountName=chreode-sa"), line);
        assertTrue(line.contains(" local:///opt/chreode/chreode-spark-jobs-" + version() + "-cluster.jar snapshot "),
                line);
    }

    @Test
    void helpExitsZeroAndListsTheOptions() throws Exception {
        for (String script : new String[] {"chreode-standalone", "chreode-yarn", "chreode-k8s"}) {
            Result r = run(script, "--help");
            assertEquals(0, r.exit(), script + ": " + r.err());
            assertTrue(r.out().contains("--dry-run"), r.out());
            assertTrue(r.out().contains("--profile"), r.out());
        }
        assertTrue(run("chreode-yarn", "--help").out().contains("--queue"));
        String k8s = run("chreode-k8s", "--help").out();
        for (String option : new String[] {"--master", "--image", "--namespace", "--service-account"}) {
            assertTrue(k8s.contains(option), option);
        }
    }

    @Test
    void missingRequiredOptionsFailWithAMessage() throws Exception {
        Result noMaster = run("chreode-standalone", concat(new String[] {"--dry-run"}, CHREODE_ARGS));
        assertNotEquals(0, noMaster.exit());
        assertTrue(noMaster.err().contains("--master"), noMaster.err());
        Result noImage = run("chreode-k8s", concat(new String[] {"--dry-run", "--master", "k8s://https://a:1"},
                CHREODE_ARGS));
        assertNotEquals(0, noImage.exit());
        assertTrue(noImage.err().contains("--image"), noImage.err());
        Result badProfile = run("chreode-yarn", concat(new String[] {"--dry-run", "--profile", "huge"}, CHREODE_ARGS));
        assertNotEquals(0, badProfile.exit());
        assertTrue(badProfile.err().contains("huge"), badProfile.err());
        Result noCommand = run("chreode-yarn", "--dry-run");
        assertNotEquals(0, noCommand.exit());
    }

    @Test
    void airflowDagCompiles() throws Exception {
        Path dag = ROOT.resolve("submit/airflow/chreode_snapshot_dag.py");
        String source = Files.readString(dag);
        assertTrue(source.contains("SparkSubmitOperator") && source.contains(MAIN), "DAG uses SparkSubmitOperator");
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], "
                    + "cfile=sys.argv[2], doraise=True)", dag.toString(), tmp.resolve("dag.pyc").toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("python3 is not installed: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void databricksJobParses() throws Exception {
        JsonNode job = new ObjectMapper().readTree(ROOT.resolve("submit/databricks/chreode-snapshot-job.json")
                .toFile());
        JsonNode task = job.get("tasks").get(0);
        assertEquals(MAIN, task.get("spark_jar_task").get("main_class_name").asText());
        assertEquals("snapshot", task.get("spark_jar_task").get("parameters").get(0).asText());
        assertTrue(task.get("libraries").get(0).get("jar").asText().endsWith("-cluster.jar"));
        String opts = task.get("new_cluster").get("spark_conf").get("spark.executor.extraJavaOptions").asText();
        assertTrue(opts.startsWith("--add-modules=jdk.incubator.vector"), opts);
    }
}
