package org.chreode.jobs;

import java.util.function.Function;

import org.apache.spark.sql.SparkSession;

/**
 * How chreode commands get a SparkSession: an existing default session is reused (tests, notebooks, an application
 * that embeds chreode) and left running; otherwise one is created for the command and stopped after it.
 */
public final class SparkSessions {

    /** The master used when neither {@code --master} nor {@code spark.master} (spark-submit) says otherwise. */
    public static final String DEFAULT_MASTER = "local[*]";

    private SparkSessions() {
    }

    /**
     * Runs {@code body} with a session.
     *
     * @param appName shown in the Spark UI
     * @param master  {@code --master}, or null for {@code spark.master} if set, else {@link #DEFAULT_MASTER}
     */
    public static <T> T withSession(String appName, String master, Function<SparkSession, T> body) {
        scala.Option<SparkSession> current = SparkSession.getDefaultSession();
        SparkSession existing = current.isDefined() ? current.get() : null;
        if (existing != null && !existing.sparkContext().isStopped()) {
            return body.apply(existing);
        }
        SparkSession spark = create(appName, master);
        try {
            return body.apply(spark);
        } finally {
            spark.stop();
        }
    }

    /** A new session with chreode's defaults (no console progress bar, unlimited driver result size). */
    public static SparkSession create(String appName, String master) {
        SparkSession.Builder builder = SparkSession.builder().appName(appName);
        if (master != null) {
            builder.master(master);
        } else if (System.getProperty("spark.master") == null) {
            builder.master(DEFAULT_MASTER);
        }
        if (System.getProperty("spark.ui.showConsoleProgress") == null) {
            builder.config("spark.ui.showConsoleProgress", "false");
        }
        if (System.getProperty("spark.driver.maxResultSize") == null) {
            // The input travels to the driver and the result back: both can exceed the 1g default.
            builder.config("spark.driver.maxResultSize", "0");
        }
        if (System.getProperty("spark.executor.extraJavaOptions") == null) {
            // SIMD kernel products on executors (kernels fall back to scalar loops without the module).
            builder.config("spark.executor.extraJavaOptions", "--add-modules=jdk.incubator.vector");
        }
        return builder.getOrCreate();
    }
}
