package org.chreode.jobs.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.chreode.jobs.SparkSessions;
import org.chreode.jobs.demo.DemoRun;
import org.chreode.jobs.demo.TimeCourseDemoRun;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.demo.BranchingSnapshotGenerator;
import org.chreode.kernels.demo.DemoSnapshot;
import org.chreode.kernels.demo.TimeCourse;
import org.chreode.kernels.demo.TimeCourseGenerator;
import org.chreode.kernels.metrics.LineageScores;
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
                "Output directory: the snapshot outputs plus demo_input.csv, demo_truth.csv and true_fates.png.",
                "With --time-course: simulates a lineage-traced time course (clone barcodes, branch-dependent"
                        + " division, cells removed by sampling), runs temporal and hmot on it and prints how well"
                        + " the OT fates match the clonal fates (against uniform and nearest-neighbour baselines),"
                        + " how the learned growth correlates with the true rates, and the AMI/ARI of the HM-OT latent"
                        + " types. Output directory: timecourse.csv, temporal/, hmot/, scores.json."})
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

    @Option(names = "--dim", paramLabel = "D",
            description = "Feature dimensions (2-D dynamics embedded in D dimensions, the others noise). Default: "
                    + BranchingSnapshotGenerator.DEFAULT_DIM + ", or " + TimeCourseGenerator.DEFAULT_DIM
                    + " with --time-course.")
    Integer dim;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "" + BranchingSnapshotGenerator.DEFAULT_SEED,
            description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--futures", paramLabel = "R", defaultValue = "" + BranchingSnapshotGenerator.DEFAULT_FUTURES,
            description = "Simulated futures per cell for its true fate probabilities. Default: ${DEFAULT-VALUE}.")
    int futures;

    @Option(names = "--time-course", description = "Simulate a lineage-traced time course and score temporal and"
            + " hmot on it instead of the snapshot demo. Default: off.")
    boolean timeCourse;

    @Option(names = "--cells-per-day", paramLabel = "N", defaultValue = ""
            + TimeCourseGenerator.DEFAULT_CELLS_PER_DAY,
            description = "With --time-course: cells sampled at each day (at most half the living cells). Default:"
                    + " ${DEFAULT-VALUE}.")
    int cellsPerDay;

    @Option(names = "--days", paramLabel = "DAY", split = ",", defaultValue = "0,1,2,3",
            description = "With --time-course: sampling days, increasing. Default: ${DEFAULT-VALUE}.")
    List<Double> days;

    @Option(names = "--death-rate", paramLabel = "R", defaultValue = "" + TimeCourseGenerator.DEFAULT_DEATH_RATE,
            description = "With --time-course: cell death rate per day. Default: ${DEFAULT-VALUE}.")
    double deathRate;

    @Mixin
    SolverOptions solver = new SolverOptions();

    @Override
    public Integer call() {
        if (timeCourse) {
            return timeCourse();
        }
        try {
            int dim = this.dim != null ? this.dim : BranchingSnapshotGenerator.DEFAULT_DIM;
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

    /** {@code demo --time-course}: generate, run temporal and hmot, print the scores. */
    private Integer timeCourse() {
        try {
            TimeCourseGenerator generator = TimeCourseGenerator.builder().cellsPerDay(cellsPerDay)
                    .days(days.stream().mapToDouble(Double::doubleValue).toArray()).fates(fates)
                    .dim(dim != null ? dim : TimeCourseGenerator.DEFAULT_DIM).seed(seed).deathRate(deathRate).build();
            TimeCourse course = generator.generate();
            TimeCourseDemoRun.Report report = SparkSessions.withSession("chreode demo --time-course", run.master,
                    spark -> TimeCourseDemoRun.run(spark, course, output, run.overwrite, seed,
                            RunOptions.commandLine(spec.commandLine())));
            TimeCourseDemoRun.Scores s = report.scores();
            var out = spec.commandLine().getOut();
            out.printf("chreode demo --time-course: %d cells, %d days, %d clones, %d fates, %d dimensions -> %s%n",
                    course.cellCount(), course.sampleDays().length, generator.founders(), fates,
                    course.featureNames().length, report.output());
            LineageScores.Agreement ot = s.ot().overall();
            LineageScores.Agreement nn = s.neighbours().overall();
            LineageScores.Agreement un = s.uniform().overall();
            out.printf("  fates vs clonal truth over %d earlier cells     OT      nearest-nbr  uniform%n", ot.cells());
            out.printf("    mean total variation                      %.4f  %.4f       %.4f%n",
                    ot.meanTotalVariation(), nn.meanTotalVariation(), un.meanTotalVariation());
            out.printf("    dominant-fate accuracy                    %.4f  %.4f       %.4f%n",
                    ot.dominantFateAccuracy(), nn.dominantFateAccuracy(), un.dominantFateAccuracy());
            out.printf("    mean Pearson r of P(fate)                 %.4f  %.4f%n", ot.meanPearson(),
                    nn.meanPearson());
            out.printf("  growth: Spearman of learned vs true rates   %.4f (branch cells only %.4f)%n",
                    s.growthSpearman(), s.growthSpearmanBranches());
            out.printf("  HM-OT latent types vs true types: mean AMI %.4f%n", s.meanAmi());
            out.printf("  HM-OT latent types vs true types: mean ARI %.4f%n", s.meanAri());
            out.flush();
            return 0;
        } catch (Exception e) {
            return ChreodeCli.reportError(spec.commandLine(), e, run.debug);
        }
    }
}
