package org.chreode.jobs.cli;

import java.util.Map;
import java.util.concurrent.Callable;

import org.chreode.jobs.SparkSessions;
import org.chreode.jobs.demo.DemoRun;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.demo.BranchingSnapshotGenerator;
import org.chreode.kernels.demo.DemoSnapshot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code chreode demo}: simulates a differentiation snapshot with known fates (Langevin dynamics on a branching
 * landscape; true fates from simulated futures), runs {@code snapshot} on it and prints how close the inferred fates
 * and pseudotime are to the truth.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = {"Builds a synthetic differentiation snapshot with known fates, runs snapshot on it and prints"
                + " the accuracy against the truth (mean total variation, dominant-fate accuracy, pseudotime rank"
                + " correlation).",
                "Output directory: the snapshot outputs plus demo_input.csv, demo_truth.csv and true_fates.png."})
public final class DemoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--output", paramLabel = "DIR", defaultValue = "chreode-demo",
            description = "Output directory. Default: ${DEFAULT-VALUE}.")
    String output;

    @Mixin
    RunOptions run = new RunOptions();

    @Option(names = "--cells", paramLabel = "N", defaultValue = "" + BranchingSnapshotGenerator.DEFAULT_CELLS,
            description = "Cells to simulate. Default: ${DEFAULT-VALUE}.")
    int cells;

    @Option(names = "--fates", paramLabel = "K", defaultValue = "" + BranchingSnapshotGenerator.DEFAULT_FATES,
            description = "Number of terminal fates (branches). Default: ${DEFAULT-VALUE}.")
    int fates;

    @Option(names = "--dim", paramLabel = "D", defaultValue = "" + BranchingSnapshotGenerator.DEFAULT_DIM,
            description = "Feature dimensions (2-D dynamics embedded in D dimensions). Default: ${DEFAULT-VALUE}.")
    int dim;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "" + BranchingSnapshotGenerator.DEFAULT_SEED,
            description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--futures", paramLabel = "R", defaultValue = "" + BranchingSnapshotGenerator.DEFAULT_FUTURES,
            description = "Simulated futures per cell for its true fate probabilities. Default: ${DEFAULT-VALUE}.")
    int futures;

    @Mixin
    SolverOptions solver = new SolverOptions();

    @Override
    public Integer call() {
        try {
            // the demo scores against the simulated futures, so it needs at least one (the generator allows 0)
            org.chreode.kernels.common.InvalidInputException.requireAtLeast("futures", futures, 1);
            DemoSnapshot demo = BranchingSnapshotGenerator.builder().cells(cells).fates(fates).dim(dim).seed(seed)
                    .futures(futures).build().generate();
            Map.Entry<SnapshotJob.Report, DemoRun.Scores> done = SparkSessions.withSession("chreode demo", run.master,
                    spark -> {
                        try {
                            return DemoRun.run(spark, demo, output, run.overwrite, solver.settings(),
                                    RunOptions.commandLine(spec.commandLine()));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            DemoRun.Scores s = done.getValue();
            var out = spec.commandLine().getOut();
            out.printf("chreode demo: %d cells, %d fates, %d dimensions -> %s%n", demo.cellCount(),
                    demo.fateLabels().length, demo.input().dimension(), done.getKey().output());
            out.printf("  accuracy over %d intermediate cells:%n", s.scoredCells());
            out.printf("    mean total variation to the true fates  %.4f%n", s.meanTotalVariation());
            out.printf("    dominant-fate accuracy                   %.4f%n", s.dominantFateAccuracy());
            out.printf("    pseudotime rank correlation (Spearman)   %.4f%n", s.pseudotimeSpearman());
            out.flush();
            return 0;
        } catch (Exception e) {
            return ChreodeCli.reportError(spec.commandLine(), e, run.debug);
        }
    }
}
