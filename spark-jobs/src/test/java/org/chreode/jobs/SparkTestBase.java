package org.chreode.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;

/**
 * One local SparkSession ({@code local[2]}, no UI) per test JVM, shared by every Spark test and registered as the
 * default session, so CLI commands under test reuse it instead of starting their own. Surefire sets
 * {@code SPARK_LOCAL_IP} and the JDK 17 flags; the session is stopped by Spark's shutdown hook.
 */
public abstract class SparkTestBase {

    private static SparkSession shared;

    protected static SparkSession spark;

    @BeforeAll
    static void startSpark() {
        spark = session();
    }

    public static synchronized SparkSession session() {
        if (shared == null || shared.sparkContext().isStopped()) {
            shared = SparkSession.builder()
                    .master("local[2]")
                    .appName("chreode-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.maxResultSize", "0")
                    .getOrCreate();
            SparkSession.setDefaultSession(shared);
        }
        return shared;
    }

    /** Writes {@code lines} (joined by newlines) to {@code dir/name}. */
    /** A chreode command in this JVM (embedded local mode); asserts exit 0 with the error output as the message. */
    public static int runCli(String... args) {
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine cli = org.chreode.jobs.cli.ChreodeCli.commandLine();
        cli.setOut(new java.io.PrintWriter(new java.io.StringWriter()));
        cli.setErr(new java.io.PrintWriter(err));
        int exit = cli.execute(args);
        org.junit.jupiter.api.Assertions.assertEquals(0, exit, err.toString());
        return exit;
    }

    protected static Path writeFile(Path dir, String name, String... lines) {
        try {
            Path file = dir.resolve(name);
            Files.writeString(file, String.join("\n", lines) + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether {@code path} is absent and no temporary sibling {@code <name>.tmp-*} / {@code .old-*} remains. */
    protected static boolean nothingAt(Path path) {
        if (Files.exists(path)) {
            return false;
        }
        try (var siblings = Files.list(path.toAbsolutePath().getParent())) {
            String name = path.getFileName().toString();
            return siblings.noneMatch(p -> p.getFileName().toString().startsWith(name + ".tmp-")
                    || p.getFileName().toString().startsWith(name + ".old-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
