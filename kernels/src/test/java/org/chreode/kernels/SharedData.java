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

    /** Columns x and y of a shared CSV as 2-D points (path relative to {@code shared/data}). */
    public static double[][] points2d(String relative) {
        Table t = csv(data(relative));
        double[] xs = t.doubles("x");
        double[] ys = t.doubles("y");
        double[][] out = new double[xs.length][];
        for (int i = 0; i < xs.length; i++) {
            out[i] = new double[] {xs[i], ys[i]};
        }
        return out;
    }

    /** The source (X) or target (Y) cloud of the raphael_lowrank gauss8 → moons pair with n points. */
    public static double[][] gauss8ToMoons(int n, char side) {
        return points2d("raphael_lowrank/gauss8_to_moons_n" + n + "_" + side + ".csv");
    }

    /**
     * {@code exact_primal_cost_mean} of {@code raphael_lowrank/gauss8_to_moons_n<n>_exact.json}: the exact OT cost
     * per point.
     */
    public static double gauss8ToMoonsExactMean(int n) {
        Path file = data("raphael_lowrank/gauss8_to_moons_n" + n + "_exact.json");
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("\"exact_primal_cost_mean\"\\s*:\\s*([0-9.eE+-]+)").matcher(Files.readString(file));
            if (!m.find()) {
                throw new IllegalStateException("no exact_primal_cost_mean in " + file);
            }
            return Double.parseDouble(m.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
