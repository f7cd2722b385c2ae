package org.chreode.jobs.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.chreode.jobs.io.AtomicOutput;
import org.chreode.kernels.snapshot.SnapshotResult;

/**
 * {@code report.html}: one self-contained page per snapshot run (inline CSS, every image a base64 PNG data URI, no
 * script, no external resource) with the key diagnostics (converged, sweeps, effective epsilon, fate-solver
 * residuals), the figures ({@code pseudotime.png}, {@code fates.png}), the convergence curve of every Sinkhorn
 * solve, a potency / outlier-probability histogram, the per-solve table, the run parameters, the input summary
 * and the timings. Everything comes from the run.json tree and the result; see docs/report.md.
 */
public final class SnapshotReport {

    public static final String REPORT_HTML = "report.html";

    private static final String CSS = """
            body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;\
            color:#222;padding:0 1em}
            h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;\
            margin-top:1.8em}
            .meta{color:#555;font-size:.92em}
            table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
            th,td{border:1px solid #ddd;padding:.3em .7em;text-align:left;vertical-align:top}
            th{background:#f4f4f4;font-weight:600}
            td.num{text-align:right;font-variant-numeric:tabular-nums}
            .ok{color:#1a7f37;font-weight:600}.bad{color:#b42318;font-weight:600}
            figure{margin:1em 0;display:inline-block;vertical-align:top}
            figure img{max-width:100%;border:1px solid #eee}
            figcaption{color:#555;font-size:.9em}
            pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
            """;

    private SnapshotReport() {
    }

    /**
     * Renders the report and writes it to {@value #REPORT_HTML} in the output.
     *
     * @param figures the snapshot figures already rendered (file name to PNG bytes), embedded in this order
     */
    public static void write(AtomicOutput out, SnapshotResult result, Map<String, Object> run,
                             Map<String, byte[]> figures) throws IOException {
        String html = render(result, run, figures);
        try (OutputStream s = out.create(REPORT_HTML)) {
            s.write(html.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The report page. */
    public static String render(SnapshotResult result, Map<String, Object> run, Map<String, byte[]> figures)
            throws IOException {
        Map<String, Object> diagnostics = map(run.get("diagnostics"));
        Map<String, Object> parameters = map(run.get("parameters"));
        Map<String, Object> input = map(run.get("input"));
        StringBuilder h = new StringBuilder(256 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>chreode ").append(esc(String.valueOf(run.getOrDefault("command", "snapshot"))))
                .append(" report</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        h.append("<h1>chreode ").append(esc(String.valueOf(run.getOrDefault("command", "snapshot"))))
                .append(" report</h1>\n<p class=\"meta\">chreode ").append(esc(str(run.get("chreode_version"))))
                .append(" &middot; input <code>").append(esc(str(input.get("path")))).append("</code> (")
                .append(esc(str(input.get("cells")))).append(" cells &times; ").append(esc(str(input.get("features"))))
                .append(" features) &middot; output <code>").append(esc(str(map(run.get("output")).get("path"))))
                .append("</code> &middot; Spark ").append(esc(str(map(run.get("spark")).get("version"))))
                .append(" on <code>").append(esc(str(map(run.get("spark")).get("master")))).append("</code></p>\n");

        h.append("<h2>Summary</h2>\n");
        table(h, summary(diagnostics, result));

        h.append("<h2>Figures</h2>\n");
        for (Map.Entry<String, byte[]> f : figures.entrySet()) {
            figure(h, f.getValue(), f.getKey(), caption(f.getKey()));
        }
        Map<String, double[]> samples = new LinkedHashMap<>();
        samples.put("potency (fate entropy, nats)", result.potency());
        if (result.pUnknown() != null) {
            samples.put("p_unknown (outlier probability)", result.pUnknown());
        }
        byte[] histogram = ReportCharts.histogramPng(result.pUnknown() == null ? "Potency"
                : "Potency and outlier probability", samples);
        if (histogram != null) {
            figure(h, histogram, "potency histogram", "Distribution of potency (entropy of the fate distribution)"
                    + (result.pUnknown() == null ? "" : " and of the outlier probability p_unknown") + " over cells.");
        }

        h.append("<h2>Convergence</h2>\n");
        Double tolerance = parameters.get("tolerance") instanceof Number n ? n.doubleValue() : null;
        byte[] convergence = ReportCharts.convergencePng(traces(diagnostics), tolerance);
        if (convergence != null) {
            figure(h, convergence, "convergence curve", "Error at every convergence check of each Sinkhorn solve "
                    + "(the plain solve, then each proximal-point solve), log scale; grey: the tolerance.");
        } else {
            h.append("<p>No iterative solve recorded an error history (method ")
                    .append(esc(str(diagnostics.get("method")))).append(").</p>\n");
        }
        List<Map<String, Object>> solves = new ArrayList<>();
        if (diagnostics.get("solves") instanceof List<?> list) {
            for (Object o : list) {
                solves.add(map(o));
            }
        }
        if (!solves.isEmpty()) {
            String[] columns = {"phase", "status", "sweeps", "checks", "epsilon", "max_dual_step", "infeasibility",
                "seconds"};
            h.append("<table>\n<tr>");
            for (String c : columns) {
                h.append("<th>").append(esc(c)).append("</th>");
            }
            h.append("</tr>\n");
            for (Map<String, Object> s : solves) {
                h.append("<tr>");
                for (String c : columns) {
                    cell(h, s.get(c));
                }
                h.append("</tr>\n");
            }
            h.append("</table>\n");
        }

        h.append("<h2>Parameters</h2>\n");
        table(h, parameters);
        h.append("<h2>Input</h2>\n");
        Map<String, Object> in = new LinkedHashMap<>(input);
        in.remove("feature_names");
        table(h, in);
        if (input.get("feature_names") != null) {
            h.append("<p class=\"meta\">features: ").append(esc(str(input.get("feature_names")))).append("</p>\n");
        }
        h.append("<h2>Timings (seconds)</h2>\n");
        table(h, map(run.get("timings_seconds")));
        if (!map(diagnostics.get("timings")).isEmpty()) {
            h.append("<p class=\"meta\">solver phases:</p>\n");
            table(h, map(diagnostics.get("timings")));
        }
        if (!map(run.get("memory")).isEmpty()) {
            h.append("<h2>Memory</h2>\n");
            table(h, map(run.get("memory")));
        }
        h.append("<h2>Command line</h2>\n<pre>")
                .append(esc(run.get("command_line") instanceof List<?> l && !l.isEmpty()
                        ? String.join(" ", l.stream().map(String::valueOf).toList()) : "(not recorded)"))
                .append("</pre>\n<p class=\"meta\">Java ").append(esc(str(run.get("java_version"))))
                .append(" &middot; Spark application ").append(esc(str(map(run.get("spark")).get("app_id"))))
                .append(" &middot; the full record is in run.json next to this file.</p>\n</body>\n</html>\n");
        return h.toString();
    }

    /** The key diagnostics, those present for the method. */
    static Map<String, Object> summary(Map<String, Object> d, SnapshotResult result) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("method", d.get("method"));
        s.put("converged", d.get("converged"));
        putIf(s, "sweeps (all solves)", d.get("total_sweeps"));
        putIf(s, "convergence checks", d.get("total_checks"));
        putIf(s, "proximal iterations", d.get("proximal_iterations"));
        putIf(s, "epsilon", d.get("epsilon"));
        putIf(s, "epsilon effective", d.get("epsilon_effective"));
        putIf(s, "cost scale", d.get("cost_scale"));
        putIf(s, "cost of transport", d.get("cost_of_transport"));
        putIf(s, "kernel", d.get("kernel_precision") == null ? null
                : d.get("kernel_precision") + ", " + bytes(d.get("kernel_bytes")));
        Map<String, Object> fate = map(d.get("fate_solver"));
        if (!fate.isEmpty()) {
            putIf(s, "fate solver", fate.get("method"));
            putIf(s, "fate solver iterations", fate.get("iterations"));
            putIf(s, "fate solver relative residuals", fate.get("relative_residuals"));
        }
        s.put("cells", result.cellIds().length);
        s.put("fates", String.join(", ", result.fateLabels()));
        return s;
    }

    /** The error traces of the Sinkhorn solves: per-solve histories first, else top-level ones with an epsilon. */
    static List<ReportCharts.Trace> traces(Map<String, Object> diagnostics) {
        List<ReportCharts.Trace> traces = new ArrayList<>();
        if (diagnostics.get("solves") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> solve = map(o);
                ReportCharts.Trace t = trace(str(solve.get("phase")), map(solve.get("error_history")));
                if (t != null) {
                    traces.add(t);
                }
            }
        }
        if (traces.isEmpty()) {
            for (Map.Entry<String, Object> e : map(diagnostics.get("error_history")).entrySet()) {
                Map<String, Object> h = map(e.getValue());
                if (h.get("epsilon") != null) {
                    ReportCharts.Trace t = trace(e.getKey(), h);
                    if (t != null) {
                        traces.add(t);
                    }
                }
            }
        }
        return traces;
    }

    private static ReportCharts.Trace trace(String name, Map<String, Object> history) {
        if (!(history.get("iterations") instanceof List<?> its) || !(history.get("errors") instanceof List<?> errs)
                || its.size() != errs.size() || its.isEmpty()) {
            return null;
        }
        List<Integer> iterations = new ArrayList<>();
        List<Double> errors = new ArrayList<>();
        for (int i = 0; i < its.size(); i++) {
            iterations.add(((Number) its.get(i)).intValue());
            errors.add(errs.get(i) instanceof Number n ? n.doubleValue() : null);
        }
        return new ReportCharts.Trace(name, iterations, errors);
    }

    private static String caption(String file) {
        return switch (file) {
            case SnapshotFigures.PSEUDOTIME_PNG -> "pseudotime.png: cells coloured by pseudotime.";
            case SnapshotFigures.FATES_PNG -> "fates.png: cells coloured by their dominant fate, faded toward white"
                    + " when uncertain (outliers black).";
            default -> file;
        };
    }

    private static void figure(StringBuilder h, byte[] png, String alt, String caption) {
        h.append("<figure><img src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
                .append("\" alt=\"").append(esc(alt)).append("\"><figcaption>").append(esc(caption))
                .append("</figcaption></figure>\n");
    }

    private static void table(StringBuilder h, Map<String, Object> rows) {
        h.append("<table>\n");
        for (Map.Entry<String, Object> e : rows.entrySet()) {
            h.append("<tr><th>").append(esc(e.getKey())).append("</th>");
            cell(h, e.getValue());
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void cell(StringBuilder h, Object v) {
        if (v instanceof Boolean b) {
            h.append("<td class=\"").append(b ? "ok" : "bad").append("\">").append(b).append("</td>");
        } else if (v instanceof Number) {
            h.append("<td class=\"num\">").append(esc(str(v))).append("</td>");
        } else {
            h.append("<td>").append(esc(str(v))).append("</td>");
        }
    }

    private static void putIf(Map<String, Object> m, String key, Object v) {
        if (v != null) {
            m.put(key, v);
        }
    }

    /** A value as text: numbers with 6 significant digits, lists and maps flattened. */
    static String str(Object v) {
        if (v == null) {
            return "—";
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (!Double.isFinite(d)) {
                return String.valueOf(d);
            }
            return d != 0 && (Math.abs(d) >= 1e6 || Math.abs(d) < 1e-3)
                    ? String.format(Locale.ROOT, "%.4e", d) : String.format(Locale.ROOT, "%.6g", d).replaceAll(
                            "(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
        }
        if (v instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            for (Object o : list) {
                parts.add(str(o));
            }
            return "[" + String.join(", ", parts) + "]";
        }
        if (v instanceof Map<?, ?> m) {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                parts.add(e.getKey() + ": " + str(e.getValue()));
            }
            return "{" + String.join(", ", parts) + "}";
        }
        return String.valueOf(v);
    }

    private static String bytes(Object v) {
        if (!(v instanceof Number n)) {
            return str(v);
        }
        double b = n.doubleValue();
        return b >= 1 << 30 ? String.format(Locale.ROOT, "%.2f GiB", b / (1 << 30))
                : String.format(Locale.ROOT, "%.1f MiB", b / (1 << 20));
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }
}
