package org.chreode.jobs.report;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        double[][] xy = SnapshotPlots.projection2d(input.features());
        String view = input.dimension() == 2 ? "features " + input.featureNames()[0] + ", " + input.featureNames()[1]
                : "top two principal components of " + input.dimension() + " features";
        List<String> written = new ArrayList<>();
        if (java.util.Arrays.stream(result.pseudotime()).anyMatch(Double::isFinite)) {
            copy(out, PSEUDOTIME_PNG, png -> SnapshotPlots.writePseudotimePlot(png, xy, result.pseudotime(),
                    "Pseudotime (" + view + ")"));
            written.add(PSEUDOTIME_PNG);
        }
        copy(out, FATES_PNG, png -> SnapshotPlots.writeFatePlot(png, xy, result.fateLabels(),
                result.fateProbabilities(), result.pUnknown(), "Dominant fate, faded by uncertainty (" + view + ")"));
        written.add(FATES_PNG);
        return written;
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
