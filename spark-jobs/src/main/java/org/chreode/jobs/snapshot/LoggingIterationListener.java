package org.chreode.jobs.snapshot;

import java.io.Serializable;
import java.util.Locale;

import org.chreode.kernels.common.IterationListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns kernel progress into log lines such as
 * {@code [sinkhorn] iter 120/20000 error 3.2e-4 eps 0.05 elapsed 1.2s ETA ~3s}. Serializable: it travels into the
 * Spark task that runs the solve, and logs there (the driver's log in local mode, the executor's on a cluster).
 *
 * <p>The ETA extrapolates the recent decay of log(error) down to the tolerance at the recent time per iteration,
 * capped by the iterations left. At most one line per {@code minIntervalMillis} per phase is written, plus the first
 * check of every phase.
 */
public final class LoggingIterationListener implements IterationListener, Serializable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LoggingIterationListener.class);

    private final double tolerance;
    private final long minIntervalNanos;

    private String phase;
    private long lastLogNanos;
    private int previousIteration;
    private double previousError;
    private long previousElapsed;

    /**
     * @param tolerance         the stopping threshold the errors are heading for (for the ETA)
     * @param minIntervalMillis least time between two lines of the same phase
     */
    public LoggingIterationListener(double tolerance, long minIntervalMillis) {
        this.tolerance = tolerance;
        this.minIntervalNanos = minIntervalMillis * 1_000_000L;
    }

    @Override
    public void onNote(String phase, String message) {
        LOG.info("{}: {}", phase, message);
    }

    @Override
    public void onCheck(String phase, int iteration, int maxIterations, double error, double epsilon,
                        long elapsedNanos) {
        boolean newPhase = !phase.equals(this.phase);
        if (newPhase) {
            this.phase = phase;
            previousIteration = 0;
            previousError = Double.NaN;
            previousElapsed = 0;
            lastLogNanos = Long.MIN_VALUE;
        }
        String eta = eta(iteration, maxIterations, error, elapsedNanos);
        previousIteration = iteration;
        previousError = error;
        previousElapsed = elapsedNanos;
        if (newPhase || elapsedNanos - lastLogNanos >= minIntervalNanos || iteration >= maxIterations) {
            lastLogNanos = elapsedNanos;
            if (LOG.isInfoEnabled()) {
                LOG.info(line(phase, iteration, maxIterations, error, epsilon, elapsedNanos, eta));
            }
        }
    }

    /** The log line (package-private for tests). */
    static String line(String phase, int iteration, int maxIterations, double error, double epsilon,
                       long elapsedNanos, String eta) {
        StringBuilder b = new StringBuilder(96);
        b.append('[').append(phase).append("] iter ").append(iteration).append('/').append(maxIterations)
                .append(" error ").append(String.format(Locale.ROOT, "%.1e", error));
        if (!Double.isNaN(epsilon)) {
            b.append(" eps ").append(String.format(Locale.ROOT, "%.3g", epsilon));
        }
        b.append(" elapsed ").append(seconds(elapsedNanos));
        if (eta != null) {
            b.append(" ETA ~").append(eta);
        }
        return b.toString();
    }

    /**
     * The ETA of this check, or null when there is no estimate: no decrease of the error since the previous check
     * (first check of a phase, a stalled or rising error). Extrapolating to the iteration cap there would print hours
     * for a solve that ends seconds later (GMRES reports once per restart cycle against a cap of thousands).
     */
    String eta(int iteration, int maxIterations, double error, long elapsedNanos) {
        int left = maxIterations - iteration;
        if (left <= 0 || iteration <= 0 || !(error > tolerance)) {
            return null;
        }
        if (!(previousIteration > 0 && iteration > previousIteration && previousError > 0 && error > 0
                && error < previousError)) {
            return null;
        }
        double ratePerIteration = (Math.log(previousError) - Math.log(error)) / (iteration - previousIteration);
        double remaining = Math.min(left, (Math.log(error) - Math.log(tolerance)) / ratePerIteration);
        double nanosPerIteration = previousIteration > 0 && iteration > previousIteration
                ? (double) (elapsedNanos - previousElapsed) / (iteration - previousIteration)
                : (double) elapsedNanos / iteration;
        return seconds((long) (remaining * nanosPerIteration));
    }

    static String seconds(long nanos) {
        double s = nanos / 1e9;
        if (s < 10) {
            return String.format(Locale.ROOT, "%.1fs", s);
        }
        if (s < 120) {
            return Math.round(s) + "s";
        }
        if (s < 7200) {
            return Math.round(s / 60) + "min";
        }
        return String.format(Locale.ROOT, "%.1fh", s / 3600);
    }
}
