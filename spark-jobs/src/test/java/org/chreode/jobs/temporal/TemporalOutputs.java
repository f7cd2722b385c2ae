package org.chreode.jobs.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.chreode.jobs.SparkTestBase;

/** Comparisons of two {@code chreode temporal} output folders (couplings and CSVs, to a relative tolerance). */
public final class TemporalOutputs {

    private TemporalOutputs() {
    }

    /** The two-lineage course with growth column {@code g} of {@code TemporalGrowthAndCellSetTest}, as CSV lines. */
    public static List<String> twoLineageCourse() {
        return TemporalGrowthAndCellSetTest.table();
    }

    /** The couplings/&lt;pair&gt;.parquet of two runs: same kept entries, weights equal to {@code relative} × max. */
    public static void assertCouplingsAgree(Path first, Path second, String pair, double relative) {
        SparkSession spark = SparkTestBase.session();
        Map<String, Double> stored = coupling(spark, first.resolve("couplings/" + pair + ".parquet"));
        Map<String, Double> online = coupling(spark, second.resolve("couplings/" + pair + ".parquet"));
        String data = first.getFileName().toString();
        assertEquals(stored.keySet(), online.keySet(), data + " " + pair);
        double max = stored.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        assertTrue(max > 0);
        for (Map.Entry<String, Double> e : stored.entrySet()) {
            assertEquals(e.getValue(), online.get(e.getKey()), relative * max, data + " " + pair + " " + e.getKey());
        }
    }

    /** "source_id|target_id" → weight of a written coupling. */
    public static Map<String, Double> coupling(SparkSession spark, Path parquet) {
        Map<String, Double> w = new HashMap<>();
        for (Row r : spark.read().parquet(parquet.toString()).collectAsList()) {
            w.put(r.getString(0) + "|" + r.getString(1), r.getDouble(2));
        }
        return w;
    }

    /**
     * The CSV {@code name} of two runs: same header and text columns, numeric columns equal to {@code relative} × the
     * column's largest value.
     */
    public static void assertCsvAgree(Path first, Path second, String name, double relative) throws IOException {
        List<String[]> stored = csv(first.resolve(name));
        List<String[]> online = csv(second.resolve(name));
        String data = first.getFileName().toString();
        assertEquals(String.join(",", stored.get(0)), String.join(",", online.get(0)), name);
        assertEquals(stored.size(), online.size(), name);
        int columns = stored.get(0).length;
        List<Double> scale = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            double m = 0;
            for (String[] row : stored.subList(1, stored.size())) {
                m = Math.max(m, Math.abs(number(row[c])));
            }
            scale.add(m);
        }
        int numbers = 0;
        for (int r = 1; r < stored.size(); r++) {
            for (int c = 0; c < columns; c++) {
                String a = stored.get(r)[c];
                String b = online.get(r)[c];
                double x = number(a);
                if (Double.isNaN(x)) {
                    assertEquals(a, b, name + " row " + r + " column " + stored.get(0)[c]);
                } else {
                    assertEquals(x, number(b), relative * Math.max(scale.get(c), 1e-300),
                            data + " " + name + " row " + r + " column " + stored.get(0)[c]);
                    numbers++;
                }
            }
        }
        assertTrue(numbers > 0, name + " has no numbers to compare");
    }

    private static double number(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static List<String[]> csv(Path file) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(line.split(",", -1));
        }
        return out;
    }
}
