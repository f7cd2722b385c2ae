import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.demo.BranchingSnapshotGenerator;
import org.chreode.kernels.geometry.CostNormalization;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.multistage.MultistageLayout;
import org.chreode.kernels.multistage.MultistageOtProblem;
import org.chreode.kernels.multistage.MultistageOtResult;
import org.chreode.kernels.multistage.MultistageOtSolver;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.chreode.partitioning.PartitionPlan;
import org.chreode.partitioning.SnapshotPartitioner;

/**
 * Helpers of bench/partitioned_scale.sh (docs/benchmarks.md "Partitioned snapshots: 10k/100k/1M").
 * <ul>
 *   <li>{@code generate CELLS FATES DIM SEED OUT.csv}: the demo generator without simulated futures, written as a
 *       snapshot table {@code cell_id,role,fate,x1..xD};</li>
 *   <li>{@code subset CELLS FATES DIM SEED SIZE ROUNDS PSEED OUT.csv}: subset 0 of round 0 of the partition the job
 *       uses for that input and size (same partitioner and seed), written in the same format;</li>
 *   <li>{@code sweeps SUBSET.csv STAGES EPSILON TOLERANCE CHECK PRECISION}: the kernel on that subset in reference
 *       parity mode (so the Python reference runs the same number of sweeps), one thread, solved twice in one JVM
 *       (time from the second); prints one JSON line;</li>
 *   <li>{@code profile SUBSET.csv PRECISION K}: the partitioned job's subset solve (default settings, one thread,
 *       {@code solveSparse} with k) twice; prints the phase times of the second.</li>
 * </ul>
 */
public final class PartitionedScale {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "generate" -> write(demo(args, 1), Path.of(args[5]), null);
            case "subset" -> {
                SnapshotInput in = demo(args, 1);
                PartitionPlan plan = new SnapshotPartitioner(Integer.parseInt(args[5]), Integer.parseInt(args[6]),
                        Long.parseLong(args[7]), SnapshotPartitioner.DEFAULT_RULE).partition(in.cellIds(),
                        in.roles(), in.fates());
                write(in, Path.of(args[8]), plan.subset(0, 0));
            }
            case "sweeps" -> sweeps(args);
            case "profile" -> profile(args);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static SnapshotInput demo(String[] a, int at) {
        return BranchingSnapshotGenerator.builder().cells(Integer.parseInt(a[at])).fates(Integer.parseInt(a[at + 1]))
                .dim(Integer.parseInt(a[at + 2])).seed(Long.parseLong(a[at + 3])).futures(0)
                .threads(Runtime.getRuntime().availableProcessors()).build().generate().input();
    }

    /** The rows {@code only} (all when null) as cell_id,role,fate,features. */
    private static void write(SnapshotInput in, Path out, int[] only) throws IOException {
        try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(out),
                StandardCharsets.UTF_8), 1 << 20)) {
            StringBuilder header = new StringBuilder("cell_id,role,fate");
            for (String f : in.featureNames()) {
                header.append(',').append(f);
            }
            w.write(header.append('\n').toString());
            int rows = only == null ? in.cellCount() : only.length;
            StringBuilder line = new StringBuilder(1024);
            for (int r = 0; r < rows; r++) {
                int c = only == null ? r : only[r];
                line.setLength(0);
                line.append(in.cellIds()[c]).append(',').append(in.roles()[c].name().toLowerCase(Locale.ROOT))
                        .append(',').append(in.fates()[c] == null ? "" : in.fates()[c]);
                for (double x : in.features()[c]) {
                    line.append(',').append((float) x);  // float precision: the table is half the size
                }
                w.write(line.append('\n').toString());
            }
        }
    }

    private static void profile(String[] a) throws IOException {
        SnapshotInput in = read(a[1]);
        org.chreode.kernels.snapshot.SnapshotSettings st = org.chreode.kernels.snapshot.SnapshotSettings.builder()
                .threads(1).kernelPrecision(KernelPrecision.parse(a[2])).build();
        MultistageOtProblem problem = new MultistageOtProblem(in.features(), MultistageLayout.of(in.cellIds(),
                in.roles(), in.fates(), st.stages()), st.stages(), st.costNormalization(), st.outlierCost());
        MultistageOtSolver solver = new MultistageOtSolver(st.epsilon(), st.epsilonTarget(), st.tolerance(),
                st.maxIterations(), st.checkInterval(), st.referencePlans(), st.kernelPrecision(), 1);
        for (int run = 0; run < 2; run++) {
            long t0 = System.nanoTime();
            MultistageOtSolver.SparseSolution s = solver.solveSparse(problem, IterationListener.NONE,
                    Integer.parseInt(a[3]));
            double total = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "run %d: n %d, total %.2f s, sweeps %s, timings %s, dropped %.3f%n", run,
                    in.cellCount(), total, s.result().diagnostics().get("total_sweeps"),
                    s.result().diagnostics().get("timings"), s.transitions().droppedFraction());
        }
    }

    private static SnapshotInput read(String path) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(path));
        int n = lines.size() - 1;
        String[] ids = new String[n];
        double[][] x = new double[n][];
        Role[] roles = new Role[n];
        String[] fates = new String[n];
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(i + 1).split(",", -1);
            ids[i] = f[0];
            roles[i] = Role.parse(f[1], f[0]);
            fates[i] = f[2].isEmpty() ? null : f[2];
            x[i] = new double[f.length - 3];
            for (int j = 3; j < f.length; j++) {
                x[i][j - 3] = Double.parseDouble(f[j]);
            }
        }
        String[] names = new String[x[0].length];
        for (int j = 0; j < names.length; j++) {
            names[j] = "x" + (j + 1);
        }
        return new SnapshotInput(ids, x, roles, fates, names);
    }

    private static void sweeps(String[] a) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(a[1]));
        int n = lines.size() - 1;
        String[] ids = new String[n];
        double[][] x = new double[n][];
        Role[] roles = new Role[n];
        String[] fates = new String[n];
        for (int i = 0; i < n; i++) {
            String[] f = lines.get(i + 1).split(",", -1);
            ids[i] = f[0];
            roles[i] = Role.parse(f[1], f[0]);
            fates[i] = f[2].isEmpty() ? null : f[2];
            x[i] = new double[f.length - 3];
            for (int j = 3; j < f.length; j++) {
                x[i][j - 3] = Double.parseDouble(f[j]);
            }
        }
        int stages = Integer.parseInt(a[2]);
        MultistageOtSolver solver = new MultistageOtSolver(Double.parseDouble(a[3]), Double.NaN,
                Double.parseDouble(a[4]), 1_000_000, Integer.parseInt(a[5]), true, KernelPrecision.parse(a[6]), 1);
        MultistageOtProblem problem = new MultistageOtProblem(x, MultistageLayout.of(ids, roles, fates, stages),
                stages, CostNormalization.REFERENCE, Double.NaN);
        solver.solve(problem, IterationListener.NONE);
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        MultistageOtResult r = solver.solve(problem, IterationListener.NONE);
        double total = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - c0) / 1e9;  // whole process (GC and JIT included): an upper bound
        @SuppressWarnings("unchecked")
        Map<String, Object> timings = (Map<String, Object>) r.diagnostics().get("timings");
        double sinkhorn = ((Number) timings.get("sinkhorn_seconds")).doubleValue();
        int sweeps = ((Number) r.diagnostics().get("total_sweeps")).intValue();
        System.out.printf(Locale.ROOT, "{\"impl\": \"chreode-%s-1thread\", \"n\": %d, \"sweeps\": %d, "
                + "\"sinkhorn_s\": %.4f, \"s_per_sweep\": %.6f, \"total_s\": %.3f, \"solve_cpu_s\": %.3f, "
                + "\"cpu_s_per_sweep\": %.6f}%n", a[6], n, sweeps, sinkhorn, sinkhorn / sweeps, total, cpu,
                cpu / sweeps);
    }
}
