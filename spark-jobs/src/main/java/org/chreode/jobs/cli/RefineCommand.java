package org.chreode.jobs.cli;

import java.util.concurrent.Callable;

import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.jobs.refine.RefineJob;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code chreode refine}: full-rank OT between two point clouds (CONTRACT.md "refine outputs"). */
@Command(name = "refine", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Optimal transport between two point clouds under the squared-Euclidean cost: a one-to-one"
                + " matching by Hierarchical Refinement (--mode full) or low-rank FRLC factors (--mode lowrank).",
                "Input: two tables (CSV with header, Parquet or .h5ad) with a cell id and numeric feature columns.",
                "Output directory: pairs.csv, pairs.parquet (source_id, target_id, cost) and run.json; with --mode"
                        + " lowrank factors/source_labels.csv, factors/target_labels.csv, factors/T.csv and run.json"
                        + " (written atomically)."})
public final class RefineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--source", required = true, paramLabel = "PATH", description = "Source table.")
    String source;

    @Option(names = "--target", required = true, paramLabel = "PATH", description = "Target table.")
    String target;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Output directory (must not exist or be empty unless --overwrite).")
    String output;

    @Mixin
    RunOptions run = new RunOptions();

    @Mixin
    FeatureOptions columns = new FeatureOptions();

    @Option(names = "--mode", paramLabel = "full|lowrank", defaultValue = "full",
            description = "full: bijection by Hierarchical Refinement; lowrank: FRLC factors. Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--rank", paramLabel = "R", defaultValue = "0",
            description = "Rank of the FRLC factors (--mode lowrank, required there).")
    int rank;

    @Option(names = "--max-base", paramLabel = "Q", defaultValue = "256",
            description = "Full mode: largest base block solved exactly. Default: ${DEFAULT-VALUE}.")
    int maxBase;

    @Option(names = "--max-rank", paramLabel = "R", defaultValue = "16",
            description = "Full mode: largest rank per refinement level. Default: ${DEFAULT-VALUE}.")
    int maxRank;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0",
            description = "Seed of the solver initialisations and subsampling. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--allow-unequal-sizes", description = "Full mode with n != m: subsample the larger side to"
            + " min(n, m) cells and match those (the others stay unmatched). Default: off.")
    boolean allowUnequalSizes;

    @Override
    public Integer call() {
        return run.execute(spec.commandLine(), "chreode refine", this::request, RefineJob::run,
                (request, report) -> "chreode refine: wrote " + report.output() + " ("
                        + request.params().mode().label() + ", primal cost " + report.run().get("primal_cost") + ")");
    }

    /** The request these options describe; bad values fail with InvalidInputException. */
    public RefineJob.Request request() {
        RefineJob.Params params = new RefineJob.Params(RefineJob.Mode.parse(mode), rank, maxBase, maxRank, seed,
                allowUnequalSizes);
        return new RefineJob.Request(source, target, output, run.overwrite,
                SnapshotColumns.featuresOnly(columns.idCol, columns.features, columns.featurePrefix), params,
                RunOptions.commandLine(spec.commandLine()));
    }
}
