package org.chreode.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Small synthetic snapshot tables for tests. */
public final class SnapshotFixtures {

    private SnapshotFixtures() {
    }

    public static final String HEADER = "cell_id,role,fate,x,y";

    /**
     * A 2-D bifurcation: initial cells near the origin, intermediates along two branches, terminal cells labelled A
     * (upper branch) and B (lower branch). Deterministic.
     */
    public static Path bifurcation(Path dir, String name) {
        List<String> lines = new ArrayList<>();
        lines.add(HEADER);
        int id = 0;
        for (int i = 0; i < 6; i++) {
            lines.add(row("c" + id++, "initial", "", 0.05 * Math.cos(i), 0.05 * Math.sin(i)));
        }
        for (int branch = 0; branch < 2; branch++) {
            double sign = branch == 0 ? 1 : -1;
            for (int i = 1; i <= 20; i++) {
                double t = i / 21.0;
                double jitter = 0.03 * Math.sin(7 * i + branch);
                lines.add(row("c" + id++, "", "", 3 * t, sign * t * t + jitter));
            }
            for (int i = 0; i < 5; i++) {
                lines.add(row("c" + id++, "terminal", branch == 0 ? "A" : "B", 3 + 0.05 * Math.cos(i),
                        sign + 0.05 * Math.sin(i)));
            }
        }
        return SparkTestBase.writeFile(dir, name, lines.toArray(new String[0]));
    }

    private static String row(String id, String role, String fate, double x, double y) {
        return String.format(Locale.ROOT, "%s,%s,%s,%s,%s", id, role, fate, x, y);
    }
}
