package org.chreode.jobs.ml;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.chreode.jobs.Failures;
import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.jobs.io.SnapshotOutputWriter;
import org.chreode.jobs.io.SnapshotTableReader;
import org.chreode.jobs.snapshot.LoggingIterationListener;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MultistageOT (and the StationaryOT / IDW fate models) on a snapshot DataFrame as a Spark ML Estimator: the Spark
 * ML face of {@code chreode snapshot}, with the same Params, defaults and numbers.
 *
 * <pre>{@code
 * MultistageOtModel model = new MultistageOt().setIdCol("cell").setFeatureCols(new String[] {"x", "y"})
 *         .setEpsilon(0.05).fit(df);
 * Dataset<Row> cells = model.transform(df);   // + pseudotime, expected_stage, potency, fate_<label>..., ...
 * }</pre>
 *
 * <p>{@link #fit} checks the schema first, then collects and validates the cells exactly like the CLI's reader
 * ({@link SnapshotTableReader}), runs {@link org.chreode.kernels.snapshot.SnapshotInference} inside one Spark task
 * ({@link SnapshotJob#solve}) and returns a {@link MultistageOtModel} holding the per-cell results and a
 * {@link MultistageOtSummary}. Bad input fails with the CLI's {@link InvalidInputException} messages.
 */
public final class MultistageOt extends Estimator<MultistageOtModel>
        implements MultistageOtParams, DefaultParamsWritable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MultistageOt.class);
    /** Least time between two progress lines of the same solver phase. */
    private static final long PROGRESS_INTERVAL_MILLIS = 2_000;

    private final String uid;
    private final ParamSet params;

    public MultistageOt() {
        this(Identifiable.randomUID("multistageOt"));
    }

    public MultistageOt(String uid) {
        this.uid = uid;
        this.params = new ParamSet(this);
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

    public MultistageOt setIdCol(String value) { set(idCol(), value); return this; }
    public MultistageOt setRoleCol(String value) { set(roleCol(), value); return this; }
    public MultistageOt setFateCol(String value) { set(fateCol(), value); return this; }
    public MultistageOt setFeaturesCol(String value) { set(featuresCol(), value); return this; }
    public MultistageOt setFeatureCols(String... value) { set(featureCols(), value); return this; }
    public MultistageOt setMethod(String value) { set(method(), MultistageOtParams.lower(value)); return this; }
    public MultistageOt setStages(int value) { set(stages(), value); return this; }
    public MultistageOt setEpsilon(double value) { set(epsilon(), value); return this; }
    public MultistageOt setEpsilonTarget(double value) { set(epsilonTarget(), value); return this; }
    public MultistageOt setOutlierCost(double value) { set(outlierCost(), value); return this; }
    public MultistageOt setTolerance(double value) { set(tolerance(), value); return this; }
    public MultistageOt setMaxIterations(int value) { set(maxIterations(), value); return this; }
    public MultistageOt setCheckInterval(int value) { set(checkInterval(), value); return this; }
    public MultistageOt setCostNormalization(String value) {
        set(costNormalization(), MultistageOtParams.lower(value));
        return this;
    }
    public MultistageOt setReferenceParity(boolean value) { set(referenceParity(), value); return this; }
    public MultistageOt setKernelPrecision(String value) {
        set(kernelPrecision(), MultistageOtParams.lower(value));
        return this;
    }
    public MultistageOt setKernel(String value) { set(kernel(), MultistageOtParams.lower(value)); return this; }
    public MultistageOt setTileRows(int value) { set(tileRows(), value); return this; }
    public MultistageOt setThreads(int value) { set(threads(), value); return this; }
    public MultistageOt setTimeStep(double value) { set(timeStep(), value); return this; }
    public MultistageOt setIdwGamma(double value) { set(idwGamma(), value); return this; }

    @Override
    public MultistageOtModel fit(Dataset<?> dataset) {
        try {
            transformSchema(dataset.schema(), true);
            SnapshotSettings settings = settings(); // cross-parameter checks (epsilonTarget < epsilon, ...)
            SparkSession spark = dataset.sparkSession();
            long start = System.nanoTime();
            LOG.info("{}: fit with params {}", uid, paramsJson());
            spark.sparkContext().setJobDescription(uid + ": read input");
            FeatureTable table = featureTable(dataset.toDF());
            SnapshotInput input = new SnapshotTableReader(spark).read(table.table(), columns(table.features()))
                    .input();
            LOG.info("{}: {} cells x {} features {}", uid, input.cellCount(), input.dimension(),
                    Arrays.toString(input.featureNames()));
            spark.sparkContext().setJobDescription(uid + ": solve");
            SnapshotJob.SolveOutcome outcome = SnapshotJob.solve(spark, input, settings,
                    new LoggingIterationListener(settings.tolerance(), PROGRESS_INTERVAL_MILLIS));
            double seconds = (System.nanoTime() - start) / 1e9;
            MultistageOtSummary summary = new MultistageOtSummary(outcome.result(), Arrays.asList(
                    input.featureNames()), outcome.seconds(), seconds);
            LOG.info("{}: fitted in {} s (solve {} s), converged: {}", uid, seconds, outcome.seconds(),
                    summary.converged());
            MultistageOtModel model = new MultistageOtModel(uid, outcome.result(), summary);
            return copyValues(model, ParamMap.empty()).setParent(this);
        } catch (Exception e) {
            throw Failures.userFacing(e);
        } finally {
            dataset.sparkSession().sparkContext().setJobDescription(null);
        }
    }

    /**
     * Checks the id, role, fate and feature columns (presence and types) and that no fixed output column exists yet;
     * returns the schema with the fixed output columns appended (the {@code fate_<label>} columns are known only
     * after fitting).
     */
    @Override
    public StructType transformSchema(StructType schema) {
        List<String> names = Arrays.asList(schema.fieldNames());
        requireColumn(schema, getIdCol(), "idCol");
        requireColumn(schema, getRoleCol(), "roleCol");
        DataType role = schema.apply(getRoleCol()).dataType();
        if (!(role instanceof StringType)) {
            throw new InvalidInputException("Role column '" + getRoleCol() + "' has type " + role.simpleString()
                    + "; it must be a string column (initial, intermediate, terminal).");
        }
        if (isSet(fateCol())) {
            requireColumn(schema, getFateCol(), "fateCol");
        }
        String[] featureCols = getFeatureCols();
        if (featureCols.length > 0) {
            if (isSet(featuresCol())) {
                throw new InvalidInputException("Set either featuresCol (a Vector column) or featureCols (numeric"
                        + " columns), not both.");
            }
            for (String f : featureCols) {
                requireColumn(schema, f, "featureCols");
                DataType type = schema.apply(f).dataType();
                if (!(type instanceof NumericType || type instanceof StringType)) {
                    throw new InvalidInputException("Feature column '" + f + "' has type " + type.simpleString()
                            + "; features must be numeric.");
                }
            }
        } else if (names.contains(getFeaturesCol())) {
            DataType type = schema.apply(getFeaturesCol()).dataType();
            if (!isVectorLike(type)) {
                throw new InvalidInputException("Features column '" + getFeaturesCol() + "' has type "
                        + type.simpleString() + "; it must be a Vector or an array of numbers (or set featureCols to"
                        + " name numeric columns).");
            }
        } else if (isSet(featuresCol())) {
            requireColumn(schema, getFeaturesCol(), "featuresCol");
        }
        StructType out = schema;
        for (String name : fixedOutputColumns()) {
            MultistageOtModel.requireAbsent(out, name);
            out = out.add(DataTypes.createStructField(name, DataTypes.DoubleType, true));
        }
        return out;
    }

    @Override
    public MultistageOt copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<MultistageOt> read() {
        return new DefaultParamsReader<>();
    }

    public static MultistageOt load(String path) {
        return read().load(path);
    }

    /** Output columns whose names do not depend on the data. */
    List<String> fixedOutputColumns() {
        List<String> cols = new ArrayList<>(List.of("pseudotime", "expected_stage", "potency"));
        if (!Double.isNaN(getOutlierCost())) {
            cols.add("p_unknown");
        }
        cols.add("mean_absorption_time");
        return cols;
    }

    /** The reader's column request: featureCols as {@code --features}, a vector column as its expanded parts. */
    private SnapshotColumns columns(List<String> features) {
        return new SnapshotColumns(getIdCol(), getRoleCol(), getFateCol(), isSet(fateCol()), features, null);
    }

    /** The table handed to the reader and its feature columns (empty = every numeric column, the CLI default). */
    private record FeatureTable(Dataset<Row> table, List<String> features) {
    }

    /**
     * The table handed to the reader: as given, or with the vector column {@code featuresCol} replaced by one
     * double column per component ({@code features[0]}, ...); dimension from the ML attributes or the longest row.
     */
    private FeatureTable featureTable(Dataset<Row> df) {
        if (getFeatureCols().length > 0) {
            return new FeatureTable(df, List.of(getFeatureCols()));
        }
        if (!Arrays.asList(df.columns()).contains(getFeaturesCol())) {
            return new FeatureTable(df, List.of());
        }
        String name = getFeaturesCol();
        StructField field = df.schema().apply(name);
        Column array = field.dataType() instanceof VectorUDT
                ? org.apache.spark.ml.functions.vector_to_array(quoted(name), "float64")
                : quoted(name).cast(DataTypes.createArrayType(DataTypes.DoubleType));
        int d = org.apache.spark.ml.attribute.AttributeGroup.fromStructField(field).size();
        if (d < 0) {
            Row max = df.select(org.apache.spark.sql.functions.max(org.apache.spark.sql.functions.size(array)))
                    .first();
            d = max.isNullAt(0) ? 0 : max.getInt(0);
        }
        if (d <= 0) {
            throw new InvalidInputException("Features column '" + name + "' holds no values.");
        }
        List<Column> select = new ArrayList<>();
        for (String c : List.of(getIdCol(), getRoleCol(), getFateCol())) {
            if (Arrays.asList(df.columns()).contains(c)) {
                select.add(quoted(c));
            }
        }
        List<String> parts = new ArrayList<>(d);
        for (int j = 0; j < d; j++) {
            String part = name + "[" + j + "]";
            parts.add(part);
            select.add(array.getItem(j).as(part));
        }
        return new FeatureTable(df.select(select.toArray(new Column[0])), parts);
    }

    private static boolean isVectorLike(DataType type) {
        return type instanceof VectorUDT
                || type instanceof ArrayType a && a.elementType() instanceof NumericType;
    }

    static Column quoted(String name) {
        return col("`" + name.replace("`", "``") + "`");
    }

    private static void requireColumn(StructType schema, String column, String param) {
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(column)) {
            throw new InvalidInputException("The input has no column '" + column + "' (param " + param
                    + "); columns present: " + String.join(", ", names) + ".");
        }
    }

    /** The explicitly set and default params as a JSON-like map, for the log. */
    private String paramsJson() {
        Map<String, Object> map = new LinkedHashMap<>();
        for (org.apache.spark.ml.param.Param<?> p : params()) {
            if (isDefined(p)) {
                Object v = getOrDefault(p);
                map.put(p.name(), v instanceof String[] a ? Arrays.asList(a) : v);
            }
        }
        return SnapshotOutputWriter.jsonValue(map).toString();
    }
}
