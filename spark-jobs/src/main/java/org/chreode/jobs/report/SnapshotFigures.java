package org.chreode.jobs.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.chreode.jobs.io.AtomicOutput;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.chreode.kernels.snapshot.SnapshotResult;

/**
 * Writes the snapshot figures into an output directory (CONTRACT.md: {@code pseudotime.png}, {@code fates.png}) on
 * a 2-D view of the features: the features themselves when there are two, else their top two principal components.
 * Images are rendered to a local temporary file and streamed into the (possibly remote) output.
 */
public final class SnapshotFigures {

    public static final String PSEUDOTIME_PNG = "pseudotime.png";
    public static final String FATES_PNG = "fates.png";

    private SnapshotFigures() {
    }

    /** Writes the figures; returns the file names written. The pseudotime figure is skipped when no cell has one. */
    public static List<String> write(AtomicOutput out, SnapshotInput input, SnapshotResult result) throws IOException {
        return write(out, render(input, result));
    }

    /** Writes figures rendered by {@link #render}; returns the file names written. */
    public static List<String> write(AtomicOutput out, Map<String, byte[]> figures) throws IOException {
        List<String> written = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : figures.entrySet()) {
            try (OutputStream s = out.create(f.getKey())) {
                s.write(f.getValue());
            }
            written.add(f.getKey());
        }
        return written;
    }

    /**
     * Renders the figures to PNG bytes, file name to bytes in write order (also embedded in report.html). The
     * pseudotime figure is skipped when no cell has one.
     */
    public static Map<String, byte[]> render(SnapshotInput input, SnapshotResult result) throws IOException {
        double[][] xy = SnapshotPlots.projection2d(input.features());
        String view = input.dimension() == 2 ? "features " + input.featureNames()[0] + ", " + input.featureNames()[1]
                : "top two principal components of " + input.dimension() + " features";
        Map<String, byte[]> figures = new LinkedHashMap<>();
        if (java.util.Arrays.stream(result.pseudotime()).anyMatch(Double::isFinite)) {
            figures.put(PSEUDOTIME_PNG, bytes(PSEUDOTIME_PNG, png -> SnapshotPlots.writePseudotimePlot(png, xy,
                    result.pseudotime(), "Pseudotime (" + view + ")")));
        }
        figures.put(FATES_PNG, bytes(FATES_PNG, png -> SnapshotPlots.writeFatePlot(png, xy, result.fateLabels(),
                result.fateProbabilities(), result.pUnknown(), "Dominant fate, faded by uncertainty (" + view + ")")));
        return figures;
    }

    /** Renders one figure to a local temporary file and returns its bytes. */
    public static byte[] bytes(String name, Renderer renderer) throws IOException {
        Path dir = Files.createTempDirectory("chreode-figure");
        Path png = dir.resolve(name);
        try {
            renderer.render(png);
            return Files.readAllBytes(png);
        } finally {
            Files.deleteIfExists(png);
            Files.deleteIfExists(dir);
        }
    }

    /** Renders one figure to a local temporary file and copies it to {@code name} in the output. */
    public static void copy(AtomicOutput out, String name, Renderer renderer) throws IOException {
        Path dir = Files.createTempDirectory("chreode-figure");
        Path png = dir.resolve(name);
        try {
            renderer.render(png);
            try (OutputStream s = out.create(name)) {
                Files.copy(png, s);
            }
        } finally {
            Files.deleteIfExists(png);
            Files.deleteIfExists(dir);
        }
    }

    /** Draws one PNG at the given local path. */
    @FunctionalInterface
    public interface Renderer {
        void render(Path png) throws IOException;
    }
}
