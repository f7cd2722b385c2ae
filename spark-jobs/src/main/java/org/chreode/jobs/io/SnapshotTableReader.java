package org.chreode.jobs.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a snapshot input table (CSV with header or Parquet, CONTRACT.md "Input table") through Spark, resolves its
 * columns and validates every value before any solve, then collects it to the driver as a {@link SnapshotInput}.
 * An AnnData {@code .h5ad} file is read on the driver by {@link H5adReader} into the same {@link SnapshotTable}
 * (see {@link #fromH5ad}).
 *
 * <p>A null {@link SnapshotColumns#roleCol()} reads a table without a role column (every cell intermediate), for
 * commands that need only ids and features ({@code refine}).
 *
 * <p>Checks, each failing with one {@link InvalidInputException} sentence that names the column and cell: missing
 * id or role column, unknown feature column, a feature column that is not numeric, no feature column, an empty id,
 * a missing, NaN or infinite feature value, an unknown role value, duplicate cell ids.
 *
 * <p>Values travel from the executors as one compact chunk per partition (primitive arrays, no per-cell objects
 * besides the id and fate strings), so a table of 1e6 cells x 50 features costs about its raw size on the driver.
 */
public final class SnapshotTableReader {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotTableReader.class);

    /** Input file formats, chosen by extension (a directory by the extension of its part files). */
    public enum Format {
        CSV, PARQUET, H5AD;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The columns a table resolved to. {@code fateCol} is null when the table has none. */
    public record ResolvedColumns(String idCol, String roleCol, String fateCol, List<String> features,
                                  List<String> ignored) {
        public ResolvedColumns {
            features = List.copyOf(features);
            ignored = List.copyOf(ignored);
        }
    }

    /** A read and validated table. */
    public record SnapshotTable(String path, Format format, ResolvedColumns columns, SnapshotInput input) {
        public int count(Role role) {
            int c = 0;
            for (Role r : input.roles()) {
                if (r == role) {
                    c++;
                }
            }
            return c;
        }
    }

    private final SparkSession spark;

    public SnapshotTableReader(SparkSession spark) {
        this.spark = spark;
    }

    /** Reads, resolves and validates {@code path}, then collects it to the driver. */
    public SnapshotTable read(String path, SnapshotColumns spec) {
        Format format = detectFormat(path);
        if (format == Format.H5AD) {
            return readH5ad(path, spec);
        }
        Dataset<Row> raw = load(path, format, spec);
        ResolvedColumns columns = resolve(raw.schema(), spec);
        checkFeatureTypes(raw, columns);
        SnapshotInput input = collect(raw, columns);
        return new SnapshotTable(path, format, columns, input);
    }

    /**
     * Resolves and validates an already-loaded table (the Spark ML API's {@code fit(df)}), then collects it to the
     * driver: the same checks and messages as {@link #read(String, SnapshotColumns)}. The returned table has
     * {@code path} and {@code format} null.
     */
    public SnapshotTable read(Dataset<Row> table, SnapshotColumns spec) {
        ResolvedColumns columns = resolve(table.schema(), spec);
        checkFeatureTypes(table, columns);
        SnapshotInput input = collect(table, columns);
        return new SnapshotTable(null, null, columns, input);
    }

    /**
     * The format of {@code path}: {@code .csv} / {@code .parquet} / {@code .h5ad}, or a directory holding CSV or
     * Parquet part files.
     */
    public Format detectFormat(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".h5ad")) {
            requireExists(path);
            return Format.H5AD;
        }
        if (lower.endsWith(".parquet") || lower.endsWith(".parq")) {
            requireExists(path);
            return Format.PARQUET;
        }
        if (lower.endsWith(".csv") || lower.endsWith(".csv.gz") || lower.endsWith(".tsv")) {
            requireExists(path);
            return Format.CSV;
        }
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoopConf());
            if (!fs.exists(p)) {
                throw new InvalidInputException("Input '" + path + "' does not exist.");
            }
            if (fs.getFileStatus(p).isDirectory()) {
                boolean csv = false;
                for (FileStatus child : fs.listStatus(p)) {
                    String name = child.getPath().getName().toLowerCase(Locale.ROOT);
                    if (name.endsWith(".parquet")) {
                        return Format.PARQUET;
                    }
                    csv |= name.endsWith(".csv") || name.endsWith(".csv.gz");
                }
                if (csv) {
                    return Format.CSV;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot inspect input '" + path + "': " + e.getMessage(), e);
        }
        throw new InvalidInputException("Input '" + path + "' is neither a .csv, .parquet nor .h5ad file (nor a"
                + " directory of CSV or Parquet parts); rename it with the right extension.");
    }

    /**
     * Reads an AnnData file on the driver (jhdf needs random access: a path on another Hadoop file system is copied
     * to a local temporary file first).
     */
    private SnapshotTable readH5ad(String path, SnapshotColumns spec) {
        return withLocalH5ad(path, hadoopConf(), reader -> fromH5ad(path, reader, spec));
    }

    /**
     * Opens the AnnData file {@code path} (on any Hadoop file system: a non-local one is copied to a local temporary
     * file first, deleted afterwards) and applies {@code body} to it.
     */
    public static <T> T withLocalH5ad(String path, Configuration conf,
                                      java.util.function.Function<H5adReader, T> body) {
        java.io.File tmp = null;
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf);
            java.nio.file.Path local;
            String scheme = p.toUri().getScheme();
            if (scheme == null || scheme.equals("file")) {
                local = java.nio.file.Paths.get(p.toUri().getPath());
            } else {
                tmp = java.io.File.createTempFile("chreode-input-", ".h5ad");
                fs.copyToLocalFile(false, p, new Path(tmp.toURI()), true);
                local = tmp.toPath();
            }
            try (H5adReader reader = H5adReader.open(local)) {
                return body.apply(reader);
            }
        } catch (io.jhdf.exceptions.HdfException e) {
            throw new InvalidInputException("Cannot read '" + path + "' as HDF5/AnnData: " + e.getMessage() + ".");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read input '" + path + "': " + e.getMessage(), e);
        } finally {
            if (tmp != null && !tmp.delete()) {
                tmp.deleteOnExit();
            }
        }
    }

    /**
     * The snapshot an AnnData file describes: ids = the obs column named by {@code --id-col} when obs has one, else
     * the obs names; role and fate from obs columns ({@code --role-col}, {@code --fate-col}); features from
     * {@code obsm[--obsm]} (columns {@code <key>_1..d}) or, with {@code --use-x}, from X (columns = var names).
     */
    public static SnapshotTable fromH5ad(String path, H5adReader reader, SnapshotColumns spec) {
        if (!spec.features().isEmpty() || spec.featurePrefix() != null) {
            throw new InvalidInputException("--features and --feature-prefix select table columns; for a .h5ad input"
                    + " choose the features with --obsm KEY (default " + SnapshotColumns.DEFAULT_OBSM
                    + ") or --use-x.");
        }
        List<String> obsColumns = reader.obsColumns();
        int n = reader.cellCount();
        if (n == 0) {
            throw new InvalidInputException("The input has no rows (the .h5ad obs index is empty).");
        }
        String idCol = obsColumns.contains(spec.idCol()) ? spec.idCol() : "obs_names";
        String[] ids = idCol.equals("obs_names") ? reader.obsNames()
                : reader.obsColumn(spec.idCol(), "--id-col").strings();
        if (spec.roleCol() != null && !obsColumns.contains(spec.roleCol())) {
            throw new InvalidInputException("The .h5ad input '" + path + "' has no role column '" + spec.roleCol()
                    + "' in obs; obs columns present: " + (obsColumns.isEmpty() ? "(none)"
                    : String.join(", ", obsColumns)) + ". Set --role-col to name it (values initial, intermediate,"
                    + " terminal; empty = intermediate).");
        }
        String[] roleText = spec.roleCol() == null ? new String[n]
                : reader.obsColumn(spec.roleCol(), "--role-col").strings();
        String fateCol = spec.fateCol() != null && obsColumns.contains(spec.fateCol()) ? spec.fateCol() : null;
        if (fateCol == null && spec.fateRequired()) {
            reader.obsColumn(spec.fateCol(), "--fate-col"); // fails, listing the obs columns
        }
        String[] fates = fateCol == null ? new String[n] : reader.obsColumn(fateCol, "--fate-col").strings();

        H5adReader.Matrix m = spec.useX() ? reader.x() : reader.obsm(spec.obsm());
        String[] featureNames = new String[m.cols()];
        String[] varNames = spec.useX() ? reader.varNames() : null;
        String prefix = spec.useX() ? "X" : spec.obsm();
        for (int j = 0; j < featureNames.length; j++) {
            featureNames[j] = varNames != null && varNames.length == m.cols() ? varNames[j] : prefix + "_" + (j + 1);
        }
        double[][] features = m.toRows();
        Role[] roles = new Role[n];
        for (int i = 0; i < n; i++) {
            String id = ids[i];
            if (id == null || id.isBlank()) {
                throw new InvalidInputException("Row " + (i + 1) + " has an empty cell id; every cell needs a unique"
                        + " id.");
            }
            roles[i] = Role.parse(roleText[i], id);
            for (int j = 0; j < featureNames.length; j++) {
                double v = features[i][j];
                if (!Double.isFinite(v)) {
                    throw new InvalidInputException("Cell '" + id + "' has value " + v + " in feature '"
                            + featureNames[j] + "' (" + m.what() + "); every feature value must be a finite number.");
                }
            }
        }
        checkUniqueIds(ids, idCol);
        ResolvedColumns columns = new ResolvedColumns(idCol, spec.roleCol(), fateCol, Arrays.asList(featureNames),
                List.of());
        return new SnapshotTable(path, Format.H5AD, columns, new SnapshotInput(ids, features, roles, fates,
                featureNames));
    }

    private void requireExists(String path) {
        try {
            Path p = new Path(path);
            if (!p.getFileSystem(hadoopConf()).exists(p)) {
                throw new InvalidInputException("Input '" + path + "' does not exist.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot inspect input '" + path + "': " + e.getMessage(), e);
        }
    }

    private Configuration hadoopConf() {
        return spark.sparkContext().hadoopConfiguration();
    }

    /**
     * Loads the table. CSV is read twice: once to infer the column types, then with that schema except that the id,
     * role and fate columns are forced to strings (so ids such as {@code 007} keep their spelling).
     */
    public Dataset<Row> load(String path, Format format, SnapshotColumns spec) {
        if (format == Format.PARQUET) {
            return spark.read().parquet(path);
        }
        String sep = path.toLowerCase(Locale.ROOT).endsWith(".tsv") ? "\t" : ",";
        StructType inferred = spark.read().option("header", "true").option("sep", sep)
                .option("inferSchema", "true").csv(path).schema();
        Set<String> stringCols = new LinkedHashSet<>(Arrays.asList(spec.idCol(), spec.roleCol(), spec.fateCol()));
        StructField[] fields = inferred.fields().clone();
        for (int i = 0; i < fields.length; i++) {
            if (stringCols.contains(fields[i].name())) {
                fields[i] = new StructField(fields[i].name(), DataTypes.StringType, true, fields[i].metadata());
            }
        }
        return spark.read().option("header", "true").option("sep", sep).schema(new StructType(fields)).csv(path);
    }

    /** Resolves id, role, fate and feature columns against {@code schema} (no data is read). */
    public static ResolvedColumns resolve(StructType schema, SnapshotColumns spec) {
        List<String> names = Arrays.asList(schema.fieldNames());
        require(names, spec.idCol(), "id", "--id-col");
        if (spec.roleCol() != null) {
            require(names, spec.roleCol(), "role", "--role-col");
        }
        String fateCol = spec.fateCol() != null && names.contains(spec.fateCol()) ? spec.fateCol() : null;
        if (fateCol == null && spec.fateRequired()) {
            require(names, spec.fateCol(), "fate", "--fate-col");
        }
        Set<String> named = new LinkedHashSet<>(Arrays.asList(spec.idCol(), spec.roleCol(), spec.fateCol()));
        if (!spec.features().isEmpty() && spec.featurePrefix() != null) {
            throw new InvalidInputException("Give either --features or --feature-prefix, not both.");
        }
        List<String> features = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        if (!spec.features().isEmpty()) {
            for (String f : spec.features()) {
                require(names, f, "feature", "--features");
                if (named.contains(f)) {
                    throw new InvalidInputException("Column '" + f + "' is the id, role or fate column and cannot"
                            + " also be a feature.");
                }
                if (features.contains(f)) {
                    throw new InvalidInputException("Feature column '" + f + "' is listed twice in --features.");
                }
                features.add(f);
            }
        } else if (spec.featurePrefix() != null) {
            for (String n : names) {
                if (n.startsWith(spec.featurePrefix()) && !named.contains(n)) {
                    features.add(n);
                }
            }
            if (features.isEmpty()) {
                throw new InvalidInputException("No column starts with the feature prefix '" + spec.featurePrefix()
                        + "'; columns present: " + String.join(", ", names) + ".");
            }
        } else {
            for (StructField field : schema.fields()) {
                if (named.contains(field.name())) {
                    continue;
                }
                if (isNumeric(field.dataType())) {
                    features.add(field.name());
                } else {
                    ignored.add(field.name());
                }
            }
            if (features.isEmpty()) {
                throw new InvalidInputException("The input has no numeric feature column besides the id, role and fate"
                        + " columns; columns present: " + String.join(", ", names)
                        + ". Name the features with --features or --feature-prefix.");
            }
        }
        return new ResolvedColumns(spec.idCol(), spec.roleCol(), fateCol, features, ignored);
    }

    private static void require(List<String> names, String column, String what, String option) {
        if (!names.contains(column)) {
            String hint = "";
            for (String n : names) {
                if (n.equalsIgnoreCase(column)) {
                    hint = " (did you mean '" + n + "'? names are case-sensitive)";
                }
            }
            throw new InvalidInputException("The input has no " + what + " column '" + column + "'" + hint
                    + "; columns present: " + String.join(", ", names) + ". Set " + option + " to name it.");
        }
    }

    static boolean isNumeric(DataType type) {
        return type instanceof NumericType || type instanceof DecimalType;
    }

    private static Column column(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }

    /**
     * A feature column the user named that is not numeric must hold only numbers written as text; otherwise the
     * first offending value is reported with its cell.
     */
    private static void checkFeatureTypes(Dataset<Row> raw, ResolvedColumns columns) {
        StructType schema = raw.schema();
        for (String f : columns.features()) {
            DataType type = schema.apply(f).dataType();
            if (isNumeric(type)) {
                continue;
            }
            if (!(type instanceof org.apache.spark.sql.types.StringType)) {
                throw new InvalidInputException("Feature column '" + f + "' has type " + type.simpleString()
                        + "; features must be numeric.");
            }
            Row[] bad = (Row[]) raw.select(column(columns.idCol()).cast("string"), column(f))
                    .filter(column(f).isNotNull().and(column(f).try_cast(DataTypes.DoubleType).isNull()))
                    .limit(1).collect();
            if (bad.length > 0) {
                throw new InvalidInputException("Feature column '" + f + "' is not numeric: cell '" + bad[0].get(0)
                        + "' has value '" + bad[0].get(1) + "'.");
            }
        }
    }

    /** Projects id, role, fate and features, validates per row on the executors and collects to the driver. */
    private SnapshotInput collect(Dataset<Row> raw, ResolvedColumns columns) {
        StructType schema = raw.schema();
        List<Column> select = new ArrayList<>();
        select.add(column(columns.idCol()).cast("string"));
        select.add(columns.roleCol() == null ? lit(null).cast("string") : column(columns.roleCol()).cast("string"));
        select.add(columns.fateCol() == null ? lit(null).cast("string") : column(columns.fateCol()).cast("string"));
        for (String f : columns.features()) {
            Column c = column(f);
            select.add(isNumeric(schema.apply(f).dataType()) ? c.cast("double") : c.try_cast(DataTypes.DoubleType));
        }
        Dataset<Row> projected = raw.select(select.toArray(new Column[0]));
        String[] featureNames = columns.features().toArray(new String[0]);
        List<Chunk> chunks = projected.javaRDD().mapPartitions(new ChunkBuilder(featureNames)).collect();

        int n = 0;
        for (Chunk chunk : chunks) {
            if (chunk.error != null) {
                throw new InvalidInputException(chunk.error.replace("{row}", String.valueOf(n + chunk.errorRow + 1)));
            }
            n += chunk.rows;
        }
        int d = featureNames.length;
        String[] ids = new String[n];
        double[][] features = new double[n][];
        Role[] roles = new Role[n];
        String[] fates = new String[n];
        Role[] allRoles = Role.values();
        int offset = 0;
        List<Chunk> pending = new ArrayList<>(chunks);
        for (int c = 0; c < pending.size(); c++) {
            Chunk chunk = pending.get(c);
            pending.set(c, null); // release each chunk once copied
            System.arraycopy(chunk.ids, 0, ids, offset, chunk.rows);
            System.arraycopy(chunk.fates, 0, fates, offset, chunk.rows);
            for (int i = 0; i < chunk.rows; i++) {
                roles[offset + i] = allRoles[chunk.roles[i]];
                features[offset + i] = Arrays.copyOfRange(chunk.values, i * d, (i + 1) * d);
            }
            offset += chunk.rows;
        }
        checkUniqueIds(ids, columns.idCol());
        if (n == 0) {
            throw new InvalidInputException("The input has no rows.");
        }
        if (!columns.ignored().isEmpty()) {
            LOG.warn("Non-numeric columns not used as features: {} (name features with --features to change this).",
                    String.join(", ", columns.ignored()));
        }
        return new SnapshotInput(ids, features, roles, fates, featureNames);
    }

    static void checkUniqueIds(String[] ids, String idCol) {
        Map<String, Integer> counts = new HashMap<>(Math.max(16, ids.length * 2));
        String first = null;
        for (String id : ids) {
            int c = counts.merge(id, 1, Integer::sum);
            if (c == 2 && first == null) {
                first = id;
            }
        }
        if (first != null) {
            long duplicated = counts.values().stream().filter(c -> c > 1).count();
            throw new InvalidInputException("Cell id '" + first + "' appears " + counts.get(first) + " times in column '"
                    + idCol + "'; cell ids must be unique (" + duplicated + " duplicated id"
                    + (duplicated == 1 ? "" : "s") + " in total).");
        }
    }

    /** One partition's rows in primitive arrays, or the first problem found in it. */
    static final class Chunk implements Serializable {
        private static final long serialVersionUID = 1L;
        int rows;
        String[] ids;
        byte[] roles;
        String[] fates;
        double[] values;
        /** First problem in this partition; {@code {row}} stands for the global 1-based data row. */
        String error;
        int errorRow;
    }

    /** Packs a partition into a {@link Chunk}, validating each row (runs on the executors). */
    static final class ChunkBuilder implements FlatMapFunction<Iterator<Row>, Chunk> {
        private static final long serialVersionUID = 1L;
        private final String[] featureNames;

        ChunkBuilder(String[] featureNames) {
            this.featureNames = featureNames;
        }

        @Override
        public Iterator<Chunk> call(Iterator<Row> rows) {
            int d = featureNames.length;
            int capacity = 1024;
            String[] ids = new String[capacity];
            byte[] roles = new byte[capacity];
            String[] fates = new String[capacity];
            double[] values = new double[capacity * d];
            int n = 0;
            Chunk chunk = new Chunk();
            while (rows.hasNext()) {
                Row row = rows.next();
                if (n == capacity) {
                    capacity = capacity + (capacity >> 1);
                    ids = Arrays.copyOf(ids, capacity);
                    roles = Arrays.copyOf(roles, capacity);
                    fates = Arrays.copyOf(fates, capacity);
                    values = Arrays.copyOf(values, capacity * d);
                }
                String id = row.getString(0);
                if (id == null || id.isBlank()) {
                    chunk.error = "Row {row} has an empty cell id; every cell needs a unique id.";
                    chunk.errorRow = n;
                    return Collections.singletonList(chunk).iterator();
                }
                ids[n] = id;
                try {
                    roles[n] = (byte) Role.parse(row.getString(1), id).ordinal();
                } catch (InvalidInputException e) {
                    chunk.error = e.getMessage();
                    return Collections.singletonList(chunk).iterator();
                }
                fates[n] = row.getString(2);
                for (int j = 0; j < d; j++) {
                    if (row.isNullAt(3 + j)) {
                        chunk.error = "Cell '" + id + "' has no value in feature column '" + featureNames[j]
                                + "'; every feature value must be a finite number.";
                        return Collections.singletonList(chunk).iterator();
                    }
                    double v = row.getDouble(3 + j);
                    if (!Double.isFinite(v)) {
                        chunk.error = "Cell '" + id + "' has value " + v + " in feature column '" + featureNames[j]
                                + "'; every feature value must be a finite number.";
                        return Collections.singletonList(chunk).iterator();
                    }
                    values[n * d + j] = v;
                }
                n++;
            }
            chunk.rows = n;
            chunk.ids = Arrays.copyOf(ids, n);
            chunk.roles = Arrays.copyOf(roles, n);
            chunk.fates = Arrays.copyOf(fates, n);
            chunk.values = Arrays.copyOf(values, n * d);
            return Collections.singletonList(chunk).iterator();
        }
    }
}
