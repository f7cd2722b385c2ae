package org.chreode.jobs.report;

import java.awt.Color;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's extra charts, rendered headless with XChart to PNG bytes: the convergence curve of every Sinkhorn
 * solve (error against sweep, log-scale y) and the histogram of potency and outlier probability.
 */
public final class ReportCharts {

    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;
    /** Bins of the potency / p_unknown histogram over [0, 1]. */
    public static final int BINS = 20;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private ReportCharts() {
    }

    /** One error trace: a name and (iteration, error) pairs. */
    public record Trace(String name, List<Integer> iterations, List<Double> errors) {
    }

    /**
     * Error against iteration for each trace, log-scale y; non-finite and non-positive errors are left out.
     * Returns null when no trace has a point to draw.
     */
    public static byte[] convergencePng(List<Trace> traces, Double tolerance) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Convergence of the Sinkhorn solves")
                .xAxisTitle("sweep").yAxisTitle("error (max dual step + infeasibility)").build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        int drawn = 0;
        double xMin = Double.POSITIVE_INFINITY;
        double xMax = Double.NEGATIVE_INFINITY;
        for (Trace t : traces) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int i = 0; i < t.errors().size(); i++) {
                Double e = t.errors().get(i);
                if (e != null && Double.isFinite(e) && e > 0) {
                    x.add(t.iterations().get(i).doubleValue());
                    y.add(e);
                }
            }
            if (x.isEmpty()) {
                continue;
            }
            xMin = Math.min(xMin, x.get(0));
            xMax = Math.max(xMax, x.get(x.size() - 1));
            XYSeries s = chart.addSeries(t.name(), x, y);
            s.setMarker(x.size() == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            drawn++;
        }
        if (drawn == 0) {
            return null;
        }
        if (tolerance != null && tolerance > 0 && Double.isFinite(tolerance)) {
            XYSeries tol = chart.addSeries("tolerance", new double[] {xMin, Math.max(xMax, xMin + 1)},
                    new double[] {tolerance, tolerance});
            tol.setMarker(SeriesMarkers.NONE);
            tol.setLineColor(Color.GRAY);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * Histogram of each named sample (e.g. potency in nats, p_unknown) on shared bins over [0, max(1, largest
     * value)]; NaN values are left out. Returns null when no sample has a finite value.
     */
    public static byte[] histogramPng(String title, Map<String, double[]> samples) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("value (bin centre)").yAxisTitle("cells").build();
        style(chart.getStyler());
        chart.getStyler().setOverlapped(true);
        chart.getStyler().setXAxisLabelRotation(45);
        double hi = 1;
        for (double[] values : samples.values()) {
            for (double v : values == null ? new double[0] : values) {
                if (Double.isFinite(v)) {
                    hi = Math.max(hi, v);
                }
            }
        }
        List<String> centres = new ArrayList<>();
        for (int b = 0; b < BINS; b++) {
            centres.add(String.format(Locale.ROOT, "%.3f", (b + 0.5) / BINS * hi));
        }
        int drawn = 0;
        for (Map.Entry<String, double[]> e : samples.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            List<Integer> counts = new ArrayList<>();
            for (int b = 0; b < BINS; b++) {
                counts.add(0);
            }
            int finite = 0;
            for (double v : e.getValue()) {
                if (!Double.isFinite(v)) {
                    continue;
                }
                int b = (int) Math.floor(Math.min(1, Math.max(0, v / hi)) * BINS);
                b = Math.min(BINS - 1, b);
                counts.set(b, counts.get(b) + 1);
                finite++;
            }
            if (finite == 0) {
                continue;
            }
            chart.addSeries(e.getKey(), centres, counts);
            drawn++;
        }
        if (drawn == 0) {
            return null;
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
    }
}
