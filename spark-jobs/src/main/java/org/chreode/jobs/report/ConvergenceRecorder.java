package org.chreode.jobs.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.chreode.kernels.common.IterationListener;

/**
 * An {@link IterationListener} that keeps the error at every convergence check, per phase (one Sinkhorn solve:
 * {@code "sinkhorn"}, {@code "proximal 1"}, ...; the fate solver's GMRES phases report a NaN epsilon), and passes
 * every check on to a delegate. Used inside the solve task; {@link #histories} becomes part of the diagnostics and
 * feeds the report's convergence curve. Not thread-safe across phases running at once (the kernels report from
 * one thread).
 */
public final class ConvergenceRecorder implements IterationListener {

    /** At most this many points are kept per phase in {@link #histories} (evenly thinned, last point kept). */
    public static final int MAX_POINTS = 500;

    private final IterationListener delegate;
    private final Map<String, Trace> traces = new LinkedHashMap<>();

    public ConvergenceRecorder(IterationListener delegate) {
        this.delegate = delegate == null ? IterationListener.NONE : delegate;
    }

    @Override
    public void onNote(String phase, String message) {
        delegate.onNote(phase, message);
    }

    @Override
    public synchronized void onCheck(String phase, int iteration, int maxIterations, double error, double epsilon,
                                     long elapsedNanos) {
        Trace t = traces.computeIfAbsent(phase, p -> new Trace());
        t.iterations.add(iteration);
        t.errors.add(error);
        t.epsilon = epsilon;
        delegate.onCheck(phase, iteration, maxIterations, error, epsilon, elapsedNanos);
    }

    /**
     * The recorded checks as plain JSON-ready maps, phase to {@code {"iterations": [...], "errors": [...],
     * "epsilon": e}} ({@code epsilon} null for phases without one), in the order the phases started.
     */
    public synchronized Map<String, Map<String, Object>> histories() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Map.Entry<String, Trace> e : traces.entrySet()) {
            Trace t = e.getValue();
            int n = t.errors.size();
            int step = Math.max(1, (n + MAX_POINTS - 1) / MAX_POINTS);
            List<Integer> iterations = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            for (int i = 0; i < n; i += step) {
                iterations.add(t.iterations.get(i));
                errors.add(finiteOrNull(t.errors.get(i)));
            }
            if (n > 0 && (n - 1) % step != 0) {
                iterations.add(t.iterations.get(n - 1));
                errors.add(finiteOrNull(t.errors.get(n - 1)));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("iterations", iterations);
            m.put("errors", errors);
            m.put("epsilon", finiteOrNull(t.epsilon));
            out.put(e.getKey(), m);
        }
        return out;
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static final class Trace {
        final List<Integer> iterations = new ArrayList<>();
        final List<Double> errors = new ArrayList<>();
        double epsilon = Double.NaN;
    }
}
