package org.chreode.jobs.temporal;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.chreode.jobs.ChreodeVersion;
import org.chreode.jobs.io.H5adReader;
import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.jobs.io.SnapshotTableReader;
import org.chreode.kernels.common.InvalidInputException;

/**
 * Reads a time-course input table (CONTRACT.md "Input table": id, features, {@code day} = {@code --time-col},
 * {@code cell_type} = {@code --cell-type-col}) from CSV, Parquet or an AnnData {@code .h5ad} file, validates every
 * value and collects it to the driver as a {@link TemporalInput}.
 *
 * <p>Features: {@code --features} / {@code --feature-prefix}, else every numeric column other than the id, time and
 * cell-type columns; for .h5ad inputs {@code obsm[--obsm]} or X ({@code --use-x}).
 */
public final class TemporalTableReader {

    /**
     * What the user asked for.
     *
     * @param cellTypeCol    cell-type column, or null when cell types are not used ({@code --no-cell-types})
     * @param numericCols    further per-cell numeric columns to read (growth priors), column → the option that
     *                       named it (for messages); never features
     */
    public record Columns(String idCol, String timeCol, String cellTypeCol, List<String> features,
                          String featurePrefix, String obsm, boolean useX, Map<String, String> numericCols)
            implements Serializable {
        public Columns {
            features = features == null ? List.of() : List.copyOf(features);
            numericCols = numericCols == null ? Map.of() : java.util.Collections.unmodifiableMap(
                    new java.util.LinkedHashMap<>(numericCols));
        }

        /** Without further numeric columns. */
        public Columns(String idCol, String timeCol, String cellTypeCol, List<String> features, String featurePrefix,
                       String obsm, boolean useX) {
            this(idCol, timeCol, cellTypeCol, features, featurePrefix, obsm, useX, Map.of());
        }
    }

    /**
     * A validated time-course table.
     *
     * @param cellTypes one label per cell, or null when no cell-type column is used
     * @param numeric   the values of {@link Columns#numericCols()} per column (NaN = missing)
     */
    public record TemporalInput(String[] ids, double[] times, String[] cellTypes, double[][] features,
                                String[] featureNames, String format, Map<String, double[]> numeric)
            implements Serializable {
        public TemporalInput {
            numeric = numeric == null ? Map.of() : Map.copyOf(numeric);
        }

        /** Without further numeric columns. */
        public TemporalInput(String[] ids, double[] times, String[] cellTypes, double[][] features,
                             String[] featureNames, String format) {
            this(ids, times, cellTypes, features, featureNames, format, Map.of());
        }
    }

    private final SparkSession spark;

    public TemporalTableReader(SparkSession spark) {
        this.spark = spark;
    }

    public TemporalInput read(String path, Columns spec) {
        SnapshotTableReader base = new SnapshotTableReader(spark);
        SnapshotTableReader.Format format = base.detectFormat(path);
        if (format == SnapshotTableReader.Format.H5AD) {
            return readH5ad(path, spec);
        }
        // The snapshot loader forces its id, role and fate columns to strings: id and cell type here.
        SnapshotColumns forced = new SnapshotColumns(spec.idCol(), spec.cellTypeCol() == null ? spec.idCol()
                : spec.cellTypeCol(), spec.idCol(), false, List.of(), null);
        Dataset<Row> raw = base.load(path, format, forced);
        StructType schema = raw.schema();
        List<String> names = Arrays.asList(schema.fieldNames());
        require(names, spec.idCol(), "id", "--id-col");
        require(names, spec.timeCol(), "time", "--time-col");
        if (spec.cellTypeCol() != null) {
            if (!names.contains(spec.cellTypeCol())) {
                throw new InvalidInputException("The input has no cell-type column '" + spec.cellTypeCol()
                        + "'; columns present: " + String.join(", ", names) + ". Transition tables and fates need"
                        + " one: set --cell-type-col to name it, or add --no-cell-types to write only couplings and"
                        + " growth.");
            }
        }
        for (Map.Entry<String, String> extra : spec.numericCols().entrySet()) {
            require(names, extra.getKey(), "growth", extra.getValue());
        }
        List<String> features = features(schema, spec);
        List<String> extras = new ArrayList<>(spec.numericCols().keySet());
        List<Column> cols = new ArrayList<>();
        cols.add(quoted(spec.idCol()).cast("string"));
        cols.add(quoted(spec.timeCol()).cast("string"));
        cols.add(spec.cellTypeCol() == null ? org.apache.spark.sql.functions.lit(null).cast("string")
                : quoted(spec.cellTypeCol()).cast("string"));
        for (String f : features) {
            cols.add(quoted(f).cast("string"));
        }
        for (String e : extras) {
            cols.add(quoted(e).cast("string"));
        }
        List<Row> rows = raw.select(cols.toArray(new Column[0])).collectAsList();
        int n = rows.size();
        if (n == 0) {
            throw new InvalidInputException("The input '" + path + "' has no rows.");
        }
        String[] ids = new String[n];
        String[] timeText = new String[n];
        String[] types = spec.cellTypeCol() == null ? null : new String[n];
        double[][] x = new double[n][features.size()];
        Map<String, double[]> numeric = new HashMap<>();
        for (String e : extras) {
            numeric.put(e, new double[n]);
        }
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            ids[i] = r.getString(0);
            timeText[i] = r.getString(1);
            if (types != null) {
                types[i] = r.getString(2);
            }
            for (int j = 0; j < features.size(); j++) {
                String v = r.getString(3 + j);
                x[i][j] = parseFeature(v, ids[i], features.get(j));
            }
            for (int e = 0; e < extras.size(); e++) {
                String v = r.getString(3 + features.size() + e);
                numeric.get(extras.get(e))[i] = parseExtra(v, ids[i], extras.get(e), spec);
            }
        }
        return validated(ids, timeText, null, types, x, features.toArray(new String[0]), spec, format.label(),
                numeric);
    }

    private static double parseFeature(String v, String id, String feature) {
        double d;
        try {
            d = v == null ? Double.NaN : Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("Feature column '" + feature + "' is not numeric: cell '" + id
                    + "' has value '" + v + "'.");
        }
        if (!Double.isFinite(d)) {
            throw new InvalidInputException("Cell '" + id + "' has value " + (v == null ? "(missing)" : v)
                    + " in feature column '" + feature + "'; every feature value must be a finite number.");
        }
        return d;
    }

    /** A value of a further numeric column: missing → NaN (the consumer says whether that is allowed). */
    private static double parseExtra(String v, String id, String column, Columns spec) {
        if (v == null || v.isBlank()) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("Column '" + column + "' (" + spec.numericCols().get(column) + ") is not"
                    + " numeric: cell '" + id + "' has value '" + v + "'.");
        }
    }

    private TemporalInput readH5ad(String path, Columns spec) {
        if (!spec.features().isEmpty() || spec.featurePrefix() != null) {
            throw new InvalidInputException("--features and --feature-prefix select table columns; for a .h5ad input"
                    + " choose the features with --obsm KEY or --use-x.");
        }
        java.nio.file.Path local = java.nio.file.Paths.get(new org.apache.hadoop.fs.Path(path).toUri().getPath());
        try (H5adReader reader = H5adReader.open(local)) {
            List<String> obs = reader.obsColumns();
            String[] ids = obs.contains(spec.idCol()) ? reader.obsColumn(spec.idCol(), "--id-col").strings()
                    : reader.obsNames();
            H5adReader.ObsColumn time = reader.obsColumn(spec.timeCol(), "--time-col");
            String[] types = null;
            if (spec.cellTypeCol() != null) {
                if (!obs.contains(spec.cellTypeCol())) {
                    throw new InvalidInputException("The .h5ad input '" + path + "' has no cell-type column '"
                            + spec.cellTypeCol() + "' in obs; obs columns present: " + String.join(", ", obs)
                            + ". Transition tables and fates need one: set --cell-type-col to name it, or add"
                            + " --no-cell-types to write only couplings and growth.");
                }
                types = reader.obsColumn(spec.cellTypeCol(), "--cell-type-col").strings();
            }
            H5adReader.Matrix m = spec.useX() ? reader.x() : reader.obsm(spec.obsm());
            double[][] x = m.toRows();
            String[] featureNames = new String[m.cols()];
            for (int j = 0; j < featureNames.length; j++) {
                featureNames[j] = (spec.useX() ? "X" : spec.obsm()) + "_" + (j + 1);
            }
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j < featureNames.length; j++) {
                    if (!Double.isFinite(x[i][j])) {
                        throw new InvalidInputException("Cell '" + ids[i] + "' has value " + x[i][j] + " in feature '"
                                + featureNames[j] + "' (" + m.what() + "); every feature value must be finite.");
                    }
                }
            }
            Map<String, double[]> numeric = new HashMap<>();
            for (Map.Entry<String, String> extra : spec.numericCols().entrySet()) {
                numeric.put(extra.getKey(), reader.obsColumn(extra.getKey(), extra.getValue()).asNumbers());
            }
            return validated(ids, time.strings(), time.numeric() ? time.numbers() : null, types, x, featureNames,
                    spec, "h5ad", numeric);
        } catch (io.jhdf.exceptions.HdfException e) {
            throw new InvalidInputException("Cannot read '" + path + "' as HDF5/AnnData: " + e.getMessage() + ".");
        }
    }

    /** Time values (numeric), ids (unique, non-empty) and cell types (non-empty) checked per cell. */
    private static TemporalInput validated(String[] ids, String[] timeText, double[] timeNumbers, String[] types,
                                           double[][] x, String[] featureNames, Columns spec, String format,
                                           Map<String, double[]> numeric) {
        int n = ids.length;
        double[] times = new double[n];
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String id = ids[i];
            if (id == null || id.isBlank()) {
                throw new InvalidInputException("Row " + (i + 1) + " has an empty cell id; every cell needs a unique"
                        + " id.");
            }
            Integer previous = seen.put(id, i);
            if (previous != null) {
                throw new InvalidInputException("Cell id '" + id + "' appears more than once (rows " + (previous + 1)
                        + " and " + (i + 1) + "); cell ids must be unique.");
            }
            double t;
            if (timeNumbers != null) {
                t = timeNumbers[i];
            } else {
                String s = timeText[i];
                try {
                    t = s == null || s.isBlank() ? Double.NaN : Double.parseDouble(s.trim());
                } catch (NumberFormatException e) {
                    throw new InvalidInputException("Time column '" + spec.timeCol() + "' is not numeric: cell '" + id
                            + "' has value '" + s + "'. Time points must be numbers (e.g. days 10, 10.5, 11).");
                }
            }
            if (!Double.isFinite(t)) {
                throw new InvalidInputException("Cell '" + id + "' has no numeric time in column '" + spec.timeCol()
                        + "' (value " + (timeText[i] == null ? "missing" : "'" + timeText[i] + "'") + ").");
            }
            times[i] = t;
            if (types != null && (types[i] == null || types[i].isBlank())) {
                throw new InvalidInputException("Cell '" + id + "' has no cell type in column '" + spec.cellTypeCol()
                        + "'; give every cell a label (e.g. 'unknown') or add --no-cell-types.");
            }
        }
        return new TemporalInput(ids, times, types, x, featureNames, format, numeric);
    }

    private static List<String> features(StructType schema, Columns spec) {
        List<String> names = Arrays.asList(schema.fieldNames());
        Set<String> named = new LinkedHashSet<>(Arrays.asList(spec.idCol(), spec.timeCol()));
        if (spec.cellTypeCol() != null) {
            named.add(spec.cellTypeCol());
        }
        named.addAll(spec.numericCols().keySet());
        if (!spec.features().isEmpty() && spec.featurePrefix() != null) {
            throw new InvalidInputException("Give either --features or --feature-prefix, not both.");
        }
        List<String> out = new ArrayList<>();
        if (!spec.features().isEmpty()) {
            for (String f : spec.features()) {
                require(names, f, "feature", "--features");
                if (named.contains(f)) {
                    throw new InvalidInputException("Column '" + f + "' is the id, time, cell-type or a growth"
                            + " column and cannot also be a feature.");
                }
                out.add(f);
            }
        } else if (spec.featurePrefix() != null) {
            for (String name : names) {
                if (name.startsWith(spec.featurePrefix()) && !named.contains(name)) {
                    out.add(name);
                }
            }
        } else {
            for (StructField field : schema.fields()) {
                if (!named.contains(field.name()) && isNumeric(field.dataType())) {
                    out.add(field.name());
                }
            }
        }
        if (out.isEmpty()) {
            throw new InvalidInputException("The input has no numeric feature column besides the id, time and"
                    + " cell-type columns; columns present: " + String.join(", ", names)
                    + ". Name the features with --features or --feature-prefix.");
        }
        return out;
    }

    private static boolean isNumeric(DataType type) {
        return type instanceof NumericType || type instanceof DecimalType;
    }

    private static void require(List<String> names, String column, String what, String option) {
        if (!names.contains(column)) {
            throw new InvalidInputException("The input has no " + what + " column '" + column + "'; columns present: "
                    + String.join(", ", names) + ". Set " + option + " to name it.");
        }
    }

    private static Column quoted(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }

    static boolean isString(DataType type) {
        return type instanceof StringType;
    }

    /**
     * The run.json fields every time-course command starts with: command, version, command line, input (path, format,
     * cells, features) and the columns used.
     */
    public static Map<String, Object> runHeader(String command, List<String> commandLine, String inputPath,
                                                TemporalInput input, Columns columns) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", command);
        run.put("version", ChreodeVersion.get());
        run.put("command_line", commandLine);
        run.put("input", Map.of("path", inputPath, "format", input.format(), "cells", input.ids().length,
                "features", input.featureNames().length));
        Map<String, Object> used = new LinkedHashMap<>();
        used.put("id", columns.idCol());
        used.put("time", columns.timeCol());
        used.put("cell_type", columns.cellTypeCol());
        run.put("columns", used);
        return run;
    }
}
