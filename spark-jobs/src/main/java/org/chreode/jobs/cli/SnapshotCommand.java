package org.chreode.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.chreode.jobs.SparkSessions;
import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.snapshot.Method;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.chreode.kernels.snapshot.SnapshotSettings;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code chreode snapshot}: MultistageOT (or StationaryOT, IDW) on one snapshot. Options are the mechanical
 * kebab-case spellings of {@link SnapshotSettings} fields, with its defaults.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Pseudotime, fate probabilities, potency and outlier score of every cell of a snapshot.",
                "Input: CSV (with header) or Parquet with a cell id, a role (initial/intermediate/terminal; empty ="
                        + " intermediate), a fate label for terminal cells and numeric feature columns.",
                "Output directory: cells.csv, cells.parquet, run.json (written atomically)."})
public final class SnapshotCommand implements Callable<Integer> {

    /** The {@code --cost-normalization} value that picks median for multistage and idw, mean for stationary. */
    public static final String AUTO = "auto";

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "Input table: .csv, .parquet or a directory of Parquet/CSV parts (any Hadoop path).")
    String input;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Output directory (must not exist or be empty unless --overwrite).")
    String output;

    @Option(names = "--overwrite", description = "Replace an existing output directory (atomically). Default: off.")
    boolean overwrite;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[*], local[N], spark://host:port, yarn, k8s://... "
                    + "Default: spark.master when set (spark-submit), else local[*].")
    String master;

    @Option(names = "--id-col", paramLabel = "NAME", defaultValue = SnapshotColumns.DEFAULT_ID_COL,
            description = "Cell id column. Default: ${DEFAULT-VALUE}.")
    String idCol;

    @Option(names = "--role-col", paramLabel = "NAME", defaultValue = SnapshotColumns.DEFAULT_ROLE_COL,
            description = "Role column (initial/intermediate/terminal; empty = intermediate). Default: ${DEFAULT-VALUE}.")
    String roleCol;

    @Option(names = "--fate-col", paramLabel = "NAME", defaultValue = SnapshotColumns.DEFAULT_FATE_COL,
            description = "Fate label column of terminal cells (optional unless given). Default: ${DEFAULT-VALUE}.")
    String fateCol;

    @Option(names = "--features", split = ",", paramLabel = "COL",
            description = "Feature columns, comma-separated. Default: every numeric column not named elsewhere.")
    List<String> features = new ArrayList<>();

    @Option(names = "--feature-prefix", paramLabel = "PREFIX",
            description = "Use every column whose name starts with PREFIX as a feature. Default: none.")
    String featurePrefix;

    @Option(names = "--method", paramLabel = "NAME", defaultValue = "multistage",
            description = "Fate model: multistage, stationary or idw. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--stages", paramLabel = "N", defaultValue = "" + SnapshotSettings.DEFAULT_STAGES,
            description = "Intermediate transport stages (the reference's n_groups, >= 2). Default: ${DEFAULT-VALUE}.")
    int stages;

    @Option(names = "--epsilon", paramLabel = "E", defaultValue = "" + SnapshotSettings.DEFAULT_EPSILON,
            description = "Entropic regularisation in normalised cost units. Default: ${DEFAULT-VALUE}.")
    double epsilon;

    @Option(names = "--epsilon-target", paramLabel = "E",
            description = "Run the proximal-point loop down to this effective epsilon (< --epsilon). Default: off.")
    Double epsilonTarget;

    @Option(names = "--outlier-cost", paramLabel = "Q",
            description = "Enable auxiliary outlier states at this cost (normalised units); adds p_unknown. "
                    + "Default: off.")
    Double outlierCost;

    @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "" + SnapshotSettings.DEFAULT_TOLERANCE,
            description = "Stop when max dual step + infeasibility <= TOL. Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(names = "--max-iterations", paramLabel = "N", defaultValue = "" + SnapshotSettings.DEFAULT_MAX_ITERATIONS,
            description = "Cap on sweeps per Sinkhorn solve. Default: ${DEFAULT-VALUE}.")
    int maxIterations;

    @Option(names = "--check-interval", paramLabel = "N", defaultValue = "" + SnapshotSettings.DEFAULT_CHECK_INTERVAL,
            description = "Sweeps between convergence checks (the reference's patience). Default: ${DEFAULT-VALUE}.")
    int checkInterval;

    @Option(names = "--cost-normalization", paramLabel = "MODE", defaultValue = AUTO,
            description = "Cost scaling: median, mean, none, reference or auto (median for multistage and idw, mean"
                    + " for stationary). Default: ${DEFAULT-VALUE}.")
    String costNormalization;

    @Option(names = "--reference-parity",
            description = "Reproduce the published MultistageOT code: its median (cost normalisation 'reference') and"
                    + " plans from start-of-sweep scalings. Default: off.")
    boolean referenceParity;

    @Option(names = "--kernel-precision", paramLabel = "P", defaultValue = "float64",
            description = "Storage precision of the stored kernel: float64 or float32. Default: ${DEFAULT-VALUE}.")
    String kernelPrecision;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads for kernel products. Default: all available processors.")
    Integer threads;

    @Option(names = "--time-step", paramLabel = "DT", defaultValue = "" + SnapshotSettings.DEFAULT_TIME_STEP,
            description = "StationaryOT time step. Default: ${DEFAULT-VALUE}.")
    double timeStep;

    @Option(names = "--idw-gamma", paramLabel = "G", defaultValue = "" + SnapshotSettings.DEFAULT_IDW_GAMMA,
            description = "IDW exponent gamma. Default: ${DEFAULT-VALUE}.")
    double idwGamma;

    @Option(names = {"--debug", "--verbose"}, description = "Print stack traces with errors. Default: off.")
    boolean debug;

    @Override
    public Integer call() {
        try {
            SnapshotJob.Request request = new SnapshotJob.Request(input, output, overwrite, columns(), settings(),
                    commandLineArgs());
            SnapshotJob.Report report = SparkSessions.withSession("chreode snapshot", master,
                    spark -> SnapshotJob.run(spark, request));
            SnapshotResult r = report.result();
            spec.commandLine().getOut().println("chreode snapshot: wrote " + report.output() + " (" + r.cellCount()
                    + " cells, fates: " + String.join(", ", r.fateLabels()) + (r.hasOutlierFate() ? ", unknown" : "")
                    + ")");
            spec.commandLine().getOut().flush();
            return 0;
        } catch (Exception e) {
            return ChreodeCli.reportError(spec.commandLine(), e, debug);
        }
    }

    private List<String> commandLineArgs() {
        // The parse result of a subcommand holds the original arguments of the whole command line.
        List<String> args = new ArrayList<>(List.of("chreode"));
        if (spec.commandLine().getParseResult() != null) {
            args.addAll(spec.commandLine().getParseResult().originalArgs());
        }
        return args;
    }

    /** The column selection these options describe. */
    public SnapshotColumns columns() {
        boolean fateExplicit = spec != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--fate-col");
        return new SnapshotColumns(idCol, roleCol, fateCol, fateExplicit, features, featurePrefix);
    }

    /** The kernel settings these options describe; bad values fail with {@link InvalidInputException}. */
    public SnapshotSettings settings() {
        Method m = Method.parse(method);
        SnapshotSettings.Builder b = SnapshotSettings.builder()
                .method(m)
                .stages(stages)
                .epsilon(epsilon)
                .epsilonTarget(epsilonTarget == null ? Double.NaN : epsilonTarget)
                .outlierCost(outlierCost == null ? Double.NaN : outlierCost)
                .tolerance(tolerance)
                .maxIterations(maxIterations)
                .checkInterval(checkInterval)
                .costNormalization(costNormalization(m))
                .kernelPrecision(KernelPrecision.parse(kernelPrecision))
                .timeStep(timeStep)
                .idwGamma(idwGamma);
        if (threads != null) {
            b.threads(threads);
        }
        if (referenceParity) {
            if (!AUTO.equalsIgnoreCase(costNormalization.trim())
                    && CostNormalization.parse(costNormalization) != CostNormalization.REFERENCE) {
                throw new InvalidInputException("--reference-parity uses the reference median; drop"
                        + " --cost-normalization " + costNormalization + " or set it to reference.");
            }
            b.referenceParity();
        }
        return b.build();
    }

    private CostNormalization costNormalization(Method m) {
        if (AUTO.equalsIgnoreCase(costNormalization.trim())) {
            return m == Method.STATIONARY ? CostNormalization.MEAN : CostNormalization.MEDIAN;
        }
        return CostNormalization.parse(costNormalization);
    }
}
