package org.chreode.jobs.cli;

import java.util.concurrent.Callable;

import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.jobs.snapshot.PartitionedSnapshotJob;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.multistage.MultistageOtSolver;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.chreode.partitioning.SnapshotPartitioner;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
                        + " intermediate), a fate label for terminal cells and numeric feature columns; or an AnnData"
                        + " .h5ad file (ids = obs names, role/fate = obs columns, features = obsm[--obsm] or X).",
                "Output directory: cells.csv, cells.parquet, run.json (written atomically)."})
public final class SnapshotCommand implements Callable<Integer> {

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

    @Option(names = "--role-col", paramLabel = "NAME", defaultValue = SnapshotColumns.DEFAULT_ROLE_COL,
            description = "Role column (initial/intermediate/terminal; empty = intermediate). Default: ${DEFAULT-VALUE}.")
    String roleCol;

    @Option(names = "--fate-col", paramLabel = "NAME", defaultValue = SnapshotColumns.DEFAULT_FATE_COL,
            description = "Fate label column of terminal cells (optional unless given). Default: ${DEFAULT-VALUE}.")
    String fateCol;

    @Mixin
    SolverOptions solver = new SolverOptions();

    @Option(names = "--partition-size", paramLabel = "CELLS",
            description = "Solve MultistageOT on subsets of about CELLS cells (one Spark task each) and merge their"
                    + " sparse transitions into one Markov chain (docs/partitioned-snapshot.md). Default: the"
                    + " single solve, unless the cell count exceeds the partition size that fits the executor heap.")
    Integer partitionSize;

    @Option(names = "--rounds", paramLabel = "R", defaultValue = "" + SnapshotPartitioner.DEFAULT_ROUNDS,
            description = "Partitioned runs: independent random partitions whose transitions are summed."
                    + " Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Option(names = "--partition-seed", paramLabel = "SEED", defaultValue = "" + SnapshotPartitioner.DEFAULT_SEED,
            description = "Partitioned runs: seed of the partitions. Default: ${DEFAULT-VALUE}.")
    long partitionSeed;

    @Option(names = "--transitions-per-cell", paramLabel = "K",
            defaultValue = "" + MultistageOtSolver.DEFAULT_TRANSITIONS_PER_CELL,
            description = "Partitioned runs: largest transitions kept per cell and subset (the rest is reported as"
                    + " dropped mass in run.json). Default: ${DEFAULT-VALUE}.")
    int transitionsPerCell;

    @Override
    public Integer call() {
        return run.execute(spec.commandLine(), "chreode snapshot",
                () -> new SnapshotJob.Request(io.input, io.output, run.overwrite, columns(), settings(),
                        RunOptions.commandLine(spec.commandLine())),
                (spark, request) -> PartitionedSnapshotJob.runAuto(spark, request, partitionSize, rounds,
                        partitionSeed, transitionsPerCell),
                (request, report) -> summary(report.output(), report.result()));
    }

    private static String summary(String output, SnapshotResult r) {
        return "chreode snapshot: wrote " + output + " (" + r.cellCount() + " cells, fates: "
                + String.join(", ", r.fateLabels()) + (r.hasOutlierFate() ? ", unknown" : "") + ")";
    }

    /** The column selection these options describe. */
    public SnapshotColumns columns() {
        boolean fateExplicit = spec != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--fate-col");
        annData.check(spec == null ? null : spec.commandLine());
        return new SnapshotColumns(columns.idCol, roleCol, fateCol, fateExplicit, columns.features, columns.featurePrefix,
                annData.obsm, annData.useX);
    }

    /** The kernel settings these options describe; bad values fail with {@link InvalidInputException}. */
    public SnapshotSettings settings() {
        return solver.settings();
    }
}
