package org.chreode.kernels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Locates the project's shared test data ({@code ../shared/data} beside the repository) and reads its CSV files.
 * The system property {@code chreode.shared} wins; otherwise the nearest ancestor directory holding
 * {@code shared/data} is used.
 */
public final class SharedData {

    private SharedData() {
    }

    public static Path root() {
        String property = System.getProperty("chreode.shared");
        if (property != null && Files.isDirectory(Paths.get(property, "data"))) {
            return Paths.get(property).toAbsolutePath().normalize();
        }
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("shared").resolve("data"))) {
                return dir.resolve("shared");
            }
        }
        throw new IllegalStateException("shared/data not found above " + Paths.get("").toAbsolutePath()
                + "; set -Dchreode.shared=/path/to/shared");
    }

    public static Path data(String relative) {
        return root().resolve("data").resolve(relative);
    }

    /**
     * A MultistageOT input of the shared data with columns {@code cell,x,y,role[,fate]} as a snapshot; fates from
     * the {@code fate} column when present, else from {@code fateOfRow} (may be null).
     */
    public static org.chreode.kernels.snapshot.SnapshotInput snapshot(String multistageInput,
                                                                      java.util.function.IntFunction<String> fateOfRow) {
        Table t = csv(data("multistageot/input/" + multistageInput));
        String[] ids = t.strings("cell");
        double[] x = t.doubles("x");
        double[] y = t.doubles("y");
        String[] role = t.strings("role");
        boolean fateColumn = java.util.Arrays.asList(t.header()).contains("fate");
        String[] fates = fateColumn ? t.strings("fate") : new String[ids.length];
        double[][] features = new double[ids.length][];
        org.chreode.kernels.snapshot.Role[] roles = new org.chreode.kernels.snapshot.Role[ids.length];
        for (int i = 0; i < ids.length; i++) {
            features[i] = new double[] {x[i], y[i]};
            roles[i] = org.chreode.kernels.snapshot.Role.parse(role[i], ids[i]);
            if (!fateColumn && fateOfRow != null && roles[i] == org.chreode.kernels.snapshot.Role.TERMINAL) {
                fates[i] = fateOfRow.apply(i);
            }
        }
        return new org.chreode.kernels.snapshot.SnapshotInput(ids, features, roles, fates, new String[] {"x", "y"});
    }

    /** A simple CSV table: header plus rows of strings (no quoting needed for the shared files). */
    public record Table(String[] header, List<String[]> rows) {
        public int column(String name) {
            for (int i = 0; i < header.length; i++) {
                if (header[i].equals(name)) {
                    return i;
                }
            }
            throw new IllegalArgumentException("no column " + name);
        }

        public double[] doubles(String name) {
            int c = column(name);
            double[] out = new double[rows.size()];
            for (int i = 0; i < out.length; i++) {
                String v = c < rows.get(i).length ? rows.get(i)[c] : "";
                out[i] = v.isEmpty() ? Double.NaN : Double.parseDouble(v);
            }
            return out;
        }

        public String[] strings(String name) {
            int c = column(name);
            String[] out = new String[rows.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = c < rows.get(i).length ? rows.get(i)[c] : "";
            }
            return out;
        }
    }

    public static Table csv(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            String[] header = lines.get(0).split(",", -1);
            List<String[]> rows = new ArrayList<>();
            for (String line : lines.subList(1, lines.size())) {
                if (!line.isEmpty()) {
                    rows.add(line.split(",", -1));
                }
            }
            return new Table(header, rows);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
