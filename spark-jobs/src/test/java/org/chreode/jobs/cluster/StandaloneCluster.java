package org.chreode.jobs.cluster;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster for tests: one {@code Master} and N {@code Worker}s, each a separate JVM on 127.0.0.1
 * with free ports, sharing a temporary SPARK_HOME ({@code RELEASE} + {@code jars/} links to every jar of this JVM's
 * classpath). {@link #start} returns once every worker has registered with the master (polled through the master's
 * {@code /json/} page) or throws with the logs' tails; {@link #close} destroys every process tree (executors
 * included). Every wait is bounded.
 *
 * <p>The application classes reach the executors as {@link #appJar()}: a jar zipped from this JVM's classpath
 * directories ({@code target/classes} of spark-jobs and, in a reactor build, of the modules it depends on), so that
 * the harness works under {@code mvn test}, before anything is packaged.
 */
public final class StandaloneCluster implements AutoCloseable {

    /**
     * How long {@link #start} waits for the master and the workers: 120 s, since on a shared 2-core machine under
     * load (other builds running) three Spark JVMs took longer than 60 s to start.
     */
    public static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

    private final Path dir;
    private final Path sparkHome;
    private final List<String> classpath;
    private final List<String> jvmFlags;
    private final int masterPort;
    private final int masterUiPort;
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();
    private Process master;
    private final List<Process> workers = new ArrayList<>();
    private Path appJar;

    private final boolean ownsDir;

    private StandaloneCluster(Path dir, boolean ownsDir) throws IOException {
        this.dir = dir;
        this.ownsDir = ownsDir;
        this.classpath = testClasspath();
        this.jvmFlags = moduleFlags();
        this.sparkHome = buildSparkHome(dir.resolve("spark-home"), classpath);
        this.masterPort = freePort();
        this.masterUiPort = freePort();
    }

    /**
     * Starts a master and {@code workerCount} workers (1 core and {@code workerMemory}, e.g. "1g", each) under
     * {@code dir}, and waits (at most {@link #START_TIMEOUT}) until all workers are alive.
     */
    public static StandaloneCluster start(Path dir, int workerCount, String workerMemory) throws IOException {
        return start(Files.createDirectories(dir), false, workerCount, workerMemory);
    }

    /**
     * As {@link #start(Path, int, String)} in a new temporary directory, deleted by {@link #close} (SPARK_HOME's
     * links, logs, work directories) unless the system property {@code chreode.cluster.keep} is true.
     */
    public static StandaloneCluster start(int workerCount, String workerMemory) throws IOException {
        return start(Files.createTempDirectory("chreode-cluster-"), !Boolean.getBoolean("chreode.cluster.keep"),
                workerCount, workerMemory);
    }

    /**
     * {@link #start(int, String)} on another thread, so that a test computes its local reference while the cluster
     * starts; collect it with {@link #await}.
     */
    public static CompletableFuture<StandaloneCluster> startInBackground(int workerCount, String workerMemory) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return start(workerCount, workerMemory);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * The future's value within {@code timeout}: a failure rethrows its cause, a timeout fails the test with an
     * {@link AssertionError} naming the limit.
     */
    public static <T> T await(CompletableFuture<T> future, Duration timeout) throws Exception {
        try {
            return future.get(timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } catch (TimeoutException e) {
            throw new AssertionError("no result within " + timeout.toSeconds() + " s", e);
        }
    }

    private static StandaloneCluster start(Path dir, boolean ownsDir, int workerCount, String workerMemory)
            throws IOException {
        StandaloneCluster cluster = new StandaloneCluster(dir, ownsDir);
        try {
            cluster.startAll(workerCount, workerMemory);
            return cluster;
        } catch (RuntimeException | IOException e) {
            cluster.close();
            throw e;
        }
    }

    private void startAll(int workerCount, String workerMemory) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        master = launch("master", List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-Dspark.master.rest.enabled=false"),
                "org.apache.spark.deploy.master.Master",
                List.of("--host", "127.0.0.1", "--port", Integer.toString(masterPort),
                        "--webui-port", Integer.toString(masterUiPort)));
        waitForAliveWorkers(0, deadline);
        for (int i = 0; i < workerCount; i++) {
            Path workDir = Files.createDirectories(dir.resolve("worker-" + i));
            workers.add(launch("worker-" + i, List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                    "org.apache.spark.deploy.worker.Worker",
                    List.of("--host", "127.0.0.1", "--cores", "1", "--memory", workerMemory,
                            "--webui-port", Integer.toString(freePort()), "--work-dir", workDir.toString(),
                            masterUrl())));
        }
        waitForAliveWorkers(workerCount, deadline);
    }

    /** {@code spark://127.0.0.1:<port>}. */
    public String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** The master's web UI port (its JSON status is at {@code /json/}). */
    public int masterUiPort() {
        return masterUiPort;
    }

    public Path sparkHome() {
        return sparkHome;
    }

    /** The jars of this JVM's classpath (what {@code SPARK_HOME/jars} links to). */
    public List<String> runtimeJars() {
        return classpath.stream().filter(StandaloneCluster::isJar).toList();
    }

    /** The environment every cluster process (and a driver) gets: SPARK_HOME, Scala 2.13, 127.0.0.1. */
    public Map<String, String> environment() {
        return Map.of("SPARK_HOME", sparkHome.toString(), "SPARK_SCALA_VERSION", "2.13",
                "SPARK_LOCAL_IP", "127.0.0.1", "JAVA_HOME", System.getProperty("java.home"));
    }

    /** The JDK 17 module flags of this JVM (Surefire's argLine), for child JVMs. */
    public List<String> jvmFlags() {
        return jvmFlags;
    }

    /** The application jar: this JVM's main-class directories zipped (built once). */
    public synchronized Path appJar() throws IOException {
        if (appJar == null) {
            appJar = zipClassDirectories(dir.resolve("chreode-app.jar"), classpath);
        }
        return appJar;
    }

    /** The master's {@code /json/} page. */
    public String masterJson() throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort + "/json/"))
                .timeout(Duration.ofSeconds(3)).build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Kills worker {@code i} and its executors at once (SIGKILL), as a lost machine would. */
    public void killWorker(int i) {
        destroyTree(workers.get(i), true);
    }

    /**
     * Runs {@code org.apache.spark.deploy.SparkSubmit} in a separate JVM against this cluster (client mode):
     * {@code --master <url> <args...>}; stdout and stderr go to {@code log}. Returns the exit status; the process is
     * killed and an exception thrown after {@code timeout}.
     */
    public int sparkSubmit(Path log, Duration timeout, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add("--master");
        command.add(masterUrl());
        command.addAll(args);
        Process p = launchTo(log, List.of("-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                "org.apache.spark.deploy.SparkSubmit",
                command);
        return waitFor(p, log, timeout);
    }

    /**
     * Runs {@code command} with {@link #environment()} plus {@code extraEnv}; output to {@code log}; bounded by
     * {@code timeout}. Returns the exit status.
     */
    public int runCommand(Path log, Duration timeout, List<String> command, Map<String, String> extraEnv)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(environment());
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        synchronized (this) {
            processes.add(p);
        }
        return waitFor(p, log, timeout);
    }

    private int waitFor(Process p, Path log, Duration timeout) throws IOException {
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                destroyTree(p, true);
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s; log tail:\n"
                        + tail(log, 60));
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            destroyTree(p, true);
            throw new IOException("interrupted", e);
        }
    }

    /** The last {@code lines} lines of a log file ("" if unreadable). */
    public static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(" + log + " unreadable: " + e + ")";
        }
    }

    /** Tails of the master's and workers' logs, for failure messages. */
    public String logTails() {
        StringBuilder sb = new StringBuilder();
        for (Path log : logs) {
            sb.append("---- ").append(log.getFileName()).append('\n').append(tail(log, 30)).append('\n');
        }
        return sb.toString();
    }

    @Override
    public void close() {
        List<Process> all;
        synchronized (this) {
            all = new ArrayList<>(processes);
        }
        // Drivers first, then workers (with their executors), the master last.
        for (int i = all.size() - 1; i >= 0; i--) {
            destroyTree(all.get(i), false);
        }
        if (ownsDir) {
            deleteTree(dir);
        }
    }

    /** The cluster's directory: logs ({@code master.log}, {@code worker-<i>.log}), SPARK_HOME, work dirs. */
    public Path directory() {
        return dir;
    }

    /** Deletes {@code root} and everything under it; links are removed, never followed. Best effort. */
    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            System.err.println("StandaloneCluster: could not delete " + root + ": " + e);
        }
    }

    private Process launch(String name, List<String> flags, String mainClass, List<String> args) throws IOException {
        Path log = dir.resolve(name + ".log");
        logs.add(log);
        return launchTo(log, flags, mainClass, args);
    }

    private Process launchTo(Path log, List<String> flags, String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(flags);
        command.addAll(jvmFlags);
        command.add("-cp");
        command.add(sparkHome.resolve("jars") + File.separator + "*");
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(dir.toFile());
        pb.environment().putAll(environment());
        Process p = pb.start();
        synchronized (this) {
            processes.add(p);
        }
        return p;
    }

    private void waitForAliveWorkers(int expected, long deadline) {
        String last = "";
        while (System.nanoTime() < deadline) {
            if (!master.isAlive()) {
                throw new IllegalStateException("the master exited (" + master.exitValue() + ")\n" + logTails());
            }
            for (Process w : workers) {
                if (!w.isAlive()) {
                    throw new IllegalStateException("a worker exited (" + w.exitValue() + ")\n" + logTails());
                }
            }
            try {
                last = masterJson();
                Matcher m = ALIVE_WORKERS.matcher(last);
                if (m.find() && Integer.parseInt(m.group(1)) >= expected) {
                    return;
                }
            } catch (IOException e) {
                last = e.toString(); // not listening yet
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("the cluster did not get " + expected + " alive workers within "
                + START_TIMEOUT.toSeconds() + " s; master says: " + last + "\n" + logTails());
    }

    /** Kills {@code p}'s descendants and then {@code p}, waiting a bounded time for each. */
    private static void destroyTree(Process p, boolean force) {
        List<ProcessHandle> descendants = p.descendants().toList();
        for (ProcessHandle h : descendants) {
            h.destroyForcibly();
        }
        if (force) {
            p.destroyForcibly();
        } else {
            p.destroy();
        }
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        for (ProcessHandle h : descendants) {
            h.onExit().completeOnTimeout(h, 5, TimeUnit.SECONDS).join();
        }
    }

    // ---- SPARK_HOME, classpath, app jar ----

    /**
     * This JVM's classpath entries. Under Surefire {@code java.class.path} is the test classpath; when it is a
     * manifest-only booter jar, the entries come from its {@code Class-Path}.
     */
    static List<String> testClasspath() throws IOException {
        Set<String> entries = new LinkedHashSet<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.isEmpty()) {
                continue;
            }
            if (Paths.get(e).getFileName().toString().startsWith("surefirebooter")) {
                try (JarFile jar = new JarFile(e)) {
                    String cp = jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                    for (String url : cp == null ? new String[0] : cp.trim().split("\\s+")) {
                        entries.add(Paths.get(URI.create(url)).toString());
                    }
                }
            } else {
                entries.add(Paths.get(e).toAbsolutePath().toString());
            }
        }
        return List.copyOf(entries);
    }

    private static boolean isJar(String entry) {
        return entry.endsWith(".jar") && Files.isRegularFile(Paths.get(entry));
    }

    private static List<String> moduleFlags() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-modules")
                        || a.startsWith("--add-exports") || a.startsWith("-Djdk.reflect"))
                .toList();
    }

    private static Path buildSparkHome(Path home, List<String> classpath) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        Files.writeString(home.resolve("RELEASE"), "");
        Set<String> names = new HashSet<>();
        for (String entry : classpath) {
            if (!isJar(entry)) {
                continue;
            }
            Path jar = Paths.get(entry);
            String name = jar.getFileName().toString();
            if (!names.add(name)) {
                name = names.size() + "-" + name;
                names.add(name);
            }
            Files.createSymbolicLink(jars.resolve(name), jar);
        }
        return home;
    }

    /** Zips the classpath's directories (test-classes left out) into one jar; the first copy of an entry wins. */
    static Path zipClassDirectories(Path target, List<String> classpath) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        Set<String> seen = new HashSet<>();
        seen.add("META-INF/");
        seen.add("META-INF/MANIFEST.MF");
        try (OutputStream file = Files.newOutputStream(target);
                JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (String entry : classpath) {
                Path root = Paths.get(entry);
                if (!Files.isDirectory(root) || root.getFileName().toString().equals("test-classes")) {
                    continue;
                }
                List<Path> files;
                try (Stream<Path> walk = Files.walk(root)) {
                    files = walk.filter(p -> !p.equals(root)).sorted().toList();
                }
                for (Path f : files) {
                    String name = root.relativize(f).toString().replace(File.separatorChar, '/');
                    if (Files.isDirectory(f)) {
                        name += "/";
                    }
                    if (!seen.add(name)) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(name));
                    if (!Files.isDirectory(f)) {
                        try (InputStream in = Files.newInputStream(f)) {
                            in.transferTo(out);
                        }
                    }
                    out.closeEntry();
                }
            }
        }
        return target;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
