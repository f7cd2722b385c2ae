package org.chreode.jobs.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.Param;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.SolverOptions;
import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.snapshot.Method;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark ML API: default parameters, set parameters, validation, fit/transform vs the CLI, read/write. */
class MultistageOtTest extends SparkTestBase {

    private static final String INPUT = "multistageot/input/uniform2d_N105.csv";

    private static Dataset<Row> df;
    /** The CLI path's result with default settings and features x, y. */
    private static SnapshotResult cli;
    private static MultistageOtModel model;

    @TempDir
    Path dir;

    @BeforeAll
    static void fitOnce(@TempDir Path tmp) {
        String path = SharedData.data(INPUT).toString();
        df = spark.read().option("header", "true").option("inferSchema", "true").csv(path);
        SnapshotColumns columns = new SnapshotColumns("cell", "role", "fate", false, List.of("x", "y"), null);
        cli = SnapshotJob.run(spark, new SnapshotJob.Request(path, tmp.resolve("cli").toString(), false, columns,
                SnapshotSettings.builder().epsilon(0.05).build(), List.of())).result();
        model = new MultistageOt().setIdCol("cell").setFeatureCols("x", "y").setEpsilon(0.05).fit(df);
    }

    @Test
    void defaultParameters() {
        MultistageOt ot = new MultistageOt();
        assertEquals("cell_id", ot.getIdCol());
        assertEquals("role", ot.getRoleCol());
        assertEquals("fate", ot.getFateCol());
        assertEquals("features", ot.getFeaturesCol());
        assertEquals(0, ot.getFeatureCols().length);
        assertEquals("multistage", ot.getMethod());
        assertEquals(SnapshotSettings.DEFAULT_STAGES, ot.getStages());
        assertEquals(SnapshotSettings.DEFAULT_EPSILON, ot.getEpsilon());
        assertTrue(Double.isNaN(ot.getEpsilonTarget()));
        assertTrue(Double.isNaN(ot.getOutlierCost()));
        assertEquals(SnapshotSettings.DEFAULT_TOLERANCE, ot.getTolerance());
        assertEquals(SnapshotSettings.DEFAULT_MAX_ITERATIONS, ot.getMaxIterations());
        assertEquals(SnapshotSettings.DEFAULT_CHECK_INTERVAL, ot.getCheckInterval());
        assertEquals("auto", ot.getCostNormalization());
        assertFalse(ot.getReferenceParity());
        assertEquals("float64", ot.getKernelPrecision());
        assertEquals("auto", ot.getKernel());
        assertEquals(SnapshotSettings.DEFAULT_TILE_ROWS, ot.getTileRows());
        assertEquals(0, ot.getThreads());
        assertEquals(SnapshotSettings.DEFAULT_TIME_STEP, ot.getTimeStep());
        assertEquals(SnapshotSettings.DEFAULT_IDW_GAMMA, ot.getIdwGamma());
        // Same kernel settings as the CLI with no options.
        assertEquals(SnapshotSettings.builder().build(), ot.settings());
        // Docs are the CLI's.
        assertEquals(SolverOptions.DOC_EPSILON, ot.epsilon().doc());
        assertEquals(SolverOptions.DOC_MAX_ITERATIONS, ot.maxIterations().doc());
        assertEquals(SolverOptions.DOC_COST_NORMALIZATION, ot.costNormalization().doc());
        assertEquals(SolverOptions.DOC_KERNEL, ot.kernel().doc());
        assertEquals(21, ot.params().length);
        assertTrue(ot.explainParams().contains("epsilon: " + SolverOptions.DOC_EPSILON));
    }

    @Test
    void setParameters() {
        MultistageOt ot = new MultistageOt().setIdCol("id").setRoleCol("r").setFateCol("f").setFeaturesCol("v")
                .setMethod("Stationary").setStages(4).setEpsilon(0.1).setEpsilonTarget(0.01).setOutlierCost(3)
                .setTolerance(1e-6).setMaxIterations(99).setCheckInterval(3).setCostNormalization("mean")
                .setReferenceParity(false).setKernelPrecision("float32").setThreads(1).setTimeStep(0.5)
                .setIdwGamma(5);
        assertEquals("id", ot.getIdCol());
        assertEquals("r", ot.getRoleCol());
        assertEquals("f", ot.getFateCol());
        assertEquals("v", ot.getFeaturesCol());
        SnapshotSettings s = ot.settings();
        assertEquals(Method.STATIONARY, s.method());
        assertEquals(4, s.stages());
        assertEquals(0.1, s.epsilon());
        assertEquals(0.01, s.epsilonTarget());
        assertEquals(3, s.outlierCost());
        assertEquals(1e-6, s.tolerance());
        assertEquals(99, s.maxIterations());
        assertEquals(3, s.checkInterval());
        assertEquals(CostNormalization.MEAN, s.costNormalization());
        assertEquals(KernelPrecision.FLOAT32, s.kernelPrecision());
        assertEquals(1, s.threads());
        assertEquals(0.5, s.timeStep());
        assertEquals(5, s.idwGamma());
        assertArrayEquals(new String[] {"a", "b"}, new MultistageOt().setFeatureCols("a", "b").getFeatureCols());
        assertTrue(new MultistageOt().setReferenceParity(true).settings().referencePlans());
        SnapshotSettings online = new MultistageOt().setKernel("Online").setTileRows(64).settings();
        assertEquals(org.chreode.kernels.geometry.KernelMode.ONLINE, online.kernelMode());
        assertEquals(64, online.tileRows());
        // copy keeps the values
        MultistageOt copy = ot.copy(new org.apache.spark.ml.param.ParamMap());
        assertEquals(0.1, copy.getEpsilon());
        assertEquals(ot.uid(), copy.uid());
    }

    @Test
    void parametersValidation() {
        assertInvalid("epsilon", () -> new MultistageOt().setEpsilon(-1));
        assertInvalid("epsilon", () -> new MultistageOt().setEpsilon(0));
        assertInvalid("stages", () -> new MultistageOt().setStages(1));
        assertInvalid("kernel", () -> new MultistageOt().setKernel("dense"));
        assertInvalid("tileRows", () -> new MultistageOt().setTileRows(0));
        assertInvalid("tolerance", () -> new MultistageOt().setTolerance(0));
        assertInvalid("maxIterations", () -> new MultistageOt().setMaxIterations(0));
        assertInvalid("checkInterval", () -> new MultistageOt().setCheckInterval(0));
        assertInvalid("epsilonTarget", () -> new MultistageOt().setEpsilonTarget(-0.1));
        assertInvalid("outlierCost", () -> new MultistageOt().setOutlierCost(0));
        assertInvalid("method", () -> new MultistageOt().setMethod("sinkhorn"));
        assertInvalid("costNormalization", () -> new MultistageOt().setCostNormalization("max"));
        assertInvalid("kernelPrecision", () -> new MultistageOt().setKernelPrecision("float16"));
        assertInvalid("threads", () -> new MultistageOt().setThreads(-1));
        assertInvalid("timeStep", () -> new MultistageOt().setTimeStep(-1));
        assertInvalid("idwGamma", () -> new MultistageOt().setIdwGamma(Double.POSITIVE_INFINITY));
        assertInvalid("idCol", () -> new MultistageOt().setIdCol(" "));
        // Cross-parameter rules fail at fit, before any job, with the CLI's message.
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> new MultistageOt().setIdCol("cell").setEpsilon(0.05).setEpsilonTarget(0.1).fit(df));
        assertTrue(e.getMessage().contains("epsilon-target"), e.getMessage());
        // Schema problems name the column and the param.
        e = assertThrows(InvalidInputException.class, () -> new MultistageOt().setIdCol("nope").fit(df));
        assertTrue(e.getMessage().contains("'nope' (param idCol)"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> new MultistageOt().setIdCol("cell").setFeatureCols("x", "z").fit(df));
        assertTrue(e.getMessage().contains("'z' (param featureCols)"), e.getMessage());
        e = assertThrows(InvalidInputException.class,
                () -> new MultistageOt().setIdCol("cell").setFeaturesCol("x").fit(df));
        assertTrue(e.getMessage().contains("must be a Vector"), e.getMessage());
    }

    private static void assertInvalid(String param, org.junit.jupiter.api.function.Executable set) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, set);
        assertTrue(e.getMessage().contains("parameter " + param + " given invalid value"), e.getMessage());
    }

    @Test
    void fitAndTransformGiveTheCliNumbers() {
        MultistageOtSummary summary = model.summary();
        assertEquals(105, summary.cellCount());
        assertEquals(List.of(cli.fateLabels()), summary.fateLabels());
        assertEquals(List.of("x", "y"), summary.featureNames());
        assertEquals(Boolean.TRUE, summary.converged());
        assertEquals(model.uid(), model.parent().uid());
        assertEquals(0.05, model.getEpsilon());

        Dataset<Row> out = model.transform(df);
        assertEquals(105, out.count());
        List<String> expected = new java.util.ArrayList<>(Arrays.asList(df.columns()));
        expected.addAll(model.outputColumns());
        assertEquals(expected, Arrays.asList(out.columns()));
        assertMatchesCli(out, "cell");
    }

    /** Every result column of {@code out} equals the CLI's value for the same cell, to 1e-12 (null = NaN). */
    private static void assertMatchesCli(Dataset<Row> out, String idCol) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < cli.cellCount(); i++) {
            index.put(cli.cellIds()[i], i);
        }
        for (Row r : out.collectAsList()) {
            int i = index.get(String.valueOf(r.get(r.fieldIndex(idCol))));
            assertClose(cli.pseudotime()[i], r, "pseudotime");
            assertClose(cli.expectedStage()[i], r, "expected_stage");
            assertClose(cli.potency()[i], r, "potency");
            assertClose(cli.meanAbsorptionTime() == null ? Double.NaN : cli.meanAbsorptionTime()[i], r,
                    "mean_absorption_time");
            for (int j = 0; j < cli.fateLabels().length; j++) {
                assertClose(cli.fateProbabilities()[i][j], r, "fate_" + cli.fateLabels()[j]);
            }
        }
    }

    private static void assertClose(double expected, Row r, String column) {
        int c = r.fieldIndex(column);
        double actual = r.isNullAt(c) ? Double.NaN : r.getDouble(c);
        if (Double.isNaN(expected)) {
            assertTrue(Double.isNaN(actual), column + " should be null, was " + actual);
        } else {
            assertEquals(expected, actual, 1e-12, column);
        }
    }

    @Test
    void oneChainWithDefaultColumnNamesAndAVectorColumn() {
        Dataset<Row> cells = new VectorAssembler().setInputCols(new String[] {"x", "y"}).setOutputCol("features")
                .transform(df.withColumnRenamed("cell", "cell_id"));
        Dataset<Row> out = new MultistageOt().setEpsilon(0.05).fit(cells).transform(cells);
        assertEquals(105, out.count());
        assertMatchesCli(out, "cell_id");
    }

    @Test
    void transformRefusesAnExistingOutputColumn() {
        Dataset<Row> clash = df.withColumn("pseudotime", org.apache.spark.sql.functions.lit(1.0));
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> model.transform(clash));
        assertTrue(e.getMessage().contains("Output column 'pseudotime' already exists"), e.getMessage());
        InvalidInputException f = assertThrows(InvalidInputException.class,
                () -> new MultistageOt().setIdCol("cell").fit(clash));
        assertTrue(f.getMessage().contains("'pseudotime' already exists"), f.getMessage());
    }

    @Test
    void readWrite() throws Exception {
        String path = dir.resolve("model").toString();
        model.write().save(path);
        MultistageOtModel loaded = MultistageOtModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertEquals(model.getIdCol(), loaded.getIdCol());
        assertEquals(model.getEpsilon(), loaded.getEpsilon());
        assertArrayEquals(model.getFeatureCols(), loaded.getFeatureCols());
        assertEquals(model.fateLabels(), loaded.fateLabels());
        assertEquals(model.summary().converged(), loaded.summary().converged());
        assertNotNull(loaded.summary().diagnostics().get("method"));
        List<Row> before = model.transform(df).orderBy("cell").collectAsList();
        List<Row> after = loaded.transform(df).orderBy("cell").collectAsList();
        assertEquals(before, after);

        // An existing path is refused unless overwrite() is asked for.
        Exception e = assertThrows(Exception.class, () -> model.write().save(path));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        model.write().overwrite().save(path);

        // The Estimator round-trips its params.
        MultistageOt ot = new MultistageOt().setIdCol("cell").setFeatureCols("x", "y").setStages(4)
                .setEpsilon(0.2).setOutlierCost(2).setCostNormalization("mean");
        String estimatorPath = dir.resolve("estimator").toString();
        ot.save(estimatorPath);
        MultistageOt read = MultistageOt.load(estimatorPath);
        assertEquals(ot.uid(), read.uid());
        for (Param<?> p : ot.params()) {
            Object a = ot.getOrDefault(p);
            Object b = read.getOrDefault(p);
            if (a instanceof String[] arr) {
                assertArrayEquals(arr, (String[]) b, p.name());
            } else {
                assertEquals(a, b, p.name());
            }
            assertEquals(ot.isSet(p), read.isSet(p), p.name());
        }
    }
}
