package org.chreode.jobs.ml;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.chreode.jobs.ChreodeVersion;
import org.chreode.jobs.io.SnapshotOutputWriter;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotResult;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import scala.Option;

/**
 * A fitted {@link MultistageOt}: the per-cell results keyed by cell id plus a {@link MultistageOtSummary}.
 * {@link #transform} appends {@code pseudotime, expected_stage, potency, fate_<label>..., [p_unknown,]
 * mean_absorption_time} to any DataFrame with the id column, by a left join on the id (cast to string); cells the
 * model has not seen get nulls, as do values the method does not define (NaN in the kernel's result).
 *
 * <p>Saved as Spark ML does it: {@code metadata/} (class, uid, Spark version, params, default params),
 * {@code data/} (the cells table as Parquet, the CLI's {@code cells.parquet} columns) and {@code summary/}
 * (one JSON file: format version, chreode version, fate labels, diagnostics). {@code save} refuses an existing path
 * unless {@code write().overwrite()} is used.
 */
public final class MultistageOtModel extends Model<MultistageOtModel> implements MultistageOtParams, MLWritable {

    private static final long serialVersionUID = 1L;
    /** Version of the saved layout; readers branch on it. */
    static final int FORMAT_VERSION = 1;
    /** Temporary join key, dropped from the output. */
    private static final String KEY = "__chreode_cell_id";
    /** Results up to this many cells are broadcast in the join (which keeps the input's row order). */
    private static final int BROADCAST_JOIN_MAX_CELLS = 200_000;

    private final String uid;
    private final ParamSet params;
    private final SnapshotResult result;
    private final MultistageOtSummary summary;
    private transient Broadcast<SnapshotResult> shared;

    MultistageOtModel(String uid, SnapshotResult result, MultistageOtSummary summary) {
        this.uid = uid;
        this.params = new ParamSet(this);
        this.result = result;
        this.summary = summary;
        setDefaults();
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public ParamSet paramSet() {
        return params;
    }

    /** The id column to join on when transforming (defaults to the one the model was fitted with). */
    public MultistageOtModel setIdCol(String value) {
        set(idCol(), value);
        return this;
    }

    public MultistageOtSummary summary() {
        return summary;
    }

    /** Fate labels in column order. */
    public List<String> fateLabels() {
        return List.of(result.fateLabels());
    }

    /** The kernel's result (arrays are the model's own: do not modify). */
    public SnapshotResult resultRef() {
        return result;
    }

    /** Names of the columns {@link #transform} appends, in order. */
    public List<String> outputColumns() {
        List<String> names = SnapshotOutputWriter.columnNames(result);
        return names.subList(2, names.size());
    }

    /** The per-cell results as the CLI writes them: {@code cell_id, role, pseudotime, ...}. */
    public Dataset<Row> cells() {
        return SnapshotOutputWriter.cellsFrame(SparkSession.active(), broadcast());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        Dataset<Row> cells = cells().drop("role").withColumnRenamed("cell_id", KEY);
        if (result.cellCount() <= BROADCAST_JOIN_MAX_CELLS) {
            cells = functions.broadcast(cells);
        }
        Column id = dataset.col("`" + getIdCol().replace("`", "``") + "`").cast(DataTypes.StringType);
        return dataset.toDF().join(cells, id.equalTo(cells.col(KEY)), "left_outer").drop(KEY);
    }

    /** Requires the id column and no clash with an output column; appends the output columns. */
    @Override
    public StructType transformSchema(StructType schema) {
        if (!Arrays.asList(schema.fieldNames()).contains(getIdCol())) {
            throw new InvalidInputException("The input has no column '" + getIdCol() + "' (param idCol); columns"
                    + " present: " + String.join(", ", schema.fieldNames()) + ".");
        }
        StructType out = schema;
        for (String name : outputColumns()) {
            requireAbsent(out, name);
            out = out.add(DataTypes.createStructField(name, DataTypes.DoubleType, true));
        }
        return out;
    }

    static void requireAbsent(StructType schema, String name) {
        if (Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new InvalidInputException("Output column '" + name + "' already exists in the input; drop or"
                    + " rename it before transforming.");
        }
    }

    @Override
    public MultistageOtModel copy(ParamMap extra) {
        return copyValues(new MultistageOtModel(uid, result, summary), extra).setParent(parent());
    }

    private synchronized Broadcast<SnapshotResult> broadcast() {
        if (shared == null) {
            shared = JavaSparkContext.fromSparkContext(SparkSession.active().sparkContext()).broadcast(result);
        }
        return shared;
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<MultistageOtModel> read() {
        return new Reader();
    }

    public static MultistageOtModel load(String path) {
        return read().load(path);
    }

    /** Writes metadata, data and summary. */
    static final class Writer extends MLWriter {
        private final MultistageOtModel model;

        Writer(MultistageOtModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sparkSession());
            SnapshotOutputWriter.writeCellsParquet(sparkSession(), model.result, new Path(path, "data").toString());
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("format_version", FORMAT_VERSION);
            summary.put("chreode_version", ChreodeVersion.get());
            summary.putAll(model.summary.toMap());
            Path file = new Path(new Path(path, "summary"), "summary.json");
            try {
                FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                try (OutputStream out = fs.create(file, false)) {
                    SnapshotOutputWriter.writeRunJson(summary, out);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /** Reads what {@link Writer} wrote, checking the class name and the format version. */
    static final class Reader extends MLReader<MultistageOtModel> {
        @Override
        @SuppressWarnings("unchecked")
        public MultistageOtModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(),
                    MultistageOtModel.class.getName());
            Path file = new Path(new Path(path, "summary"), "summary.json");
            Map<String, Object> tree;
            try {
                FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
                try (InputStream in = fs.open(file)) {
                    tree = new ObjectMapper().readValue(in, LinkedHashMap.class);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
            }
            Object version = tree.get("format_version");
            if (!(version instanceof Number n) || n.intValue() != FORMAT_VERSION) {
                throw new InvalidInputException("Model at '" + path + "' has format version " + version + "; this"
                        + " chreode reads version " + FORMAT_VERSION + ".");
            }
            MultistageOtSummary summary = MultistageOtSummary.fromMap(tree);
            SnapshotResult result = cells(sparkSession().read().parquet(new Path(path, "data").toString()),
                    summary);
            MultistageOtModel model = new MultistageOtModel(metadata.uid(), result, summary);
            metadata.getAndSetParams(model, Option.empty());
            return model;
        }

        /** Rebuilds the kernel result from the saved cells table (null = NaN). */
        private static SnapshotResult cells(Dataset<Row> data, MultistageOtSummary summary) {
            List<Row> rows = data.collectAsList();
            int n = rows.size();
            int k = summary.fateLabels().size();
            String[] ids = new String[n];
            Role[] roles = new Role[n];
            double[][] fates = new double[n][k];
            double[] pUnknown = summary.hasOutlierFate() ? new double[n] : null;
            double[] pseudotime = new double[n];
            double[] stage = new double[n];
            double[] potency = new double[n];
            double[] absorption = new double[n];
            for (int i = 0; i < n; i++) {
                Row r = rows.get(i);
                ids[i] = r.getAs("cell_id");
                roles[i] = Role.parse(r.getAs("role"), ids[i]);
                pseudotime[i] = value(r, "pseudotime");
                stage[i] = value(r, "expected_stage");
                potency[i] = value(r, "potency");
                for (int j = 0; j < k; j++) {
                    fates[i][j] = value(r, "fate_" + summary.fateLabels().get(j));
                }
                if (pUnknown != null) {
                    pUnknown[i] = value(r, "p_unknown");
                }
                absorption[i] = value(r, "mean_absorption_time");
            }
            return new SnapshotResult(ids, roles, summary.fateLabels().toArray(new String[0]), fates, pUnknown,
                    pseudotime, stage, potency, absorption, summary.diagnostics());
        }

        private static double value(Row r, String column) {
            int i = r.fieldIndex(column);
            return r.isNullAt(i) ? Double.NaN : r.getDouble(i);
        }
    }
}
