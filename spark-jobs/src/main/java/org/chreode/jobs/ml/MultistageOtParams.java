package org.chreode.jobs.ml;

import java.io.Serializable;
import java.util.Locale;
import java.util.function.DoublePredicate;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;
import org.chreode.jobs.cli.SolverOptions;
import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.kernels.snapshot.SnapshotSettings;

import scala.Function1;
import scala.runtime.AbstractFunction1;

/**
 * The Params of {@link MultistageOt} and {@link MultistageOtModel}, declared once: every Param object, doc,
 * validator and default lives here, and both the Estimator and the Model mix this interface in, so a model carries
 * exactly the settings it was fitted with.
 *
 * <p>The solver Params are the CLI options of {@code chreode snapshot} spelled in camelCase ({@code --max-iterations}
 * is {@code maxIterations}), with the same docs ({@link SolverOptions}'s {@code DOC_*} constants) and defaults
 * ({@link SnapshotSettings}'s {@code DEFAULT_*} constants). "Off" is NaN for {@code epsilonTarget} and
 * {@code outlierCost}, and {@code threads = 0} means all available processors, as the CLI's absent option does.
 *
 * <p>Features come either from a Vector (or numeric array) column {@code featuresCol} or from the numeric columns
 * {@code featureCols}; with neither given and no {@code features} column in the data, every numeric column besides
 * the id, role and fate columns is a feature (the CLI's default).
 *
 * <p>A bad value fails when it is set, with Spark's message naming the param ("... parameter epsilon given invalid
 * value -1.0").
 */
public interface MultistageOtParams extends Params {

    /** Allowed {@code method} values. */
    String[] METHODS = {"multistage", "stationary", "idw"};
    /** Allowed {@code costNormalization} values. */
    String[] COST_NORMALIZATIONS = {SolverOptions.AUTO, "median", "mean", "none", "reference"};
    /** Allowed {@code kernelPrecision} values. */
    String[] KERNEL_PRECISIONS = {"float64", "float32"};
    /** Allowed {@code kernel} values. */
    String[] KERNELS = {"auto", "stored", "online", "distributed"};
    /** Default of {@code featuresCol} (Spark's {@code HasFeaturesCol} default). */
    String DEFAULT_FEATURES_COL = "features";

    /** The Param objects of one owner, created once per Estimator or Model instance. */
    final class ParamSet implements Serializable {
        private static final long serialVersionUID = 1L;

        final Param<String> idCol;
        final Param<String> roleCol;
        final Param<String> fateCol;
        final Param<String> featuresCol;
        final StringArrayParam featureCols;
        final Param<String> method;
        final IntParam stages;
        final DoubleParam epsilon;
        final DoubleParam epsilonTarget;
        final DoubleParam outlierCost;
        final DoubleParam tolerance;
        final IntParam maxIterations;
        final IntParam checkInterval;
        final Param<String> costNormalization;
        final BooleanParam referenceParity;
        final Param<String> kernelPrecision;
        final Param<String> kernel;
        final IntParam tileRows;
        final IntParam threads;
        final DoubleParam timeStep;
        final DoubleParam idwGamma;

        ParamSet(Params owner) {
            idCol = new Param<>(owner, "idCol", "Cell identifier column (unique; cast to string).", nonBlank());
            roleCol = new Param<>(owner, "roleCol",
                    "Role column: initial, intermediate or terminal; empty = intermediate.", nonBlank());
            fateCol = new Param<>(owner, "fateCol",
                    "Fate label column (read for terminal cells); may be absent from the data.", nonBlank());
            featuresCol = new Param<>(owner, "featuresCol",
                    "Vector (or numeric array) column of feature coordinates; used when featureCols is empty.",
                    nonBlank());
            featureCols = new StringArrayParam(owner, "featureCols",
                    "Numeric feature columns (the CLI's --features); empty = use featuresCol.");
            method = new Param<>(owner, "method", SolverOptions.DOC_METHOD, oneOf(METHODS));
            stages = new IntParam(owner, "stages", SolverOptions.DOC_STAGES, ParamValidators.gtEq(2));
            epsilon = new DoubleParam(owner, "epsilon", SolverOptions.DOC_EPSILON, positive());
            epsilonTarget = new DoubleParam(owner, "epsilonTarget",
                    SolverOptions.DOC_EPSILON_TARGET + " NaN = off.", nanOr(v -> v > 0 && v < Double.POSITIVE_INFINITY));
            outlierCost = new DoubleParam(owner, "outlierCost", SolverOptions.DOC_OUTLIER_COST + " NaN = off.",
                    nanOr(v -> v > 0 && v < Double.POSITIVE_INFINITY));
            tolerance = new DoubleParam(owner, "tolerance", SolverOptions.DOC_TOLERANCE, positive());
            maxIterations = new IntParam(owner, "maxIterations", SolverOptions.DOC_MAX_ITERATIONS,
                    ParamValidators.gtEq(1));
            checkInterval = new IntParam(owner, "checkInterval", SolverOptions.DOC_CHECK_INTERVAL,
                    ParamValidators.gtEq(1));
            costNormalization = new Param<>(owner, "costNormalization", SolverOptions.DOC_COST_NORMALIZATION,
                    oneOf(COST_NORMALIZATIONS));
            referenceParity = new BooleanParam(owner, "referenceParity", SolverOptions.DOC_REFERENCE_PARITY);
            kernelPrecision = new Param<>(owner, "kernelPrecision", SolverOptions.DOC_KERNEL_PRECISION,
                    oneOf(KERNEL_PRECISIONS));
            kernel = new Param<>(owner, "kernel", SolverOptions.DOC_KERNEL, oneOf(KERNELS));
            tileRows = new IntParam(owner, "tileRows", SolverOptions.DOC_TILE_ROWS, ParamValidators.gtEq(1));
            threads = new IntParam(owner, "threads", SolverOptions.DOC_THREADS + " 0 = all available processors.",
                    ParamValidators.gtEq(0));
            timeStep = new DoubleParam(owner, "timeStep", SolverOptions.DOC_TIME_STEP, positive());
            idwGamma = new DoubleParam(owner, "idwGamma", SolverOptions.DOC_IDW_GAMMA,
                    check(v -> v >= 0 && v < Double.POSITIVE_INFINITY));
        }
    }

    /** This instance's Param objects. */
    ParamSet paramSet();

    /** Sets every default; called once by each constructor. */
    default void setDefaults() {
        ParamSet p = paramSet();
        setDefault(p.idCol, SnapshotColumns.DEFAULT_ID_COL);
        setDefault(p.roleCol, SnapshotColumns.DEFAULT_ROLE_COL);
        setDefault(p.fateCol, SnapshotColumns.DEFAULT_FATE_COL);
        setDefault(p.featuresCol, DEFAULT_FEATURES_COL);
        setDefault(p.featureCols, new String[0]);
        setDefault(p.method, "multistage");
        setDefault(p.stages, SnapshotSettings.DEFAULT_STAGES);
        setDefault(p.epsilon, SnapshotSettings.DEFAULT_EPSILON);
        setDefault(p.epsilonTarget, Double.NaN);
        setDefault(p.outlierCost, Double.NaN);
        setDefault(p.tolerance, SnapshotSettings.DEFAULT_TOLERANCE);
        setDefault(p.maxIterations, SnapshotSettings.DEFAULT_MAX_ITERATIONS);
        setDefault(p.checkInterval, SnapshotSettings.DEFAULT_CHECK_INTERVAL);
        setDefault(p.costNormalization, SolverOptions.AUTO);
        setDefault(p.referenceParity, false);
        setDefault(p.kernelPrecision, "float64");
        setDefault(p.kernel, "auto");
        setDefault(p.tileRows, SnapshotSettings.DEFAULT_TILE_ROWS);
        setDefault(p.threads, 0);
        setDefault(p.timeStep, SnapshotSettings.DEFAULT_TIME_STEP);
        setDefault(p.idwGamma, SnapshotSettings.DEFAULT_IDW_GAMMA);
    }

    default Param<String> idCol() { return paramSet().idCol; }
    default Param<String> roleCol() { return paramSet().roleCol; }
    default Param<String> fateCol() { return paramSet().fateCol; }
    default Param<String> featuresCol() { return paramSet().featuresCol; }
    default StringArrayParam featureCols() { return paramSet().featureCols; }
    default Param<String> method() { return paramSet().method; }
    default IntParam stages() { return paramSet().stages; }
    default DoubleParam epsilon() { return paramSet().epsilon; }
    default DoubleParam epsilonTarget() { return paramSet().epsilonTarget; }
    default DoubleParam outlierCost() { return paramSet().outlierCost; }
    default DoubleParam tolerance() { return paramSet().tolerance; }
    default IntParam maxIterations() { return paramSet().maxIterations; }
    default IntParam checkInterval() { return paramSet().checkInterval; }
    default Param<String> costNormalization() { return paramSet().costNormalization; }
    default BooleanParam referenceParity() { return paramSet().referenceParity; }
    default Param<String> kernelPrecision() { return paramSet().kernelPrecision; }
    default Param<String> kernel() { return paramSet().kernel; }
    default IntParam tileRows() { return paramSet().tileRows; }
    default IntParam threads() { return paramSet().threads; }
    default DoubleParam timeStep() { return paramSet().timeStep; }
    default DoubleParam idwGamma() { return paramSet().idwGamma; }

    default String getIdCol() { return $(idCol()); }
    default String getRoleCol() { return $(roleCol()); }
    default String getFateCol() { return $(fateCol()); }
    default String getFeaturesCol() { return $(featuresCol()); }
    default String[] getFeatureCols() { return $(featureCols()); }
    default String getMethod() { return $(method()); }
    default int getStages() { return (Integer) $(stages()); }
    default double getEpsilon() { return (Double) $(epsilon()); }
    default double getEpsilonTarget() { return (Double) $(epsilonTarget()); }
    default double getOutlierCost() { return (Double) $(outlierCost()); }
    default double getTolerance() { return (Double) $(tolerance()); }
    default int getMaxIterations() { return (Integer) $(maxIterations()); }
    default int getCheckInterval() { return (Integer) $(checkInterval()); }
    default String getCostNormalization() { return $(costNormalization()); }
    default boolean getReferenceParity() { return (Boolean) $(referenceParity()); }
    default String getKernelPrecision() { return $(kernelPrecision()); }
    default String getKernel() { return $(kernel()); }
    default int getTileRows() { return (Integer) $(tileRows()); }
    default int getThreads() { return (Integer) $(threads()); }
    default double getTimeStep() { return (Double) $(timeStep()); }
    default double getIdwGamma() { return (Double) $(idwGamma()); }

    /** The kernel settings these Params describe, through the same translation as the CLI's options. */
    default SnapshotSettings settings() {
        return SolverOptions.settings(getMethod(), getStages(), getEpsilon(), getEpsilonTarget(), getOutlierCost(),
                getTolerance(), getMaxIterations(), getCheckInterval(), getCostNormalization(),
                getReferenceParity(), getKernelPrecision(), getThreads(), getTimeStep(), getIdwGamma(), getKernel(),
                getTileRows());
    }

    /** A serializable Param validator for doubles. */
    static Function1<Object, Object> check(SerializableDoublePredicate rule) {
        return new Check<>(v -> v instanceof Number n && rule.test(n.doubleValue()));
    }

    private static Function1<Object, Object> positive() {
        return check(v -> v > 0 && v < Double.POSITIVE_INFINITY);
    }

    private static Function1<Object, Object> nanOr(SerializableDoublePredicate rule) {
        return check(v -> Double.isNaN(v) || rule.test(v));
    }

    private static Function1<String, Object> nonBlank() {
        return new Check<>(v -> v instanceof String s && !s.isBlank());
    }

    private static Function1<String, Object> oneOf(String... allowed) {
        return new Check<>(v -> v instanceof String s && java.util.Arrays.asList(allowed).contains(s));
    }

    /** A {@link DoublePredicate} that can travel with its Param. */
    interface SerializableDoublePredicate extends DoublePredicate, Serializable {
    }

    /** A predicate that can travel with its Param. */
    interface SerializablePredicate extends Serializable {
        boolean test(Object value);
    }

    /** A Scala function wrapping a serializable predicate (Params validators are Scala functions). */
    final class Check<T> extends AbstractFunction1<T, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final SerializablePredicate rule;

        Check(SerializablePredicate rule) {
            this.rule = rule;
        }

        @Override
        public Object apply(T value) {
            return rule.test(value);
        }
    }

    /** Lower-case spelling of a user-supplied enum value (CLI parsing is case-insensitive; Params take lower case). */
    static String lower(String value) {
        return value == null ? null : value.trim().toLowerCase(Locale.ROOT);
    }
}
