package org.chreode.jobs.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.chreode.jobs.snapshot.SnapshotJob;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.demo.BranchingSnapshotGenerator;
import org.chreode.kernels.geometry.KernelMode;
import org.chreode.kernels.snapshot.SnapshotInference;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine;

/**
 * {@code --kernel distributed} reaches the single-node fixed point: the same solve with the kernel as a grid of
 * tiles on the executors (local[2]) and with the stored kernel agree to 1e-8 in every output column.
 */
class DistributedKernelTest extends SparkTestBase {

    private static final double TOL = 1e-8;

    @TempDir
    Path dir;

    /** 300 demo cells (2-D, 3 fates) as the CLI's CSV input. */
    private Path demoInput() throws Exception {
        SnapshotInput in = BranchingSnapshotGenerator.builder().cells(300).futures(4).seed(7).build().generate()
                .input();
        List<String> lines = new ArrayList<>();
        lines.add("cell_id,role,fate,x,y");
        for (int i = 0; i < in.cellCount(); i++) {
            String fate = in.fates()[i] == null ? "" : in.fates()[i];
            lines.add(in.cellIds()[i] + "," + in.roles()[i].label() + "," + fate + "," + in.features()[i][0] + ","
                    + in.features()[i][1]);
        }
        return writeFile(dir, "demo.csv", lines.toArray(new String[0]));
    }

    private static int cli(StringWriter err, String... args) {
        CommandLine cli = new CommandLine(new ChreodeCli());
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        return cli.execute(args);
    }

    @Test
    void tileProductsEqualThePackedMatrixProducts() {
        // 3 initial, 90 intermediate, 3 terminal random points: 90 rows in blocks of 25 -> 4 x 5 / 2 = 10 tiles
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        int cells = 96;
        String[] ids = new String[cells];
        double[][] x = new double[cells][];
        org.chreode.kernels.snapshot.Role[] roles = new org.chreode.kernels.snapshot.Role[cells];
        String[] fates = new String[cells];
        for (int i = 0; i < cells; i++) {
            ids[i] = "c" + i;
            x[i] = new double[] {random.nextDouble(), random.nextDouble(), random.nextDouble()};
            roles[i] = i < 3 ? org.chreode.kernels.snapshot.Role.INITIAL : i >= cells - 3
                    ? org.chreode.kernels.snapshot.Role.TERMINAL : org.chreode.kernels.snapshot.Role.INTERMEDIATE;
            fates[i] = i >= cells - 3 ? "F" + (i % 2) : null;
        }
        org.chreode.kernels.multistage.MultistageCosts costs = new org.chreode.kernels.multistage.MultistageCosts(x,
                org.chreode.kernels.multistage.MultistageLayout.of(ids, roles, fates, 3),
                org.chreode.kernels.geometry.CostNormalization.MEDIAN, Double.NaN);
        double kappa = 20;
        org.apache.spark.api.java.JavaSparkContext jsc =
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        try (org.chreode.kernels.linalg.Workers workers = new org.chreode.kernels.linalg.Workers(1);
             DistributedKernel factory = new DistributedKernel(jsc, 25, "test")) {
            org.chreode.kernels.linalg.SymmetricKernel stored = org.chreode.kernels.multistage.IntermediateKernelFactory
                    .stored(org.chreode.kernels.geometry.KernelPrecision.FLOAT64).build(costs, kappa, workers);
            org.chreode.kernels.linalg.SymmetricKernel tiles = factory.build(costs, kappa, workers);
            assertEquals(10, ((Number) factory.summary().get("tiles")).intValue());
            int n = stored.size();
            assertEquals(90, n);
            assertEquals(n, tiles.size());
            double[][] v = new double[3][n];
            double[][] logs = new double[2][n];
            for (int c = 0; c < 3; c++) {
                for (int j = 0; j < n; j++) {
                    v[c][j] = random.nextDouble() - 0.3;
                }
            }
            for (int j = 0; j < n; j++) {
                logs[0][j] = 1500 * random.nextDouble() - 900;   // spans more than the double range
                logs[1][j] = random.nextDouble();
            }
            double[][] a = new double[3][n];
            double[][] b = new double[3][n];
            stored.multiply(v, a, 3, workers);
            tiles.multiply(v, b, 3, workers);
            double[][] la = stored.logMultiply(logs, 2, workers);
            double[][] lb = tiles.logMultiply(logs, 2, workers);
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < n; i++) {
                    assertEquals(a[c][i], b[c][i], 1e-13 * Math.max(1, Math.abs(a[c][i])), "(E v_" + c + ")_" + i);
                }
            }
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < n; i++) {
                    assertEquals(la[c][i], lb[c][i], 1e-12 * Math.max(1, Math.abs(la[c][i])), "log product " + i);
                }
            }
            java.util.function.DoubleUnaryOperator g =
                    (java.util.function.DoubleUnaryOperator & java.io.Serializable) e -> e * (-Math.log(e)) / kappa;
            double[][] pos = {v[0].clone(), v[1].clone()};
            for (double[] p : pos) {
                for (int j = 0; j < n; j++) {
                    p[j] = Math.abs(p[j]);
                }
            }
            double bs = stored.bilinearSum(g, pos, pos, 2);
            assertEquals(bs, tiles.bilinearSum(g, pos, pos, 2), 1e-12 * Math.abs(bs));
            assertEquals(-1, tiles.firstZeroRow(workers));
            assertEquals("distributed", tiles.mode());
            UnsupportedOperationException rows = org.junit.jupiter.api.Assertions.assertThrows(
                    UnsupportedOperationException.class, () -> tiles.forEachRow((i, row) -> { }));
            assertTrue(rows.getMessage().contains("--kernel distributed"), rows.getMessage());
        }
    }

    @Test
    void distributedSolveThroughTheCliEqualsTheStoredSolve() throws Exception {
        Path input = demoInput();
        Path stored = dir.resolve("stored");
        Path distributed = dir.resolve("distributed");
        // same sweeps on both sides, so equal iterates up to the summation order of the products
        String[] common = {"--stages", "3", "--epsilon", "0.1", "--tolerance", "1e-6", "--check-interval", "10",
            "--threads", "1"};
        StringWriter err = new StringWriter();
        List<String> a = new ArrayList<>(List.of("snapshot", "--input", input.toString(), "--output",
                stored.toString(), "--kernel", "stored"));
        a.addAll(List.of(common));
        assertEquals(0, cli(err, a.toArray(new String[0])), err.toString());
        List<String> b = new ArrayList<>(List.of("snapshot", "--input", input.toString(), "--output",
                distributed.toString(), "--kernel", "distributed", "--tile-rows", "100"));
        b.addAll(List.of(common));
        assertEquals(0, cli(err, b.toArray(new String[0])), err.toString());

        List<String> s = Files.readAllLines(stored.resolve("cells.csv"));
        List<String> d = Files.readAllLines(distributed.resolve("cells.csv"));
        assertEquals(s.get(0), d.get(0));
        assertEquals(301, d.size(), "header + 300 cells");
        String[] header = s.get(0).split(",");
        for (int r = 1; r < s.size(); r++) {
            String[] x = s.get(r).split(",", -1);
            String[] y = d.get(r).split(",", -1);
            assertEquals(x[0], y[0]);
            for (int c = 2; c < x.length; c++) {
                if (x[c].isEmpty()) {
                    assertEquals("", y[c], header[c] + " of " + x[0]);
                    continue;
                }
                double u = Double.parseDouble(x[c]);
                double v = Double.parseDouble(y[c]);
                if (Double.isNaN(u)) {
                    assertTrue(Double.isNaN(v), header[c] + " of " + x[0]);
                } else {
                    assertEquals(u, v, TOL * Math.max(1, Math.abs(u)), header[c] + " of " + x[0]);
                }
            }
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode runS = json.readTree(stored.resolve("run.json").toFile());
        JsonNode runD = json.readTree(distributed.resolve("run.json").toFile());
        assertEquals("stored", runS.get("diagnostics").get("kernel_mode").asText());
        assertEquals("distributed", runD.get("diagnostics").get("kernel_mode").asText());
        assertEquals("distributed", runD.get("parameters").get("kernel_mode").asText());
        assertEquals(100, runD.get("parameters").get("tile_rows").asInt());
        assertTrue(runD.get("diagnostics").get("converged").asBoolean());
        assertTrue(runD.get("diagnostics").get("distributed_kernel").get("products").asInt() > 0);
        assertEquals(runS.get("diagnostics").get("total_sweeps").asInt(),
                runD.get("diagnostics").get("total_sweeps").asInt());
        assertEquals(runS.get("diagnostics").get("cost_of_transport").asDouble(),
                runD.get("diagnostics").get("cost_of_transport").asDouble(), TOL);
        // >= 6 tiles: the intermediate cells span at least 3 row blocks of 100
        int intermediate = runD.get("input").get("intermediate").asInt();
        int blocks = (intermediate + 99) / 100;
        assertTrue(blocks * (blocks + 1) / 2 >= 6, intermediate + " intermediate cells");
    }

    @Test
    void distributedProximalSolveEqualsTheStoredSolve() {
        SnapshotInput in = BranchingSnapshotGenerator.builder().cells(120).futures(4).seed(3).build().generate()
                .input();
        SnapshotSettings base = SnapshotSettings.builder().stages(3).epsilon(0.1).epsilonTarget(0.05)
                .tolerance(1e-6).checkInterval(10).threads(1).tileRows(40).build();
        SnapshotResult stored = SnapshotInference.run(in, base.toBuilder().kernelMode(KernelMode.STORED).build(),
                IterationListener.NONE);
        SnapshotResult distributed = SnapshotJob.solve(spark, in,
                base.toBuilder().kernelMode(KernelMode.DISTRIBUTED).build(), IterationListener.NONE).result();
        assertEquals("distributed", distributed.diagnostics().get("kernel_mode"));
        assertEquals(1, ((Number) distributed.diagnostics().get("proximal_iterations")).intValue());
        assertEquals(((Number) stored.diagnostics().get("proximal_iterations")).intValue(),
                ((Number) distributed.diagnostics().get("proximal_iterations")).intValue());
        for (int i = 0; i < in.cellCount(); i++) {
            for (int k = 0; k < stored.fateLabels().length; k++) {
                assertEquals(stored.fateProbabilities()[i][k], distributed.fateProbabilities()[i][k], TOL,
                        "fate " + k + " of " + in.cellIds()[i]);
            }
            assertEquals(stored.pseudotime()[i], distributed.pseudotime()[i], TOL, "pseudotime of " + i);
            double m = stored.meanAbsorptionTime()[i];
            assertEquals(m, distributed.meanAbsorptionTime()[i], TOL * Math.max(1, Math.abs(m)), "absorption " + i);
        }
    }

    @Test
    void badKernelCombinationsExitTwoWithAClearMessageAndWriteNothing() throws Exception {
        Path input = demoInput();
        Path out = dir.resolve("never");
        StringWriter err = new StringWriter();
        assertEquals(2, cli(err, "snapshot", "--input", input.toString(), "--output", out.toString(), "--kernel",
                "distributed", "--partition-size", "200"));
        assertTrue(err.toString().contains("--kernel distributed") && err.toString().contains("--partition-size"),
                err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, cli(err2, "snapshot", "--input", input.toString(), "--output", out.toString(), "--kernel",
                "online", "--method", "idw"));
        assertTrue(err2.toString().contains("--kernel online applies to --method multistage only"), err2.toString());
        StringWriter err3 = new StringWriter();
        assertEquals(2, cli(err3, "snapshot", "--input", input.toString(), "--output", out.toString(), "--kernel",
                "dense"));
        assertTrue(err3.toString().contains("kernel = dense"), err3.toString());
        StringWriter err4 = new StringWriter();
        assertEquals(2, cli(err4, "snapshot", "--input", input.toString(), "--output", out.toString(), "--kernel",
                "distributed", "--tile-rows", "0"));
        assertTrue(err4.toString().contains("tile-rows"), err4.toString());
        assertTrue(nothingAt(out));
    }
}
