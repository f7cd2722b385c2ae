package org.chreode.jobs.cli;

import java.util.List;
import java.util.concurrent.Callable;

import org.chreode.jobs.hmot.HmotJob;
import org.chreode.jobs.temporal.TemporalTableReader;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.lowrank.HiddenMarkovOtSolver;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code chreode hmot}: Hidden-Markov OT over a time course (CONTRACT.md "hmot outputs", docs/hmot.md). */
@Command(name = "hmot", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Hidden-Markov OT (HM-OT): latent cell types at every time point and the transitions between"
                + " consecutive time points, by the forward-backward scheme of Halmos et al. (spec lowrank.md §5).",
                "Input: CSV (with header) or Parquet with a cell id, a numeric time column and numeric feature"
                        + " columns (optionally a cell-type column); or an AnnData .h5ad file.",
                "Output directory: latent_types.csv, transitions/<t0>_<t1>.csv, differentiation_map.json,"
                        + " differentiation_map.png, run.json (written atomically)."})
public final class HmotCommand implements Callable<Integer> {

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

    @Option(names = "--ranks", split = ",", paramLabel = "R",
            description = "Latent types per time point: one value for all, or one per time point in time order."
                    + " Not needed where the cell-type column fixes them. Default: none.")
    List<Integer> ranks;

    @Option(names = "--cell-type-col", paramLabel = "NAME",
            description = "Cell-type column: labels for --supervised-times / --proportions-from-col, and the truth"
                    + " that AMI/ARI in run.json are scored against. Default: none.")
    String cellTypeCol;

    @Option(names = "--supervised-times", split = ",", paramLabel = "T",
            description = "Time points whose latent types are fixed to the cell types (label transfer), e.g. 0,2."
                    + " Default: none (unsupervised).")
    List<Double> supervisedTimes;

    @Option(names = "--proportions-from-col", description = "Fix the latent-type proportions at every time point to"
            + " the cell-type fractions (rank = number of cell types there). Default: off.")
    boolean proportionsFromCol;

    @Option(names = "--warm-start", paramLabel = "FILE",
            description = "JSON with initial transitions, {\"transitions\": [{\"matrix\": [[...]]}, ...]} one per"
                    + " consecutive pair (a previous run's differentiation_map.json works). Default: none.")
    String warmStart;

    @Option(names = "--map-threshold", paramLabel = "W", defaultValue = "0.01",
            description = "Leave map edges with transition mass below W out of differentiation_map.json/.png"
                    + " (masses sum to 1 per pair). Default: ${DEFAULT-VALUE}.")
    double mapThreshold;

    @Option(names = "--gamma", paramLabel = "G", defaultValue = "" + HiddenMarkovOtSolver.DEFAULT_GAMMA,
            description = "Mirror-descent step scale (larger = bolder steps). Default: ${DEFAULT-VALUE}.")
    double gamma;

    @Option(names = "--tau-in", paramLabel = "T",
            defaultValue = "" + HiddenMarkovOtSolver.DEFAULT_INNER_MARGINAL_WEIGHT,
            description = "KL weight keeping free type proportions near their previous value (large = nearly"
                    + " fixed at 1/r, small = free to drift). Default: ${DEFAULT-VALUE}.")
    double tauIn;

    @Option(names = "--min-iterations", paramLabel = "N",
            defaultValue = "" + HiddenMarkovOtSolver.DEFAULT_MIN_ITERATIONS,
            description = "Mirror-descent iterations per stage before the stopping rule may fire. Default:"
                    + " ${DEFAULT-VALUE}.")
    int minIterations;

    @Option(names = "--max-iterations", paramLabel = "N",
            defaultValue = "" + HiddenMarkovOtSolver.DEFAULT_MAX_ITERATIONS,
            description = "Iteration cap per stage. Default: ${DEFAULT-VALUE}.")
    int maxIterations;

    @Option(names = "--tolerance", paramLabel = "TOL", defaultValue = "" + HiddenMarkovOtSolver.DEFAULT_TOLERANCE,
            description = "Stop a stage when the weighted change of its factors is below TOL. Default:"
                    + " ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the random initial couplings. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--restarts", paramLabel = "K", defaultValue = "" + HiddenMarkovOtSolver.DEFAULT_RESTARTS,
            description = "Complete runs from seeds S, S+1, ...; the lowest objective is kept (all objectives in"
                    + " run.json). Default: ${DEFAULT-VALUE}.")
    int restarts;

    @Override
    public Integer call() {
        return run.execute(spec.commandLine(), "chreode hmot", this::request, HmotJob::run,
                (request, report) -> "chreode hmot: wrote " + report.output() + " ("
                        + report.solution().labels().length + " time points, objective "
                        + report.solution().objective() + ")");
    }

    /** The request these options describe; bad values fail with {@link InvalidInputException}. */
    public HmotJob.Request request() {
        annData.check(spec.commandLine());
        if (cellTypeCol != null && cellTypeCol.isBlank()) {
            throw new InvalidInputException("--cell-type-col must name a column (got an empty name).");
        }
        int[] r = ranks == null ? null : ranks.stream().mapToInt(Integer::intValue).toArray();
        double[] supervised = null;
        if (supervisedTimes != null) {
            supervised = supervisedTimes.stream().mapToDouble(Double::doubleValue).toArray();
            for (double t : supervised) {
                if (!Double.isFinite(t)) {
                    throw new InvalidInputException("--supervised-times must be numbers (got " + t + ").");
                }
            }
        }
        HmotJob.Params params = new HmotJob.Params(r, supervised, proportionsFromCol, warmStart, mapThreshold, gamma,
                tauIn, minIterations, maxIterations, tolerance, seed, restarts);
        TemporalTableReader.Columns selection = new TemporalTableReader.Columns(columns.idCol, timeCol, cellTypeCol,
                columns.features, columns.featurePrefix, annData.obsm, annData.useX);
        return new HmotJob.Request(io.input, io.output, run.overwrite, selection, params,
                RunOptions.commandLine(spec.commandLine()));
    }
}
