package org.chreode.jobs.report;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.metrics.FateMetrics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The snapshot plots of CONTRACT.md ({@code pseudotime.png}, {@code fates.png}): scatter plots of the cells on a
 * 2-D view, drawn headless with XChart. No Spark needed. Each file is written to a temporary file in the target
 * directory and then moved into place, so a reader never sees half a PNG.
 *
 * @since 0.1
 */
public final class SnapshotPlots {
    /** Image size in pixels. */
    public static final int WIDTH = 800;
    public static final int HEIGHT = 600;
    /** Above this many cells, a deterministic, evenly spaced subset is drawn. */
    public static final int MAX_DRAWN_POINTS = 50_000;
    /** Colour bins of the pseudotime ramp. */
    public static final int PSEUDOTIME_BINS = 12;
    /** Certainty levels of the fate plot (colours blended toward white for uncertain cells). */
    public static final int CERTAINTY_LEVELS = 4;
    /** Cells with p_unknown above this are drawn black as outliers. */
    public static final double OUTLIER_THRESHOLD = 0.5;

    private static final int MARKER_SIZE = 4;
    private static final int POWER_ITERATIONS = 1000;
    private static final double POWER_TOLERANCE = 1e-12;
    private static final Color NAN_GREY = new Color(0xB0B0B0);
    /** Viridis at 0, 1/8, ..., 1 (interpolated linearly in between). */
    private static final int[] VIRIDIS = {0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21918C, 0x28AE80, 0x5EC962,
        0xADDC30, 0xFDE725};
    /** Tableau 10; further fates get evenly spaced hues. */
    private static final int[] CATEGORICAL = {0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2,
        0x7F7F7F, 0xBCBD22, 0x17BECF};

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private SnapshotPlots() {
    }

    /**
     * A 2-D view of the cells: the first two features when there are exactly two, otherwise the scores on the top
     * two principal components (power iteration with deflation on the d×d covariance of the centred features;
     * each axis is signed so that its largest loading is positive, which makes the view deterministic). With a
     * single feature the second coordinate is 0.
     *
     * @param features N x d, row-major
     * @return N x 2 coordinates (a new array)
     */
    public static double[][] projection2d(double[][] features) {
        int n = features.length;
        int d = n == 0 ? 0 : features[0].length;
        double[][] xy = new double[n][2];
        if (d <= 2) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    xy[i][j] = features[i][j];
                }
            }
            return xy;
        }
        double[] mean = new double[d];
        for (double[] row : features) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / n;
            }
        }
        double[][] cov = new double[d][d];
        double[] centred = new double[d];
        for (double[] row : features) {
            for (int j = 0; j < d; j++) {
                centred[j] = row[j] - mean[j];
            }
            for (int a = 0; a < d; a++) {
                double ca = centred[a];
                for (int b = a; b < d; b++) {
                    cov[a][b] += ca * centred[b];
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = a; b < d; b++) {
                cov[b][a] = cov[a][b];
            }
        }
        double[] first = topEigenvector(cov, null);
        double lambda = quadraticForm(cov, first);
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                cov[a][b] -= lambda * first[a] * first[b];
            }
        }
        double[] second = topEigenvector(cov, first);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double c = features[i][j] - mean[j];
                xy[i][0] += c * first[j];
                xy[i][1] += c * second[j];
            }
        }
        return xy;
    }

    /**
     * Scatter plot coloured by pseudotime: a viridis ramp in {@value #PSEUDOTIME_BINS} bins between the smallest
     * and largest finite value (one legend entry per occupied bin), NaN pseudotimes in grey.
     */
    public static void writePseudotimePlot(Path png, double[][] xy, double[] pseudotime, String title) {
        requireRows("pseudotime", pseudotime.length, xy.length);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double t : pseudotime) {
            if (Double.isFinite(t)) {
                lo = Math.min(lo, t);
                hi = Math.max(hi, t);
            }
        }
        double span = hi > lo ? hi - lo : 1;
        int[] drawn = drawnRows(xy.length);
        List<Group> groups = new ArrayList<>();
        for (int b = 0; b < PSEUDOTIME_BINS; b++) {
            double from = lo + span * b / PSEUDOTIME_BINS;
            double to = lo + span * (b + 1) / PSEUDOTIME_BINS;
            String name = String.format(Locale.ROOT, "%.2f - %.2f", from, to);
            groups.add(new Group(name, ramp((b + 0.5) / PSEUDOTIME_BINS), true));
        }
        Group nan = new Group("NaN", NAN_GREY, true);
        for (int i : drawn) {
            double t = pseudotime[i];
            if (!Double.isFinite(t)) {
                nan.add(xy[i]);
            } else {
                int b = (int) Math.min(PSEUDOTIME_BINS - 1, Math.floor((t - lo) / span * PSEUDOTIME_BINS));
                groups.get(b).add(xy[i]);
            }
        }
        groups.add(0, nan);
        write(png, title, groups);
    }

    /**
     * Scatter plot coloured by the dominant fate (one legend entry per fate). Each cell's colour is blended toward
     * white by its uncertainty: with certainty c = 1 − H(p)/ln K (H the entropy, {@link FateMetrics#entropy}),
     * quantised to {@value #CERTAINTY_LEVELS} levels, the fate colour is kept with weight 0.25 + 0.75·c. Cells with
     * {@code pUnknown} &gt; {@value #OUTLIER_THRESHOLD} are drawn black.
     *
     * @param fateLabels        K labels, the columns of {@code fateProbabilities}
     * @param fateProbabilities N x K
     * @param pUnknown          probability of the outlier fate per cell, or null
     */
    public static void writeFatePlot(Path png, double[][] xy, String[] fateLabels, double[][] fateProbabilities,
                                     double[] pUnknown, String title) {
        requireRows("fate probabilities", fateProbabilities.length, xy.length);
        if (pUnknown != null) {
            requireRows("p_unknown", pUnknown.length, xy.length);
        }
        int k = fateLabels.length;
        double maxEntropy = k > 1 ? Math.log(k) : 1;
        List<Group> groups = new ArrayList<>();
        // faded levels first so that confident cells are drawn on top; the legend shows the full colour
        for (int level = 0; level < CERTAINTY_LEVELS; level++) {
            double weight = 0.25 + 0.75 * level / (CERTAINTY_LEVELS - 1);
            boolean legend = level == CERTAINTY_LEVELS - 1;
            for (int f = 0; f < k; f++) {
                groups.add(new Group(legend ? fateLabels[f] : fateLabels[f] + " (" + level + ")",
                        blendWithWhite(fateColour(f, k), weight), legend));
            }
        }
        Group outliers = new Group("p_unknown > " + OUTLIER_THRESHOLD, Color.BLACK, true);
        for (int i : drawnRows(xy.length)) {
            if (pUnknown != null && pUnknown[i] > OUTLIER_THRESHOLD) {
                outliers.add(xy[i]);
                continue;
            }
            double[] p = fateProbabilities[i];
            if (p.length != k) {
                throw new InvalidInputException("Fate probabilities of row " + i + " have " + p.length
                        + " columns for " + k + " fate labels.");
            }
            double h = FateMetrics.entropy(p);
            double certainty = Double.isNaN(h) ? 0 : Math.max(0, Math.min(1, 1 - h / maxEntropy));
            int level = (int) Math.min(CERTAINTY_LEVELS - 1, Math.floor(certainty * CERTAINTY_LEVELS));
            groups.get(level * k + FateMetrics.argmax(p)).add(xy[i]);
        }
        groups.add(outliers);
        write(png, title, groups);
    }

    /** Points of one colour: one XChart series. */
    private static final class Group {
        final String name;
        final Color colour;
        final boolean inLegend;
        final List<double[]> points = new ArrayList<>();

        Group(String name, Color colour, boolean inLegend) {
            this.name = name;
            this.colour = colour;
            this.inLegend = inLegend;
        }

        void add(double[] point) {
            points.add(point);
        }
    }

    private static void write(Path png, String title, List<Group> groups) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("component 1").yAxisTitle("component 2").build();
        Styler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(MARKER_SIZE);
        chart.getStyler().setPlotGridLinesVisible(false);
        for (Group g : groups) {
            if (g.points.isEmpty()) {
                continue;
            }
            double[] x = new double[g.points.size()];
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = g.points.get(i)[0];
                y[i] = g.points.get(i)[1];
            }
            XYSeries series = chart.addSeries(g.name, x, y);
            series.setMarker(SeriesMarkers.CIRCLE);
            series.setMarkerColor(g.colour);
            series.setShowInLegend(g.inLegend);
        }
        writeAtomically(png, chart);
    }

    private static void writeAtomically(Path png, XYChart chart) {
        Path target = png.toAbsolutePath();
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write plot " + target + ": " + e.getMessage(), e);
        }
    }

    /** All rows, or an evenly spaced deterministic subset of {@value #MAX_DRAWN_POINTS} rows. */
    private static int[] drawnRows(int n) {
        int m = Math.min(n, MAX_DRAWN_POINTS);
        int[] rows = new int[m];
        for (int j = 0; j < m; j++) {
            rows[j] = (int) ((long) j * n / m);
        }
        return rows;
    }

    private static void requireRows(String what, int actual, int expected) {
        if (actual != expected) {
            throw new InvalidInputException("Cannot plot " + what + " for " + actual + " cells against " + expected
                    + " coordinates.");
        }
    }

    /** Unit eigenvector of the largest eigenvalue of symmetric {@code a}, orthogonal to {@code avoid} if given. */
    private static double[] topEigenvector(double[][] a, double[] avoid) {
        int d = a.length;
        // start from the column with the largest diagonal entry: not orthogonal to the top eigenvector unless a
        // is degenerate, and the same on every run
        int start = 0;
        for (int j = 1; j < d; j++) {
            if (a[j][j] > a[start][start]) {
                start = j;
            }
        }
        double[] v = new double[d];
        for (int j = 0; j < d; j++) {
            v[j] = a[j][start] + (j == start ? 1e-9 : 0);
        }
        orthonormalise(v, avoid);
        for (int it = 0; it < POWER_ITERATIONS; it++) {
            double[] w = new double[d];
            for (int r = 0; r < d; r++) {
                double s = 0;
                for (int c = 0; c < d; c++) {
                    s += a[r][c] * v[c];
                }
                w[r] = s;
            }
            if (!orthonormalise(w, avoid)) {
                break;
            }
            double change = 0;
            for (int j = 0; j < d; j++) {
                change = Math.max(change, Math.abs(w[j] - v[j]));
            }
            v = w;
            if (change < POWER_TOLERANCE) {
                break;
            }
        }
        int largest = 0;
        for (int j = 1; j < d; j++) {
            if (Math.abs(v[j]) > Math.abs(v[largest])) {
                largest = j;
            }
        }
        if (v[largest] < 0) {
            for (int j = 0; j < d; j++) {
                v[j] = -v[j];
            }
        }
        return v;
    }

    /** Removes the component along {@code avoid} and normalises; false (v unchanged in norm) if v vanishes. */
    private static boolean orthonormalise(double[] v, double[] avoid) {
        if (avoid != null) {
            double dot = 0;
            for (int j = 0; j < v.length; j++) {
                dot += v[j] * avoid[j];
            }
            for (int j = 0; j < v.length; j++) {
                v[j] -= dot * avoid[j];
            }
        }
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        if (!(norm > 0)) {
            return false;
        }
        for (int j = 0; j < v.length; j++) {
            v[j] /= norm;
        }
        return true;
    }

    private static double quadraticForm(double[][] a, double[] v) {
        double s = 0;
        for (int r = 0; r < a.length; r++) {
            for (int c = 0; c < a.length; c++) {
                s += v[r] * a[r][c] * v[c];
            }
        }
        return s;
    }

    /** Viridis at t in [0, 1]. */
    static Color ramp(double t) {
        double pos = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1);
        int i = (int) Math.min(VIRIDIS.length - 2, Math.floor(pos));
        double f = pos - i;
        Color a = new Color(VIRIDIS[i]);
        Color b = new Color(VIRIDIS[i + 1]);
        return new Color(mixChannel(a.getRed(), b.getRed(), f), mixChannel(a.getGreen(), b.getGreen(), f),
                mixChannel(a.getBlue(), b.getBlue(), f));
    }

    static Color fateColour(int f, int k) {
        if (k <= CATEGORICAL.length) {
            return new Color(CATEGORICAL[f]);
        }
        return Color.getHSBColor((float) f / k, 0.75f, 0.85f);
    }

    /** weight·colour + (1 − weight)·white. */
    static Color blendWithWhite(Color c, double weight) {
        return new Color(mixChannel(255, c.getRed(), weight), mixChannel(255, c.getGreen(), weight),
                mixChannel(255, c.getBlue(), weight));
    }

    private static int mixChannel(int from, int to, double f) {
        return (int) Math.round(from + (to - from) * f);
    }
}
