package org.chreode.jobs.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.chreode.jobs.io.SnapshotTableReader.Format;
import org.chreode.jobs.io.SnapshotTableReader.SnapshotTable;
import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableDataset;
import io.jhdf.api.WritableGroup;
import picocli.CommandLine;

/**
 * .h5ad inputs through {@link SnapshotTableReader} and the CLI: small AnnData files written here with jhdf in the
 * anndata >= 0.8 layout (role as a categorical with a missing code, fate as a string array, X as CSR), the error
 * cases, and the shipped CellRank file (which has no role column).
 */
class H5adSnapshotTest extends SparkTestBase {

    @TempDir
    Path dir;

    private static final Path ADATA_50 = SharedData.data("cellrank/adata_50.h5ad");

    /** 16 cells in 2-D: 2 initial, 12 intermediate (one with a missing role code), 2 terminal with fates A, B. */
    static final String[] IDS;
    static final double[][] XY;
    static final byte[] ROLE_CODES;
    static final String[] FATES;

    static {
        List<String> ids = new ArrayList<>(List.of("i0", "i1"));
        List<double[]> xy = new ArrayList<>(List.of(new double[] {0, 0}, new double[] {0.1, 0}));
        for (int k = 0; k < 12; k++) {
            ids.add("m" + k);
            xy.add(new double[] {0.1 * k, 0.05 * (k % 3)});
        }
        ids.add("a0");
        xy.add(new double[] {1.3, 0.6});
        ids.add("b0");
        xy.add(new double[] {1.3, -0.6});
        IDS = ids.toArray(new String[0]);
        XY = xy.toArray(new double[0][]);
        // categories: 0 initial, 1 intermediate, 2 terminal; m3 has code -1 (missing = intermediate)
        ROLE_CODES = new byte[IDS.length];
        FATES = new String[IDS.length];
        for (int i = 0; i < IDS.length; i++) {
            ROLE_CODES[i] = (byte) (IDS[i].startsWith("i") ? 0 : IDS[i].startsWith("m") ? 1 : 2);
            FATES[i] = IDS[i].equals("a0") ? "A" : IDS[i].equals("b0") ? "B" : "";
        }
        ROLE_CODES[5] = -1;
    }

    private static void encoding(io.jhdf.api.WritableNode node, String type) {
        node.putAttribute("encoding-type", type);
        node.putAttribute("encoding-version", "0.2.0");
    }

    /** Writes a small AnnData file; {@code edit} may add or replace elements before it is closed. */
    private Path writeH5ad(String name, Consumer<WritableHdfFile> edit) {
        Path p = dir.resolve(name);
        try (WritableHdfFile f = HdfFile.write(p)) {
            encoding(f, "anndata");
            WritableGroup obs = f.putGroup("obs");
            encoding(obs, "dataframe");
            obs.putAttribute("_index", "_index");
            obs.putAttribute("column-order", new String[] {"role", "fate"});
            encoding(obs.putDataset("_index", IDS), "string-array");
            WritableGroup role = obs.putGroup("role");
            encoding(role, "categorical");
            role.putDataset("codes", ROLE_CODES);
            role.putDataset("categories", new String[] {"initial", "intermediate", "terminal"});
            encoding(obs.putDataset("fate", FATES), "string-array");

            WritableGroup obsm = f.putGroup("obsm");
            encoding(obsm, "dict");
            encoding(obsm.putDataset("X_pca", XY), "array");

            // X = [x, 0, y] as CSR (zeros left out)
            List<Double> data = new ArrayList<>();
            List<Integer> indices = new ArrayList<>();
            int[] indptr = new int[IDS.length + 1];
            for (int i = 0; i < IDS.length; i++) {
                if (XY[i][0] != 0) {
                    data.add(XY[i][0]);
                    indices.add(0);
                }
                if (XY[i][1] != 0) {
                    data.add(XY[i][1]);
                    indices.add(2);
                }
                indptr[i + 1] = data.size();
            }
            WritableGroup x = f.putGroup("X");
            encoding(x, "csr_matrix");
            x.putAttribute("shape", new long[] {IDS.length, 3});
            x.putDataset("data", data.stream().mapToDouble(Double::doubleValue).toArray());
            x.putDataset("indices", indices.stream().mapToInt(Integer::intValue).toArray());
            x.putDataset("indptr", indptr);

            WritableGroup var = f.putGroup("var");
            encoding(var, "dataframe");
            var.putAttribute("_index", "_index");
            WritableDataset genes = var.putDataset("_index", new String[] {"g1", "g2", "g3"});
            encoding(genes, "string-array");
            if (edit != null) {
                edit.accept(f);
            }
        }
        return p;
    }

    private SnapshotTable read(Path file, SnapshotColumns columns) {
        return new SnapshotTableReader(spark).read(file.toString(), columns);
    }

    private String failure(Path file, SnapshotColumns columns) {
        return assertThrows(InvalidInputException.class, () -> read(file, columns)).getMessage();
    }

    @Test
    void readsIdsRolesFatesAndObsmFeatures() {
        Path h5ad = writeH5ad("small.h5ad", null);
        SnapshotTable t = read(h5ad, SnapshotColumns.defaults());
        assertEquals(Format.H5AD, t.format());
        assertEquals("h5ad", t.format().label());
        assertEquals("obs_names", t.columns().idCol());
        assertEquals("fate", t.columns().fateCol());
        assertEquals(List.of("X_pca_1", "X_pca_2"), t.columns().features());
        assertArrayEquals(IDS, t.input().cellIds());
        for (int i = 0; i < IDS.length; i++) {
            assertArrayEquals(XY[i], t.input().features()[i], 0.0);
        }
        assertEquals(Role.INITIAL, t.input().roles()[0]);
        assertEquals(Role.INTERMEDIATE, t.input().roles()[5]); // missing categorical code
        assertEquals(Role.TERMINAL, t.input().roles()[15]);
        assertEquals(2, t.count(Role.INITIAL));
        assertEquals(2, t.count(Role.TERMINAL));
        assertEquals("A", t.input().fates()[14]);
        assertEquals("B", t.input().fates()[15]);
    }

    @Test
    void useXReadsTheCsrMatrixWithVarNamesAsFeatures() {
        Path h5ad = writeH5ad("small.h5ad", null);
        SnapshotTable t = read(h5ad, SnapshotColumns.defaults().withUseX(true));
        assertEquals(List.of("g1", "g2", "g3"), t.columns().features());
        for (int i = 0; i < IDS.length; i++) {
            assertArrayEquals(new double[] {XY[i][0], 0, XY[i][1]}, t.input().features()[i], 0.0, IDS[i]);
        }
    }

    @Test
    void anUnsupportedEncodingIsNamed() {
        Path h5ad = writeH5ad("awkward.h5ad", f -> {
            WritableGroup obsm = (WritableGroup) f.getChild("obsm");
            WritableGroup awk = obsm.putGroup("X_awk");
            encoding(awk, "awkward-array");
            awk.putDataset("form", new int[] {0}); // jhdf 0.9.4 writes an unreadable header for an empty group
        });
        String msg = failure(h5ad, SnapshotColumns.defaults().withObsm("X_awk"));
        assertTrue(msg.contains("obsm 'X_awk'") && msg.contains("uses the AnnData encoding 'awkward-array'")
                && msg.contains("supported: array, csr_matrix, csc_matrix"), msg);

        Path coo = writeH5ad("coo.h5ad", f -> encoding((WritableGroup) f.getChild("X"), "coo_matrix"));
        msg = failure(coo, SnapshotColumns.defaults().withUseX(true));
        assertTrue(msg.startsWith("X of '") && msg.contains("'coo_matrix'"), msg);
    }

    @Test
    void wrongShapeIsReported() {
        Path h5ad = writeH5ad("shape.h5ad", f -> {
            WritableGroup obsm = (WritableGroup) f.getChild("obsm");
            encoding(obsm.putDataset("X_flat", new double[] {1, 2, 3}), "array");
            encoding(obsm.putDataset("X_short", new double[][] {{1, 2}, {3, 4}}), "array");
        });
        String msg = failure(h5ad, SnapshotColumns.defaults().withObsm("X_flat"));
        assertTrue(msg.contains("obsm 'X_flat'") && msg.contains("has shape [3]") && msg.contains("16 rows"), msg);
        msg = failure(h5ad, SnapshotColumns.defaults().withObsm("X_short"));
        assertTrue(msg.contains("has shape [2, 2]"), msg);
    }

    @Test
    void missingObsmKeyAndColumnsListWhatIsPresent() {
        Path h5ad = writeH5ad("small.h5ad", null);
        String msg = failure(h5ad, SnapshotColumns.defaults().withObsm("X_umap"));
        assertTrue(msg.contains("no obsm key 'X_umap'; obsm keys present: X_pca."), msg);
        SnapshotColumns fateNamed = new SnapshotColumns("cell_id", "role", "lineage", true, List.of(), null);
        msg = failure(h5ad, fateNamed);
        assertTrue(msg.contains("no obs column 'lineage'; obs columns present: role, fate. Set --fate-col"), msg);
        msg = failure(h5ad, SnapshotColumns.defaults().withFeatures(List.of("x")));
        assertTrue(msg.contains("--obsm"), msg);
    }

    @Test
    void shippedCellRankFileHasNoRoleColumn() {
        String msg = failure(ADATA_50, SnapshotColumns.defaults());
        assertTrue(msg.startsWith("The .h5ad input '" + ADATA_50 + "' has no role column 'role' in obs; obs columns"
                + " present: clusters, age(days), clusters_enlarged,"), msg);
        assertTrue(msg.contains("Set --role-col"), msg);
        // a categorical obs column as the role column: decoded, then rejected value by value
        SnapshotColumns clusters = new SnapshotColumns("cell_id", "clusters", "fate", false, List.of(), null);
        msg = failure(ADATA_50, clusters);
        assertEquals("Cell 'ATTCTTCTAGTACC' has unknown role 'Granule immature': allowed values are initial,"
                + " intermediate, terminal (empty = intermediate).", msg);
    }

    private static String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = ChreodeCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args);
        return new String[] {String.valueOf(exit), out.toString(), err.toString()};
    }

    @Test
    void cliWithoutRoleColumnFailsWithOneClearParagraph() {
        Path output = dir.resolve("out");
        String[] r = cli("snapshot", "--input", ADATA_50.toString(), "--output", output.toString(), "--obsm",
                "X_pca", "--stages", "3");
        assertTrue(!r[0].equals("0"), "exit " + r[0]);
        String message = r[2];
        assertTrue(message.startsWith("chreode snapshot: error: "), message);
        assertTrue(message.contains("has no role column 'role' in obs; obs columns present: clusters"), message);
        assertEquals(1, message.strip().lines().count(), "one paragraph, no stack trace: " + message);
        assertTrue(nothingAt(output));
    }

    @Test
    void cliWritesCellsH5adWithTheResultsAsObsColumns() throws Exception {
        Path h5ad = writeH5ad("small.h5ad", null);
        Path output = dir.resolve("out");
        String[] r = cli("snapshot", "--input", h5ad.toString(), "--output", output.toString(), "--obsm", "X_pca",
                "--stages", "3");
        assertEquals("0", r[0], r[2]);
        assertTrue(Files.readString(output.resolve("run.json")).contains("\"cells.h5ad\""));
        List<String> csv = Files.readAllLines(output.resolve("cells.csv"));
        String[] header = csv.get(0).split(",", -1);
        try (H5adReader back = H5adReader.open(output.resolve("cells.h5ad"))) {
            assertArrayEquals(IDS, back.obsNames());
            List<String> obsColumns = back.obsColumns();
            assertEquals(List.of("role", "fate"), obsColumns.subList(0, 2));
            assertEquals(List.of(header).subList(2, header.length), obsColumns.subList(2, obsColumns.size()));
            assertTrue(obsColumns.contains("fate_A") && obsColumns.contains("mean_absorption_time"), "" + obsColumns);
            boolean sawNaN = false;
            for (int c = 2; c < header.length; c++) {
                H5adReader.ObsColumn col = back.obsColumn(header[c], null);
                assertTrue(col.numeric(), header[c]);
                for (int i = 0; i < IDS.length; i++) {
                    String text = csv.get(i + 1).split(",", -1)[c];
                    double expected = text.isEmpty() ? Double.NaN : Double.parseDouble(text);
                    sawNaN |= Double.isNaN(expected);
                    assertEquals(expected, col.numbers()[i], 0.0, header[c] + " of " + IDS[i]);
                }
            }
            assertTrue(sawNaN, "the fixture has undefined values (e.g. mean absorption time of terminal cells)");
            // input obs columns come along as string arrays: role (its missing code becomes "") and fate
            String[] roles = back.obsColumn("role", null).strings();
            assertEquals("initial", roles[0]);
            assertEquals("", roles[5]);
            assertEquals("terminal", roles[15]);
            assertEquals("A", back.obsColumn("fate", null).strings()[14]);
            assertEquals(List.of("X_pca"), back.obsmKeys());
            double[][] xy = back.obsm("X_pca").toRows();
            for (int i = 0; i < IDS.length; i++) {
                assertArrayEquals(XY[i], xy[i], 0.0);
            }
            assertArrayEquals(new String[] {"g1", "g2", "g3"}, back.varNames());
        }
        // the file is a valid snapshot input itself
        SnapshotTable again = read(output.resolve("cells.h5ad"), SnapshotColumns.defaults());
        assertArrayEquals(IDS, again.input().cellIds());
    }

    @Test
    void useXPutsTheDenseFeaturesInX() throws Exception {
        Path h5ad = writeH5ad("small.h5ad", null);
        Path output = dir.resolve("outx");
        String[] r = cli("snapshot", "--input", h5ad.toString(), "--output", output.toString(), "--use-x",
                "--stages", "3");
        assertEquals("0", r[0], r[2]);
        try (H5adReader back = H5adReader.open(output.resolve("cells.h5ad"))) {
            assertEquals(List.of(), back.obsmKeys());
            assertArrayEquals(new String[] {"g1", "g2", "g3"}, back.varNames());
            double[][] x = back.x().toRows();
            for (int i = 0; i < IDS.length; i++) {
                assertArrayEquals(new double[] {XY[i][0], 0, XY[i][1]}, x[i], 0.0);
            }
        }
    }

    @Test
    void cliRunsSnapshotOnAnH5ad() throws Exception {
        Path h5ad = writeH5ad("small.h5ad", null);
        Path output = dir.resolve("out");
        String[] r = cli("snapshot", "--input", h5ad.toString(), "--output", output.toString(), "--obsm", "X_pca",
                "--stages", "3");
        assertEquals("0", r[0], r[2]);
        List<String> cells = Files.readAllLines(output.resolve("cells.csv"));
        assertEquals(IDS.length + 1, cells.size());
        assertTrue(cells.get(0).startsWith("cell_id,role,pseudotime"), cells.get(0));
        assertTrue(cells.get(1).startsWith("i0,initial,"), cells.get(1));
        assertTrue(Files.readString(output.resolve("run.json")).contains("h5ad"));
    }
}
