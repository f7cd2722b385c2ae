package org.chreode.jobs;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.NumericalInstabilityException;

/**
 * Finds the user-facing error in a cause chain: Spark wraps exceptions thrown inside tasks in
 * {@code SparkException}s, and readers wrap theirs in {@code UncheckedIOException}s.
 */
public final class Failures {

    private Failures() {
    }

    /**
     * The first {@link InvalidInputException} or {@link NumericalInstabilityException} in the cause chain of
     * {@code error}, else {@code error} itself (wrapped if it is checked).
     */
    public static RuntimeException userFacing(Throwable error) {
        Throwable found = find(error);
        if (found instanceof RuntimeException r) {
            return r;
        }
        if (error instanceof RuntimeException r) {
            return r;
        }
        if (error instanceof Error e) {
            throw e;
        }
        return new RuntimeException(error.getMessage(), error);
    }

    /** The user-facing exception in the chain, or null. */
    public static RuntimeException find(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 64; t = t.getCause(), depth++) {
            if (t instanceof InvalidInputException || t instanceof NumericalInstabilityException) {
                return (RuntimeException) t;
            }
        }
        return null;
    }

    /** Whether the error is bad input or a bad parameter (exit status 2). */
    public static boolean isBadInput(Throwable error) {
        return find(error) instanceof InvalidInputException;
    }

    /** One paragraph for the user: the user-facing message, else the deepest message in the chain. */
    public static String message(Throwable error) {
        Throwable t = find(error);
        if (t == null) {
            t = error;
            String best = describe(error);
            int depth = 0;
            for (Throwable c = error.getCause(); c != null && depth < 64; c = c.getCause(), depth++) {
                if (c.getMessage() != null && !c.getMessage().isBlank()) {
                    best = describe(c);
                }
            }
            return oneParagraph(best);
        }
        return oneParagraph(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + m;
    }

    private static String oneParagraph(String s) {
        return s.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** The body of a Spark application that may throw checked exceptions. */
    @FunctionalInterface
    public interface JobBody<T> {
        T run() throws Exception;
    }

    /**
     * Runs an application body: any failure is turned into its user-facing form ({@link #userFacing}) and the Spark
     * job description is cleared afterwards, whatever happened.
     */
    public static <T> T runJob(org.apache.spark.sql.SparkSession spark, JobBody<T> body) {
        try {
            return body.run();
        } catch (Exception e) {
            throw userFacing(e);
        } finally {
            spark.sparkContext().setJobDescription(null);
        }
    }
}
