import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

import org.chreode.kernels.lowrank.HierarchicalRefinementResult;
import org.chreode.kernels.lowrank.FrlcSolver;
import org.chreode.kernels.lowrank.HierarchicalRefinementSolver;

/**
 * chreode side of bench/refine_pot.sh: Hierarchical Refinement (kernels only, no Spark) on two raw float64 point
 * files written by bench/refine_points.py; prints one JSON line with the solve seconds, per-level seconds, schedule,
 * primal cost (mean squared distance of the matched pairs, = ⟨C, P⟩ for uniform weights 1/n), the bijection check and
 * the JVM's peak resident set (VmHWM). The peak RSS of the whole process is also taken by /usr/bin/time in the script.
 * Usage: java -cp kernels-classes:. RefineScale x.f64 y.f64 n d [key=value ...], keys (HierarchicalRefinementSolver
 * settings, defaults = the solver's): maxBase, maxRank, depth, seed, threads (default: all processors), gamma,
 * minIter, maxIter (FRLC iterations per block), projection (Sinkhorn cap per FRLC Q/R projection), pairs (file for
 * the matching as little-endian int32 target indices).
 */
public final class RefineScale {
    public static void main(String[] args) throws IOException {
        int n = Integer.parseInt(args[2]);
        int d = Integer.parseInt(args[3]);
        java.util.Map<String, String> opt = new java.util.HashMap<>();
        for (int i = 4; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("option '" + args[i] + "' is not key=value");
            }
            opt.put(kv[0], kv[1]);
        }
        int maxBase = Integer.parseInt(opt.getOrDefault("maxBase", "" + HierarchicalRefinementSolver.DEFAULT_MAX_BASE));
        int maxRank = Integer.parseInt(opt.getOrDefault("maxRank", "" + HierarchicalRefinementSolver.DEFAULT_MAX_RANK));
        int depth = Integer.parseInt(opt.getOrDefault("depth", "" + HierarchicalRefinementSolver.DEFAULT_DEPTH));
        long seed = Long.parseLong(opt.getOrDefault("seed", "0"));
        int threads = Integer.parseInt(opt.getOrDefault("threads", "" + Runtime.getRuntime().availableProcessors()));
        double gamma = Double.parseDouble(opt.getOrDefault("gamma", "" + FrlcSolver.DEFAULT_GAMMA));
        int minIter = Integer.parseInt(opt.getOrDefault("minIter", "" + FrlcSolver.DEFAULT_MIN_ITERATIONS));
        int maxIter = Integer.parseInt(opt.getOrDefault("maxIter", "" + FrlcSolver.DEFAULT_MAX_ITERATIONS));
        int projection = Integer.parseInt(opt.getOrDefault("projection", "" + FrlcSolver.DEFAULT_FACTOR_ITERATIONS));
        double[][] x = read(Path.of(args[0]), n, d);
        double[][] y = read(Path.of(args[1]), n, d);
        HierarchicalRefinementSolver solver = new HierarchicalRefinementSolver()
                .withSchedule(depth, maxBase, maxRank).withSeed(seed).withThreads(threads)
                .withFrlc(gamma, minIter, maxIter).withProjectionIterations(projection);
        long t0 = System.nanoTime();
        HierarchicalRefinementResult r = solver.solve(x, y);
        double seconds = (System.nanoTime() - t0) * 1e-9;
        int[] targetOf = r.targetOf();
        boolean[] seen = new boolean[n];
        boolean bijection = targetOf.length == n;
        double sum = 0;
        for (int i = 0; i < n && bijection; i++) {
            int j = targetOf[i];
            if (j < 0 || j >= n || seen[j]) {
                bijection = false;
                break;
            }
            seen[j] = true;
            double s = 0;
            for (int c = 0; c < d; c++) {
                double diff = x[i][c] - y[j][c];
                s += diff * diff;
            }
            sum += s;
        }
        if (opt.containsKey("pairs")) {
            ByteBuffer buf = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int j : targetOf) {
                buf.putInt(j);
            }
            Files.write(Path.of(opt.get("pairs")), buf.array());
        }
        System.out.printf("{\"impl\": \"chreode-hiref\", \"n\": %d, \"d\": %d, \"seconds\": %.3f, \"level_seconds\": %s,"
                + " \"schedule\": %s, \"primal_cost\": %.10g, \"solver_primal_cost\": %.10g, \"bijection\": %b,"
                + " \"threads\": %d, \"max_base\": %d, \"max_rank\": %d, \"depth\": %d, \"seed\": %d, \"gamma\": %s,"
                + " \"frlc_iterations\": [%d, %d], \"projection_cap\": %d, \"jvm_peak_rss_mib\": %.1f}%n", n, d, seconds,
                Arrays.toString(round(r.levelSeconds())), Arrays.toString(r.schedule().ranks()), sum / n,
                r.primalCost(), bijection, threads, maxBase, maxRank, depth, seed, gamma, minIter, maxIter, projection,
                highWaterMarkMiB());
    }

    /** Row-major little-endian float64, n × d. */
    static double[][] read(Path file, int n, int d) throws IOException {
        long bytes = (long) n * d * 8;
        if (Files.size(file) != bytes) {
            throw new IllegalArgumentException(file + " has " + Files.size(file) + " bytes, expected n*d*8 = " + bytes);
        }
        double[][] out = new double[n][d];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(d * 8 * 4096).order(ByteOrder.LITTLE_ENDIAN);
            int row = 0;
            while (row < n) {
                buf.clear();
                int rows = Math.min(4096, n - row);
                buf.limit(rows * d * 8);
                while (buf.hasRemaining() && ch.read(buf) >= 0) {
                    // fill the chunk
                }
                buf.flip();
                for (int i = 0; i < rows; i++, row++) {
                    for (int c = 0; c < d; c++) {
                        out[row][c] = buf.getDouble();
                    }
                }
            }
        }
        return out;
    }

    private static double[] round(double[] s) {
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = Math.round(s[i] * 1000) / 1000.0;
        }
        return out;
    }

    private static double highWaterMarkMiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }
}
