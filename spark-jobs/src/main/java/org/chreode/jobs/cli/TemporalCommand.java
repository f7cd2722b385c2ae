package org.chreode.jobs.cli;

import java.util.concurrent.Callable;

import org.chreode.jobs.SparkSessions;
import org.chreode.jobs.temporal.TemporalJob;
import org.chreode.jobs.temporal.TemporalTableReader;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelMode;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code chreode temporal}: unbalanced OT between time points (CONTRACT.md "temporal outputs"). */
@Command(name = "temporal", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Unbalanced entropic OT between consecutive time points (Waddington-OT / moscot):"
                + " couplings, growth, cell-type transition tables and fates.",
                "Input: CSV (with header) or Parquet with a cell id, a numeric time column, a cell-type column and"
                        + " numeric feature columns; or an AnnData .h5ad file (ids = obs names, time and cell type ="
                        + " obs columns, features = obsm[--obsm] or X).",
                "Output directory: couplings/<t0>_<t1>.parquet, growth.csv, transitions/<t0>_<t1>_forward.csv and"
                        + " _backward.csv, fates.csv, run.json (written atomically); with --from or --from-ids also"
                        + " descendants.csv and ancestors.csv; with --validate-interpolation validation.csv."})
public final class TemporalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    TableIoOptions io = new TableIoOptions();

    @Mixin
    RunOptions run = new RunOptions();

    @Mixin
    FeatureOptions columns = new FeatureOptions();

    @Mixin
    AnnDataOptions annData = new AnnDataOptions();

    @Option(names = "--time-col", paramLabel = "NAME", defaultValue = "day",
            description = "Numeric time column. Default: ${DEFAULT-VALUE}.")
    String timeCol;

    @Option(names = "--cell-type-col", paramLabel = "NAME", defaultValue = "cell_type",
            description = "Cell-type column (transition tables and fates). Default: ${DEFAULT-VALUE}.")
    String cellTypeCol;

    @Option(names = "--no-cell-types", description = "Use no cell-type column: write only couplings, growth and"
            + " run.json. Default: off.")
    boolean noCellTypes;

    @Option(names = "--pairs", paramLabel = "T0:T1,...",
            description = "Time pairs to solve, e.g. 10:10.5,10.5:11. Default: consecutive time points.")
    String pairs;

    @Option(names = "--epsilon", paramLabel = "E", defaultValue = "0.05",
            description = "Entropic regularisation, in normalised cost units. Default: ${DEFAULT-VALUE}.")
    double epsilon;

    @Option(names = "--tau-a", paramLabel = "T", defaultValue = "1",
            description = "Source marginal relaxation in (0, 1] (1 = hard; tau = lambda/(lambda+epsilon))."
                    + " Default: ${DEFAULT-VALUE}.")
    double tauA;

    @Option(names = "--tau-b", paramLabel = "T", defaultValue = "1",
            description = "Target marginal relaxation in (0, 1]. Default: ${DEFAULT-VALUE}.")
    double tauB;

    @Option(names = "--cost-normalization", paramLabel = "mean|median|none", defaultValue = "mean",
            description = "Divide the squared-Euclidean cost of each pair by its mean (moscot), median (WOT) or"
                    + " nothing. Default: ${DEFAULT-VALUE}.")
    String costNormalization;

    @Option(names = "--local-pca", paramLabel = "K", defaultValue = "0",
            description = "Per-pair local PCA with K components (moscot/WOT style, for gene-level features); 0 ="
                    + " use the features as given. Default: ${DEFAULT-VALUE}.")
    int localPca;

    @Option(names = "--threshold", paramLabel = "R", defaultValue = "1e-8",
            description = "Coupling entries below R x (max entry) are dropped from couplings/*.parquet (the dropped"
                    + " mass is reported in run.json). Default: ${DEFAULT-VALUE}.")
    double threshold;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0",
            description = "Keep at most K entries per source cell in couplings/*.parquet (its largest above"
                    + " --threshold; for large pairs, where the threshold alone keeps too many); 0 = no cap."
                    + " Default: ${DEFAULT-VALUE}.")
    int topK;

    @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "1e-10",
            description = "Stop when the potentials change by less than TOL (cost units). Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(names = "--max-iterations", paramLabel = "N", defaultValue = "10000",
            description = "Iteration cap per pair. Default: ${DEFAULT-VALUE}.")
    int maxIterations;

    @Option(names = "--kernel", paramLabel = "auto|stored|online", defaultValue = "auto",
            description = "Where each pair's kernel lives: stored (cost and coupling in memory, 16 n m bytes), online"
                    + " (coordinates only, the kernel recomputed in tiles every iteration; memory O((n+m) d)) or auto"
                    + " (stored when it fits the task's share of the executor heap, else online);"
                    + " docs/kernel-modes.md. Default: ${DEFAULT-VALUE}.")
    String kernel;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Worker threads per pair task; 0 = the executor cores divided among the pairs it solves at"
                    + " once. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--over-relaxation", paramLabel = "W", defaultValue = "1",
            description = "Over-relaxation of the online solver in [1, 2): same solution, fewer iterations near hard"
                    + " marginals (1.6 halves them on the bench). Default: ${DEFAULT-VALUE}.")
    double overRelaxation;

    @Option(names = "--rank", paramLabel = "R", defaultValue = "0",
            description = "Solve each pair with balanced low-rank OT of rank R (FRLC; memory O((n+m) R), for very"
                    + " large pairs; needs --tau-a 1 --tau-b 1; --epsilon and --tolerance do not apply); 0 = full-rank"
                    + " entropic OT. Default: ${DEFAULT-VALUE}.")
    int rank;

    @Option(names = "--growth-col", paramLabel = "NAME",
            description = "Per-cell growth rate g >= 0 per unit time (WOT cell_growth_rate): prior budget G = g^dt,"
                    + " marginals a = G/sum(G), b = 1/n. Default: uniform marginals.")
    String growthCol;

    @Option(names = "--proliferation-col", paramLabel = "NAME",
            description = "Proliferation score column: birth-death prior G = exp((beta(p) - delta(q)) dt) (WOT/moscot"
                    + " gen_logistic); a missing apoptosis column counts as 0.")
    String proliferationCol;

    @Option(names = "--apoptosis-col", paramLabel = "NAME",
            description = "Apoptosis score column of the birth-death prior; a missing proliferation column counts as"
                    + " 0.")
    String apoptosisCol;

    @Option(names = "--growth-iters", paramLabel = "K", defaultValue = "1",
            description = "WOT growth iterations: solve each pair K times, each time replacing the growth budget by"
                    + " the previous coupling's row sums. Default: ${DEFAULT-VALUE}.")
    int growthIters;

    @Option(names = "--from", paramLabel = "LABEL",
            description = "Cell set = cells whose --cell-type-col value is LABEL: writes descendants.csv (pushed"
                    + " forward to every later time point) and ancestors.csv (pulled back to every earlier one).")
    String fromLabel;

    @Option(names = "--from-ids", paramLabel = "FILE",
            description = "Cell set = the cell ids listed in FILE, one per line (instead of --from).")
    String fromIds;

    @Option(names = "--from-time", paramLabel = "T",
            description = "Use the cell set only at time point T. Default: every time point where it has cells.")
    Double fromTime;

    @Option(names = "--validate-interpolation",
            description = "For each triplet of consecutive time points, solve t0 -> t1 without the middle one and"
                    + " compare the OT interpolation with the observed middle cells and random baselines"
                    + " (validation.csv). Default: off.")
    boolean validateInterpolation;

    @Option(names = "--validation-size", paramLabel = "N", defaultValue = "1000",
            description = "Points per cloud in the exact W2 distances of --validate-interpolation (Hungarian,"
                    + " O(N^3)). Default: ${DEFAULT-VALUE}.")
    int validationSize;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the validation sampling and of the --rank initialisation. Default:"
                    + " ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() {
        try {
            TemporalJob.Request request = request();
            TemporalJob.Report report = SparkSessions.withSession("chreode temporal", run.master,
                    spark -> TemporalJob.run(spark, request));
            spec.commandLine().getOut().println("chreode temporal: wrote " + report.output() + " ("
                    + report.pairs().size() + " time pairs)");
            spec.commandLine().getOut().flush();
            return 0;
        } catch (Exception e) {
            return ChreodeCli.reportError(spec.commandLine(), e, run.debug);
        }
    }

    /** The request these options describe; bad values fail with {@link InvalidInputException}. */
    public TemporalJob.Request request() {
        CostNormalization norm = switch (costNormalization.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "mean" -> CostNormalization.MEAN;
            case "median" -> CostNormalization.MEDIAN;
            case "none" -> CostNormalization.NONE;
            default -> throw new InvalidInputException("--cost-normalization must be mean, median or none (got '"
                    + costNormalization + "').");
        };
        TemporalJob.Params params = new TemporalJob.Params(epsilon, tauA, tauB, norm, localPca, threshold, tolerance,
                maxIterations, topK);
        if (pairs != null) {
            TemporalJob.parsePairs(pairs); // syntax errors before Spark starts
        }
        TemporalJob.GrowthOptions growth = new TemporalJob.GrowthOptions(growthCol, proliferationCol, apoptosisCol,
                growthIters);
        TemporalJob.FromOptions from = new TemporalJob.FromOptions(fromLabel, fromIds, fromTime);
        TemporalJob.ValidationOptions validation = new TemporalJob.ValidationOptions(validateInterpolation,
                validationSize, seed);
        TemporalTableReader.Columns selection = new TemporalTableReader.Columns(columns.idCol, timeCol,
                noCellTypes ? null : cellTypeCol, columns.features, columns.featurePrefix, annData.obsm, annData.useX,
                growth.columns());
        TemporalJob.Backend backend = new TemporalJob.Backend(KernelMode.parse(kernel), threads, overRelaxation,
                rank, seed);
        backend.check(params);
        return new TemporalJob.Request(io.input, io.output, run.overwrite, selection, params, pairs,
                RunOptions.commandLine(spec.commandLine()), growth, from, validation, backend);
    }

}
