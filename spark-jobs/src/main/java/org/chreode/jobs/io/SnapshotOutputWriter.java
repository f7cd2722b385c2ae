package org.chreode.jobs.io;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.reflect.Array;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.chreode.kernels.snapshot.SnapshotResult;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Writes a {@link SnapshotResult} as the contract's output files (CONTRACT.md "Output directory"):
 * <ul>
 *   <li>{@code cells.csv}: one file, header {@code cell_id,role,pseudotime,expected_stage,potency,fate_<label>...,
 *       p_unknown,mean_absorption_time} ({@code p_unknown} only with outlier states), then any extra per-cell columns
 *       the job adds (e.g. {@code fate_spread} of the partitioned job); doubles at full precision
 *       ({@link Double#toString(double)}), NaN as an empty field;</li>
 *   <li>{@code cells.parquet}: the same columns through Spark, one part file; NaN as null;</li>
 *   <li>{@code run.json}: a pretty JSON tree built by the caller (see {@link #jsonValue(Object)}).</li>
 * </ul>
 */
public final class SnapshotOutputWriter {

    public static final String CELLS_CSV = "cells.csv";
    public static final String CELLS_PARQUET = "cells.parquet";
    public static final String RUN_JSON = "run.json";

    private SnapshotOutputWriter() {
    }

    /** Output column names in order. */
    public static List<String> columnNames(SnapshotResult result) {
        return columnNames(result, Map.of());
    }

    /** Output column names in order, with {@code extra} columns (name → one value per cell) last. */
    public static List<String> columnNames(SnapshotResult result, Map<String, double[]> extra) {
        List<String> names = new ArrayList<>(List.of("cell_id", "role", "pseudotime", "expected_stage", "potency"));
        for (String label : result.fateLabels()) {
            names.add("fate_" + label);
        }
        if (result.hasOutlierFate()) {
            names.add("p_unknown");
        }
        names.add("mean_absorption_time");
        names.addAll(extra.keySet());
        return names;
    }

    /** Writes {@code cells.csv} and {@code cells.parquet} into {@code out}. */
    public static void writeCells(SparkSession spark, AtomicOutput out, SnapshotResult result) throws IOException {
        writeCells(spark, out, result, Map.of());
    }

    /**
     * Writes {@code cells.csv} and {@code cells.parquet} into {@code out} with {@code extra} columns (name → one value
     * per cell, in iteration order) after the standard ones.
     */
    public static void writeCells(SparkSession spark, AtomicOutput out, SnapshotResult result,
                                  Map<String, double[]> extra) throws IOException {
        for (Map.Entry<String, double[]> e : extra.entrySet()) {
            if (e.getValue().length != result.cellCount()) {
                throw new IllegalArgumentException("Extra column " + e.getKey() + " has " + e.getValue().length
                        + " values for " + result.cellCount() + " cells.");
            }
        }
        try (OutputStream s = out.create(CELLS_CSV)) {
            writeCellsCsv(result, extra, s);
        }
        writeCellsParquet(spark, result, extra, out.resolve(CELLS_PARQUET));
    }

    /** Writes the cells table as CSV to {@code stream} (not closed). */
    public static void writeCellsCsv(SnapshotResult result, OutputStream stream) throws IOException {
        writeCellsCsv(result, Map.of(), stream);
    }

    /** Writes the cells table with {@code extra} columns last as CSV to {@code stream} (not closed). */
    public static void writeCellsCsv(SnapshotResult result, Map<String, double[]> extra, OutputStream stream)
            throws IOException {
        Writer w = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
        List<String> names = columnNames(result, extra);
        double[][] extraValues = extra.values().toArray(new double[0][]);
        for (int c = 0; c < names.size(); c++) {
            if (c > 0) {
                w.write(',');
            }
            w.write(csvText(names.get(c)));
        }
        w.write('\n');
        int n = result.cellCount();
        int k = result.fateLabels().length;
        for (int i = 0; i < n; i++) {
            w.write(csvText(result.cellIds()[i]));
            w.write(',');
            w.write(result.roles()[i].label());
            writeDouble(w, at(result.pseudotime(), i));
            writeDouble(w, at(result.expectedStage(), i));
            writeDouble(w, at(result.potency(), i));
            double[] fates = result.fateProbabilities()[i];
            for (int j = 0; j < k; j++) {
                writeDouble(w, fates[j]);
            }
            if (result.hasOutlierFate()) {
                writeDouble(w, result.pUnknown()[i]);
            }
            writeDouble(w, at(result.meanAbsorptionTime(), i));
            for (double[] column : extraValues) {
                writeDouble(w, column[i]);
            }
            w.write('\n');
        }
        w.flush();
    }

    private static double at(double[] values, int i) {
        return values == null ? Double.NaN : values[i];
    }

    private static void writeDouble(Writer w, double v) throws IOException {
        w.write(',');
        if (!Double.isNaN(v)) {
            w.write(Double.toString(v));
        }
    }

    /** RFC 4180 quoting where needed. */
    static String csvText(String s) {
        if (s == null) {
            return "";
        }
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** The cells table's Spark schema. */
    public static StructType schema(SnapshotResult result) {
        return schema(result, Map.of());
    }

    /** The cells table's Spark schema with {@code extra} double columns last. */
    public static StructType schema(SnapshotResult result, Map<String, double[]> extra) {
        List<StructField> fields = new ArrayList<>();
        List<String> names = columnNames(result, extra);
        fields.add(DataTypes.createStructField(names.get(0), DataTypes.StringType, false));
        fields.add(DataTypes.createStructField(names.get(1), DataTypes.StringType, false));
        for (String name : names.subList(2, names.size())) {
            fields.add(DataTypes.createStructField(name, DataTypes.DoubleType, true));
        }
        return DataTypes.createStructType(fields);
    }

    /**
     * Writes the cells table to {@code path} as Parquet, one part file. The rows are generated inside one Spark task
     * from a broadcast of the result, so the driver never holds them as Row objects.
     */
    public static void writeCellsParquet(SparkSession spark, SnapshotResult result, String path) {
        writeCellsParquet(spark, result, Map.of(), path);
    }

    /** {@link #writeCellsParquet(SparkSession, SnapshotResult, String)} with {@code extra} columns last. */
    public static void writeCellsParquet(SparkSession spark, SnapshotResult result, Map<String, double[]> extra,
                                         String path) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<SnapshotResult> shared = jsc.broadcast(result);
        Broadcast<double[][]> columns = jsc.broadcast(extra.values().toArray(new double[0][]));
        try {
            JavaRDD<Row> rows = jsc.parallelize(List.of(0), 1).mapPartitions(new RowGenerator(shared, columns));
            spark.createDataFrame(rows, schema(result, extra)).coalesce(1).write().parquet(path);
        } finally {
            shared.destroy();
            columns.destroy();
        }
    }

    /**
     * The cells table ({@link #schema}) of a broadcast result as a DataFrame of one partition whose rows are
     * generated inside the task; the broadcast must stay alive while the frame is in use.
     */
    public static Dataset<Row> cellsFrame(SparkSession spark, Broadcast<SnapshotResult> shared) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<Row> rows = jsc.parallelize(List.of(0), 1).mapPartitions(new RowGenerator(shared, null));
        return spark.createDataFrame(rows, schema(shared.value()));
    }

    /** Emits one Row per cell of a broadcast result. */
    private static final class RowGenerator implements FlatMapFunction<Iterator<Integer>, Row> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<SnapshotResult> shared;
        private final Broadcast<double[][]> extra;

        /** @param extra extra columns (one value per cell each), or null for none */
        RowGenerator(Broadcast<SnapshotResult> shared, Broadcast<double[][]> extra) {
            this.shared = shared;
            this.extra = extra;
        }

        @Override
        public Iterator<Row> call(Iterator<Integer> ignored) {
            SnapshotResult r = shared.value();
            int k = r.fateLabels().length;
            double[][] columns = extra == null ? new double[0][] : extra.value();
            int width = 5 + k + (r.hasOutlierFate() ? 1 : 0) + 1 + columns.length;
            return new Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return i < r.cellCount();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    Object[] v = new Object[width];
                    v[0] = r.cellIds()[i];
                    v[1] = r.roles()[i].label();
                    v[2] = boxed(at(r.pseudotime(), i));
                    v[3] = boxed(at(r.expectedStage(), i));
                    v[4] = boxed(at(r.potency(), i));
                    for (int j = 0; j < k; j++) {
                        v[5 + j] = boxed(r.fateProbabilities()[i][j]);
                    }
                    int c = 5 + k;
                    if (r.hasOutlierFate()) {
                        v[c++] = boxed(r.pUnknown()[i]);
                    }
                    v[c++] = boxed(at(r.meanAbsorptionTime(), i));
                    for (double[] column : columns) {
                        v[c++] = boxed(column[i]);
                    }
                    i++;
                    return RowFactory.create(v);
                }
            };
        }

        private static Double boxed(double v) {
            return Double.isNaN(v) ? null : v;
        }
    }

    /**
     * The last step of every job's output: writes {@code run} as run.json into {@code out}, commits (the rename that
     * makes the output appear whole) and returns the final path.
     */
    public static String commitWithRunJson(AtomicOutput out, Map<String, ?> run) throws IOException {
        try (OutputStream s = out.create(RUN_JSON)) {
            writeRunJson(run, s);
        }
        out.commit();
        return out.path();
    }

    /** Writes {@code tree} as pretty JSON; values are first passed through {@link #jsonValue(Object)}. */
    public static void writeRunJson(Map<String, ?> tree, OutputStream stream) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        stream.write(mapper.writeValueAsBytes(jsonValue(tree)));
        stream.write('\n');
        stream.flush();
    }

    /**
     * A JSON-friendly copy of {@code value}: maps keep their order, arrays and collections become lists, records
     * become maps of their components (snake_case keys), enums their lower-case name, and NaN or infinite numbers
     * null (JSON has no NaN).
     */
    public static Object jsonValue(Object value) {
        if (value == null || value instanceof String || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            return Double.isFinite(d) ? value : null;
        }
        if (value instanceof Number) {
            return value;
        }
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT);
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put(String.valueOf(e.getKey()), jsonValue(e.getValue()));
            }
            return out;
        }
        if (value instanceof Collection<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object o : list) {
                out.add(jsonValue(o));
            }
            return out;
        }
        if (value.getClass().isArray()) {
            int n = Array.getLength(value);
            List<Object> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(jsonValue(Array.get(value, i)));
            }
            return out;
        }
        if (value.getClass().isRecord()) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (RecordComponent c : value.getClass().getRecordComponents()) {
                try {
                    c.getAccessor().setAccessible(true);
                    out.put(snakeCase(c.getName()), jsonValue(c.getAccessor().invoke(value)));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    out.put(snakeCase(c.getName()), String.valueOf(e));
                }
            }
            return out;
        }
        return String.valueOf(value);
    }

    /** {@code maxIterations} to {@code max_iterations}: the project's mechanical spelling in run.json. */
    public static String snakeCase(String camel) {
        StringBuilder b = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char ch = camel.charAt(i);
            if (Character.isUpperCase(ch)) {
                if (i > 0) {
                    b.append('_');
                }
                b.append(Character.toLowerCase(ch));
            } else {
                b.append(ch);
            }
        }
        return b.toString();
    }
}
