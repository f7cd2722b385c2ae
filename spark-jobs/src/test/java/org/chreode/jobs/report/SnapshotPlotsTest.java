package org.chreode.jobs.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotPlotsTest {

    @TempDir
    Path dir;

    /** Three noisy arms from the origin, with fates and a pseudotime along each arm. */
    private static final int N = 3000;
    private static final double[][] XY = new double[N][2];
    private static final double[] PSEUDOTIME = new double[N];
    private static final double[][] FATES = new double[N][3];
    private static final double[] P_UNKNOWN = new double[N];

    static {
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < N; i++) {
            int arm = i % 3;
            double t = rng.nextDouble();
            double angle = 2 * Math.PI * arm / 3;
            XY[i][0] = t * Math.cos(angle) + 0.05 * rng.nextGaussian();
            XY[i][1] = t * Math.sin(angle) + 0.05 * rng.nextGaussian();
            PSEUDOTIME[i] = i % 100 == 0 ? Double.NaN : t;
            for (int k = 0; k < 3; k++) {
                FATES[i][k] = (1 - t) / 3 + (k == arm ? t : 0);
            }
            P_UNKNOWN[i] = i % 50 == 0 ? 0.9 : 0;
        }
    }

    @Test
    void pseudotimePlotIsARealImage() throws IOException {
        Path png = dir.resolve("pseudotime.png");
        SnapshotPlots.writePseudotimePlot(png, XY, PSEUDOTIME, "pseudotime");
        assertPlot(png, 8);
    }

    @Test
    void fatePlotIsARealImageWithBlackOutliers() throws IOException {
        Path png = dir.resolve("fates.png");
        SnapshotPlots.writeFatePlot(png, XY, new String[] {"F1", "F2", "F3"}, FATES, P_UNKNOWN, "fates");
        BufferedImage image = assertPlot(png, 8);
        Path without = dir.resolve("fates-no-unknown.png");
        SnapshotPlots.writeFatePlot(without, XY, new String[] {"F1", "F2", "F3"}, FATES, null, "fates");
        assertPlot(without, 8);
        assertNotNull(image);
    }

    @Test
    void plotsReplaceAnExistingFileAndLeaveNoTemporaryFiles() throws IOException {
        Path png = dir.resolve("pseudotime.png");
        Files.writeString(png, "old");
        SnapshotPlots.writePseudotimePlot(png, XY, PSEUDOTIME, "again");
        assertPlot(png, 8);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void manyPointsAreSubsampledAndStillDrawn() throws IOException {
        int n = SnapshotPlots.MAX_DRAWN_POINTS + 20_000;
        double[][] xy = new double[n][];
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            xy[i] = XY[i % N];
            t[i] = PSEUDOTIME[i % N];
        }
        Path png = dir.resolve("big.png");
        SnapshotPlots.writePseudotimePlot(png, xy, t, "big");
        assertPlot(png, 8);
    }

    @Test
    void mismatchedLengthsAreRejected() {
        assertThrows(InvalidInputException.class,
                () -> SnapshotPlots.writePseudotimePlot(dir.resolve("x.png"), XY, new double[5], "x"));
        assertThrows(InvalidInputException.class, () -> SnapshotPlots.writeFatePlot(dir.resolve("x.png"), XY,
                new String[] {"F1", "F2", "F3"}, FATES, new double[5], "x"));
    }

    @Test
    void projectionOfTwoDimensionalInputIsTheIdentity() {
        double[][] xy = SnapshotPlots.projection2d(XY);
        for (int i = 0; i < N; i++) {
            assertArrayEquals(XY[i], xy[i], 0);
        }
    }

    @Test
    void projectionOfALineInFiveDimensionsRecoversTheLine() {
        double[] u = {0.1, -0.7, 0.2, 0.5, 0.3};
        double norm = Math.sqrt(0.01 + 0.49 + 0.04 + 0.25 + 0.09);
        double[] c = {1, 2, 3, 4, 5};
        int n = 200;
        double[] t = new double[n];
        double[][] f = new double[n][5];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            t[i] = rng.nextDouble() * 10 - 5;
            for (int j = 0; j < 5; j++) {
                f[i][j] = c[j] + t[i] * u[j];
            }
        }
        double[][] xy = SnapshotPlots.projection2d(f);
        double meanT = java.util.Arrays.stream(t).sum() / n;
        for (int i = 0; i < n; i++) {
            // largest loading (-0.7) is made positive, so the first axis runs along -u
            assertEquals(-(t[i] - meanT) * norm, xy[i][0], 1e-9);
            assertEquals(0, xy[i][1], 1e-9);
        }
    }

    @Test
    void projectionFindsThePlaneOfPlanarData() {
        // a plane spanned by e1 + e2 and e3 in 6-D, with much more spread along the first direction
        SplittableRandom rng = new SplittableRandom(5);
        int n = 500;
        double[][] f = new double[n][6];
        double[] a = new double[n];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 3 * rng.nextGaussian();
            b[i] = rng.nextGaussian();
            f[i][0] = a[i] / Math.sqrt(2);
            f[i][1] = a[i] / Math.sqrt(2);
            f[i][2] = b[i];
        }
        double[][] xy = SnapshotPlots.projection2d(f);
        double[][] again = SnapshotPlots.projection2d(f);
        double ssA = 0;
        double ssB = 0;
        for (int i = 0; i < n; i++) {
            ssA += xy[i][0] * xy[i][0];
            ssB += xy[i][1] * xy[i][1];
            assertArrayEquals(again[i], xy[i], 0);
        }
        double varA = java.util.Arrays.stream(a).map(x -> x * x).sum();
        double varB = java.util.Arrays.stream(b).map(x -> x * x).sum();
        assertEquals(varA, ssA, 0.05 * varA);
        assertEquals(varB, ssB, 0.05 * varB);
    }

    private static BufferedImage assertPlot(Path png, int minColours) throws IOException {
        assertTrue(Files.isRegularFile(png));
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not a readable image");
        assertEquals(SnapshotPlots.WIDTH, image.getWidth());
        assertEquals(SnapshotPlots.HEIGHT, image.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertTrue(colours.size() >= minColours, "only " + colours.size() + " colours");
        return image;
    }
}
