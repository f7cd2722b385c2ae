import java.io.DataOutputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.temporal.OnlineUnbalancedSinkhorn;
import org.chreode.kernels.temporal.PointCloudCost;
import org.chreode.kernels.temporal.TemporalCost;
import org.chreode.kernels.temporal.UnbalancedSinkhorn;

/**
 * One temporal pair for bench/temporal_scale.sh: generates n source and m target cells in d dimensions, solves the
 * unbalanced problem (squared Euclidean / mean, ε, τ_a, τ_b, uniform marginals) with the online (tile) or the
 * stored (dense) kernel, prints one JSON line, and with an output folder writes source.f64, target.f64 (row-major,
 * little-endian float64), f.f64, g.f64 for the POT comparison.
 *
 * Generator (seeded): 8 cluster centres c_k ~ N(0, 3²·I_d); source cell = c_k + N(0, I_d) with cluster k drawn
 * uniformly; target cell = c_k + δ_k + N(0, I_d) with δ_k ~ N(0, 0.5²·I_d) (drift) and cluster k drawn with weights
 * proportional to 1 + k/4 (clusters grow at different rates, so the pair is genuinely unbalanced).
 *
 * args: n m d epsilon tauA tauB tolerance maxIterations threads online|stored seed [outDir|- [ti|plain [coarse [omega]]]]
 * (ti = translation-invariant steps, the default; plain = the same iteration as the dense solver; coarse = cells of
 * the coarse start, 0 = none; omega = over-relaxation, 1 = none)
 */
public final class TemporalScale {

    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(args[0]);
        int m = Integer.parseInt(args[1]);
        int d = Integer.parseInt(args[2]);
        double eps = Double.parseDouble(args[3]);
        double tauA = Double.parseDouble(args[4]);
        double tauB = Double.parseDouble(args[5]);
        double tol = Double.parseDouble(args[6]);
        int maxIter = Integer.parseInt(args[7]);
        int threads = Integer.parseInt(args[8]);
        String mode = args[9];
        long seed = Long.parseLong(args[10]);
        Path out = args.length > 11 && !args[11].equals("-") ? Path.of(args[11]) : null;
        boolean ti = args.length <= 12 || args[12].equals("ti");
        int coarse = args.length > 13 ? Integer.parseInt(args[13]) : 0;
        double omega = args.length > 14 ? Double.parseDouble(args[14]) : 1.0;

        Random rnd = new Random(seed);
        int clusters = 8;
        double[][] centres = new double[clusters][d];
        double[][] drift = new double[clusters][d];
        for (int k = 0; k < clusters; k++) {
            for (int j = 0; j < d; j++) {
                centres[k][j] = 3 * rnd.nextGaussian();
                drift[k][j] = 0.5 * rnd.nextGaussian();
            }
        }
        double[] cumulative = new double[clusters];
        double total = 0;
        for (int k = 0; k < clusters; k++) {
            total += 1 + k / 4.0;
            cumulative[k] = total;
        }
        double[][] xs = new double[n][d];
        double[][] xt = new double[m][d];
        for (int i = 0; i < n; i++) {
            int k = rnd.nextInt(clusters);
            for (int j = 0; j < d; j++) {
                xs[i][j] = centres[k][j] + rnd.nextGaussian();
            }
        }
        for (int i = 0; i < m; i++) {
            double u = rnd.nextDouble() * total;
            int k = 0;
            while (cumulative[k] < u) {
                k++;
            }
            for (int j = 0; j < d; j++) {
                xt[i][j] = centres[k][j] + drift[k][j] + rnd.nextGaussian();
            }
        }
        double[] a = new double[n];
        double[] b = new double[m];
        Arrays.fill(a, 1.0 / n);
        Arrays.fill(b, 1.0 / m);

        long t0 = System.nanoTime();
        long[] lastLog = {t0};
        double[] previous = {Double.NaN};
        UnbalancedSinkhorn.Result r;
        double scale;
        if (mode.equals("online")) {
            PointCloudCost cost = new PointCloudCost(xs, xt, CostNormalization.MEAN);
            scale = cost.scale();
            r = new OnlineUnbalancedSinkhorn(eps, tauA, tauB, tol, maxIter, threads).withTranslationInvariance(ti)
                    .withCoarseStart(coarse, seed).withOverRelaxation(omega).solve(cost, a, b,
                    (phase, it, max, err, e, ns) -> {
                        // ETA from the observed linear rate: iterations left = log(err/tol) / log(err_prev/err).
                        double rate = Math.log(previous[0] / err);
                        previous[0] = err;
                        long now = System.nanoTime();
                        if (now - lastLog[0] > 10_000_000_000L || it == 1) {
                            lastLog[0] = now;
                            double perIt = ns / 1e9 / it;
                            double left = rate > 0 ? Math.min(max - it, Math.log(err / tol) / rate) : max - it;
                            System.err.printf(Locale.ROOT, "%s: iteration %d/%d, error %.3e, %.2f s/iteration,"
                                    + " ETA %.0f s (%.0f iterations at the current rate)%n", phase, it, max, err,
                                    perIt, perIt * Math.max(0, left), Math.max(0, left));
                        }
                    });
        } else {
            TemporalCost.Cost cost = TemporalCost.squaredEuclidean(xs, xt, CostNormalization.MEAN);
            scale = cost.scale();
            r = new UnbalancedSinkhorn(eps, tauA, tauB, tol, maxIter).solve(cost.matrix(), a, b, null);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (out != null) {
            Files.createDirectories(out);
            write(out.resolve("source.f64"), xs);
            write(out.resolve("target.f64"), xt);
            write(out.resolve("f.f64"), new double[][] {r.f()});
            write(out.resolve("g.f64"), new double[][] {r.g()});
        }
        System.out.printf(Locale.ROOT, "{\"n\": %d, \"m\": %d, \"d\": %d, \"kernel\": \"%s\", \"tiles\": \"%s\","
                        + " \"threads\": %d, \"translation_invariant\": %s, \"over_relaxation\": %s, \"epsilon\": %s, \"tau_a\": %s, \"tau_b\": %s, \"tolerance\": %s,"
                        + " \"iterations\": %d, \"converged\": %s, \"final_error\": %.3e, \"marginal_error\": %.3e,"
                        + " \"total_mass\": %.9f, \"cost_scale\": %.12g, \"solve_s\": %.3f, \"s_per_iteration\": %.4f}%n",
                n, m, d, mode, OnlineUnbalancedSinkhorn.implementation(), threads, ti && mode.equals("online"), omega, eps, tauA, tauB, tol,
                r.convergence().iterations(), r.convergence().converged(), r.convergence().finalError(),
                r.convergence().marginalError(), r.totalMass(), scale, seconds,
                seconds / r.convergence().iterations());
    }

    private static void write(Path path, double[][] rows) throws IOException {
        try (DataOutputStream o = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(path), 1 << 16))) {
            ByteBuffer buf = ByteBuffer.allocate(8 * rows[0].length).order(ByteOrder.LITTLE_ENDIAN);
            for (double[] row : rows) {
                buf.clear();
                for (double v : row) {
                    buf.putDouble(v);
                }
                o.write(buf.array(), 0, buf.position());
            }
        }
    }
}
