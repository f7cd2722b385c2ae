package org.chreode.jobs.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.util.List;

import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The HM-OT differentiation map as a layered drawing, rendered headless with XChart to PNG bytes: x = time point
 * (in order), y = latent type, one dot per (time, type) node with its label, and one line per kept transition edge
 * whose width grows with the edge's mass (1 to {@value #MAX_EDGE_WIDTH} px, proportional to weight / largest weight).
 */
public final class DifferentiationMapChart {

    /** Width in pixels of the heaviest edge. */
    public static final float MAX_EDGE_WIDTH = 16f;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private DifferentiationMapChart() {
    }

    /** A node: its layer (time index), row (type index), and the text drawn next to it. */
    public record Node(int layer, int row, String label) {
    }

    /** An edge between two nodes (indices into the node list) with its mass. */
    public record Edge(int source, int target, double weight) {
    }

    /**
     * The PNG of the map.
     *
     * @param timeLabels one label per layer (the time points)
     * @param nodes      every node
     * @param edges      the edges to draw (already thresholded); the widest is the heaviest
     */
    public static byte[] png(List<String> timeLabels, List<Node> nodes, List<Edge> edges) throws IOException {
        XYChart chart = new XYChartBuilder().width(ReportCharts.WIDTH).height(ReportCharts.HEIGHT)
                .title("HM-OT differentiation map (edge width ∝ transition mass)").xAxisTitle("time point index ("
                        + String.join(", ", timeLabels) + ")").yAxisTitle("latent type").build();
        Styler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setLegendVisible(false);
        styler.setMarkerSize(14);
        int maxRow = 0;
        for (Node n : nodes) {
            maxRow = Math.max(maxRow, n.row());
        }
        chart.getStyler().setXAxisMin(-0.3);
        chart.getStyler().setXAxisMax(timeLabels.size() - 0.7);
        chart.getStyler().setYAxisMin(-0.5);
        chart.getStyler().setYAxisMax(maxRow + 0.5);
        double heaviest = 0;
        for (Edge e : edges) {
            heaviest = Math.max(heaviest, e.weight());
        }
        int k = 0;
        for (Edge e : edges) {
            Node s = nodes.get(e.source());
            Node t = nodes.get(e.target());
            XYSeries line = chart.addSeries("edge " + (k++), new double[] {s.layer(), t.layer()},
                    new double[] {s.row(), t.row()});
            line.setMarker(SeriesMarkers.NONE);
            line.setLineColor(new Color(70, 110, 180, 170));
            float width = heaviest > 0 ? (float) Math.max(1, MAX_EDGE_WIDTH * e.weight() / heaviest) : 1f;
            line.setLineStyle(new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        }
        double[] x = new double[nodes.size()];
        double[] y = new double[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            x[i] = nodes.get(i).layer();
            y[i] = nodes.get(i).row();
            chart.addAnnotation(new AnnotationText(nodes.get(i).label(), x[i] + 0.08, y[i] + 0.18, false));
        }
        XYSeries dots = chart.addSeries("nodes", x, y);
        dots.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        dots.setMarker(SeriesMarkers.CIRCLE);
        dots.setMarkerColor(new Color(200, 60, 40));
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }
}
