import java.util.Arrays;
import java.util.stream.IntStream;

import org.apache.spark.sql.SparkSession;
import org.chreode.jobs.snapshot.LoggingIterationListener;
import org.chreode.jobs.snapshot.PartitionedSnapshotJob;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.demo.BranchingSnapshotGenerator;
import org.chreode.kernels.demo.DemoSnapshot;
import org.chreode.kernels.metrics.FateMetrics;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.chreode.kernels.snapshot.SnapshotSettings;

/**
 * Fidelity of the partitioned MultistageOT job (bench/partition_fidelity.sh; docs/benchmarks.md "Partitioned
 * snapshots: fidelity"): one demo snapshot, one single dense solve (float64), then the partitioned job for each
 * SIZE:ROUNDS:K; prints mean / max total variation vs the dense fates over intermediate cells, dropped mass fraction,
 * wall time, and the mean TV of each vs the generator's true fates.
 * Usage: PartitionFidelity cells fates dim seed futures SIZE:ROUNDS:K ...
 */
public final class PartitionFidelity {
    public static void main(String[] args) {
        int cells = Integer.parseInt(args[0]);
        int fates = Integer.parseInt(args[1]);
        int dim = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        int futures = Integer.parseInt(args[4]);
        int cores = Runtime.getRuntime().availableProcessors();
        SparkSession spark = SparkSession.builder().master("local[" + Math.min(2, cores) + "]")
                .appName("partition-fidelity").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.maxResultSize", "0").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        long g0 = System.nanoTime();
        DemoSnapshot demo = BranchingSnapshotGenerator.builder().cells(cells).fates(fates).dim(dim).seed(seed)
                .futures(futures).build().generate();
        Role[] roles = demo.input().roles();
        int[] rows = IntStream.range(0, roles.length).filter(i -> roles[i] == Role.INTERMEDIATE).toArray();
        System.out.printf("demo: %d cells (%d intermediate), %d fates, dim %d, seed %d, futures %d (%.1f s)%n",
                cells, rows.length, fates, dim, seed, futures, (System.nanoTime() - g0) / 1e9);
        SnapshotSettings dense = SnapshotSettings.builder().threads(Math.min(2, cores)).build();
        long t0 = System.nanoTime();
        SnapshotResult single = SnapshotJob.solve(spark, demo.input(), dense,
                new LoggingIterationListener(dense.tolerance(), 60_000)).result();
        double singleS = (System.nanoTime() - t0) / 1e9;
        double[][] truth = align(demo.fateLabels(), demo.trueFateProbabilities(), single.fateLabels());
        System.out.printf("%-26s %8s %8s %9s %8s %10s%n", "run (size,rounds,k)", "meanTV", "maxTV", "dropped",
                "wall_s", "TV_true");
        System.out.printf("%-26s %8s %8s %9s %8.1f %10.4f%n", "dense single solve", "-", "-", "-", singleS,
                FateMetrics.meanTotalVariation(single.fateProbabilities(), truth, rows));
        SnapshotSettings perTask = SnapshotSettings.builder().threads(1).build();
        for (int a = 5; a < args.length; a++) {
            String[] f = args[a].split(":");
            int size = Integer.parseInt(f[0]);
            int rounds = Integer.parseInt(f[1]);
            int k = f[2].equals("all") ? Integer.MAX_VALUE : Integer.parseInt(f[2]);
            long p0 = System.nanoTime();
            PartitionedSnapshotJob.Outcome o = PartitionedSnapshotJob.solve(spark, demo.input(), perTask,
                    new PartitionedSnapshotJob.Partitioning(size, rounds, 0L, k));
            double wall = (System.nanoTime() - p0) / 1e9;
            double[][] p = align(o.result().fateLabels(), o.result().fateProbabilities(), single.fateLabels());
            double max = 0;
            for (int r : rows) {
                double tv = 0;
                for (int j = 0; j < p[r].length; j++) {
                    tv += Math.abs(p[r][j] - single.fateProbabilities()[r][j]);
                }
                max = Math.max(max, tv / 2);
            }
            System.out.printf("%-26s %8.4f %8.4f %9.4f %8.1f %10.4f%n", "(" + size + ", " + rounds + ", " + f[2] + ")",
                    FateMetrics.meanTotalVariation(p, single.fateProbabilities(), rows), max,
                    ((Number) o.partitioned().get("dropped_mass_fraction")).doubleValue(), wall,
                    FateMetrics.meanTotalVariation(p, truth, rows));
        }
        spark.stop();
    }

    /** Columns of {@code p} (labelled {@code from}) reordered to {@code to}. */
    private static double[][] align(String[] from, double[][] p, String[] to) {
        int[] idx = new int[to.length];
        for (int j = 0; j < to.length; j++) {
            idx[j] = Arrays.asList(from).indexOf(to[j]);
            if (idx[j] < 0) {
                throw new IllegalStateException("fate " + to[j] + " missing in " + Arrays.toString(from));
            }
        }
        double[][] out = new double[p.length][to.length];
        for (int c = 0; c < p.length; c++) {
            for (int j = 0; j < to.length; j++) {
                out[c][j] = p[c][idx[j]];
            }
        }
        return out;
    }
}
