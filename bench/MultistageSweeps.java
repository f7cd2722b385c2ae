import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.multistage.MultistageLayout;
import org.chreode.kernels.multistage.MultistageOtProblem;
import org.chreode.kernels.multistage.MultistageOtResult;
import org.chreode.kernels.multistage.MultistageOtSolver;
import org.chreode.kernels.snapshot.Role;

/**
 * chreode side of bench/multistage_sweeps.sh: the MultistageOT kernel (no Spark) on one input, in the reference's
 * parity mode so both sides run the same number of sweeps; prints one JSON line. Solves twice in one JVM: peak RSS
 * after the first (cold) solve, seconds per sweep from the second (JIT-compiled) one, cold per-sweep time too.
 * Usage: java --add-modules jdk.incubator.vector -cp kernels.jar:classes MultistageSweeps input.csv stages epsilon
 *        tolerance checkInterval threads precision [kernel]
 *        (kernel: auto, stored or online; default auto)
 */
public final class MultistageSweeps {
    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Path.of(args[0]));
        int n = lines.size() - 1;
        String[] ids = new String[n];
        double[][] x = new double[n][];
        Role[] roles = new Role[n];
        String[] fates = new String[n];
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(i + 1).split(",", -1);
            ids[i] = f[0];
            x[i] = new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])};
            roles[i] = Role.parse(f[3], f[0]);
            fates[i] = f[4];
        }
        int stages = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[5]);
        MultistageLayout layout = MultistageLayout.of(ids, roles, fates, stages);
        MultistageOtSolver solver = new MultistageOtSolver(Double.parseDouble(args[2]), Double.NaN,
                Double.parseDouble(args[3]), 1_000_000, Integer.parseInt(args[4]), true,
                KernelPrecision.parse(args[6]), threads);
        if (args.length > 7) {
            solver = solver.withKernelMode(org.chreode.kernels.geometry.KernelMode.parse(args[7]), Long.MAX_VALUE);
        }
        MultistageOtProblem problem = new MultistageOtProblem(x, layout, stages, CostNormalization.REFERENCE,
                Double.NaN);
        // run 1 (cold JVM): its peak RSS is the memory of one solve; run 2 (JIT-compiled code): the timing
        MultistageOtResult cold = solver.solve(problem, IterationListener.NONE);
        double peakMiB = highWaterMarkMiB();
        long t0 = System.nanoTime();
        MultistageOtResult r = solver.solve(problem, IterationListener.NONE);
        double total = (System.nanoTime() - t0) / 1e9;
        @SuppressWarnings("unchecked")
        Map<String, Object> timings = (Map<String, Object>) r.diagnostics().get("timings");
        double sinkhorn = ((Number) timings.get("sinkhorn_seconds")).doubleValue();
        @SuppressWarnings("unchecked")
        Map<String, Object> coldTimings = (Map<String, Object>) cold.diagnostics().get("timings");
        double coldSinkhorn = ((Number) coldTimings.get("sinkhorn_seconds")).doubleValue();
        int sweeps = ((Number) r.diagnostics().get("total_sweeps")).intValue();
        System.out.printf("{\"impl\": \"chreode-%s-%dthread\", \"kernel_mode\": \"%s\", \"n\": %d, \"sweeps\": %d, \"checks\": %d, "
                + "\"solve_s\": %.4f, \"s_per_sweep\": %.6f, \"cold_s_per_sweep\": %.6f, \"total_s\": %.3f, "
                + "\"kernel_bytes\": %d, \"simd\": \"%s\", \"peak_rss_mib\": %.1f}%n", args[6], threads,
                r.diagnostics().get("kernel_mode"), n, sweeps,
                r.totalChecks(), sinkhorn, sinkhorn / sweeps, coldSinkhorn / sweeps, total,
                ((Number) r.diagnostics().get("kernel_bytes")).longValue(),
                org.chreode.kernels.linalg.PackedSymmetricMatrix.implementation(), peakMiB);
    }

    private static double highWaterMarkMiB() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }
}
