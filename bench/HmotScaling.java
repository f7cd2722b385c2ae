import java.util.Arrays;
import java.util.SplittableRandom;

import org.chreode.kernels.lowrank.HiddenMarkovOtProblem;
import org.chreode.kernels.lowrank.HiddenMarkovOtResult;
import org.chreode.kernels.lowrank.HiddenMarkovOtSolver;
import org.chreode.kernels.metrics.ClusteringMetrics;

/**
 * chreode side of bench/hmot_scaling.sh: the HM-OT kernel (no Spark) on a d-dimensional version of the branching toy
 * (3 time points of n cells: A → {B1 60 %, B2 40 %} → {C1 30 %, C2 30 %, C3 40 %}, blobs of sd 0.35 around centres
 * 2.8 apart in the first two coordinates), unsupervised with ranks 1, 2, 3, one run (no restarts). Prints one line
 * per n (after a JIT warm-up solve on the first n): CPU seconds of the solving thread (the kernel is single-threaded;
 * CPU time is robust to other load on the machine) and wall seconds, total iterations, CPU seconds per 1000 cells,
 * the CPU time ratio to the previous n divided by the size ratio (1 = linear), and AMI / ARI at the last time point.
 * Usage: java -cp kernels-classes:. HmotScaling dim n1 n2 ...
 */
public final class HmotScaling {
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private static final double[][][] CENTRES = {{{0, 0}}, {{-2, 2}, {2, 2}}, {{-4, 4}, {-1, 5}, {4, 4}}};
    private static final double[][] SHARES = {{1}, {0.6, 0.4}, {0.3, 0.3, 0.4}};

    public static void main(String[] args) {
        int dim = Integer.parseInt(args[0]);
        solve(dim, Integer.parseInt(args[1])); // JIT warm-up
        double previousSeconds = Double.NaN;
        int previousN = 0;
        for (int a = 1; a < args.length; a++) {
            int n = Integer.parseInt(args[a]);
            long t0 = System.nanoTime();
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            double[] scores = solve(dim, n);
            double wall = (System.nanoTime() - t0) / 1e9;
            double seconds = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e9;
            System.out.printf("n=%d per time point (3 time points, d=%d): %.2f s CPU (%.2f s wall), %d iterations,"
                    + " %.3f CPU s per 1000 cells, CPU time ratio / size ratio %s, t2 AMI %.4f ARI %.4f%n", n, dim,
                    seconds, wall, (int) scores[2], seconds / (3 * n / 1000.0), previousN == 0 ? "-"
                            : String.format("%.2f", seconds / previousSeconds / ((double) n / previousN)), scores[0],
                    scores[1]);
            previousSeconds = seconds;
            previousN = n;
        }
    }

    private static double[] solve(int dim, int n) {
        SplittableRandom rng = new SplittableRandom(7);
        double[][][] clouds = new double[3][n][dim];
        int[] truth = new int[n];
        for (int t = 0; t < 3; t++) {
            int i = 0;
            for (int z = 0; z < SHARES[t].length; z++) {
                int count = z == SHARES[t].length - 1 ? n - i : (int) Math.round(SHARES[t][z] * n);
                for (int c = 0; c < count; c++, i++) {
                    for (int d = 0; d < dim; d++) {
                        clouds[t][i][d] = (d < 2 ? CENTRES[t][z][d] : 0) + 0.35 * gaussian(rng);
                    }
                    if (t == 2) {
                        truth[i] = z;
                    }
                }
            }
        }
        HiddenMarkovOtResult r = new HiddenMarkovOtSolver().withRestarts(1)
                .solve(HiddenMarkovOtProblem.unsupervised(clouds, new int[] {1, 2, 3}));
        int[] labels = r.labels(2);
        return new double[] {ClusteringMetrics.adjustedMutualInformation(truth, labels),
            ClusteringMetrics.adjustedRandIndex(truth, labels), r.totalIterations()};
    }

    private static double gaussian(SplittableRandom rng) {
        double u = rng.nextDouble();
        double v = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
