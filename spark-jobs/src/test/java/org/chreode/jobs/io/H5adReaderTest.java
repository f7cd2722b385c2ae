package org.chreode.jobs.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.chreode.jobs.io.H5adReader.Matrix;
import org.chreode.jobs.io.H5adReader.ObsColumn;
import org.chreode.kernels.SharedData;
import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * {@link H5adReader} against the plain-text extractions shipped next to the .h5ad files in shared/data: exact
 * equality (float32 sources are compared after rounding the text to float32, which round-trips exactly).
 */
class H5adReaderTest {

    private static Path cellrank(String name) {
        return SharedData.data("cellrank/" + name + ".h5ad");
    }

    private static Path plain(String name, String file) {
        return SharedData.data("cellrank/plain/" + name + "/" + file);
    }

    private static final Path MOSCOT = SharedData.data("moscot_temporal/moscot_temporal_tests.h5ad");

    /** Rows of a simple CSV (no quoting in these files), header first. */
    private static List<String[]> csv(Path file) {
        try {
            return Files.readAllLines(file).stream().filter(l -> !l.isEmpty()).map(l -> l.split(",", -1)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int column(List<String[]> rows, String name) {
        return List.of(rows.get(0)).indexOf(name);
    }

    /** A MatrixMarket coordinate file (1-based) as a dense row-major matrix. */
    private static double[][] mtx(Path file) {
        try {
            List<String> lines = Files.readAllLines(file).stream().filter(l -> !l.startsWith("%")).toList();
            String[] size = lines.get(0).trim().split("\\s+");
            double[][] out = new double[Integer.parseInt(size[0])][Integer.parseInt(size[1])];
            for (String l : lines.subList(1, lines.size())) {
                String[] p = l.trim().split("\\s+");
                out[Integer.parseInt(p[0]) - 1][Integer.parseInt(p[1]) - 1] += Double.parseDouble(p[2]);
            }
            assertEquals(Integer.parseInt(size[2]), lines.size() - 1);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"adata_50", "adata_100"})
    void obsNamesObsmAndCategoricalsMatchThePlainExtraction(String name) {
        List<String[]> obs = csv(plain(name, "obs.csv"));
        List<String[]> pca = csv(plain(name, "X_pca.csv"));
        try (H5adReader r = H5adReader.open(cellrank(name))) {
            int n = obs.size() - 1;
            assertEquals(n, r.cellCount());
            String[] names = r.obsNames();
            for (int i = 0; i < n; i++) {
                assertEquals(obs.get(i + 1)[0], names[i], "obs name " + i);
            }
            assertEquals(List.of("X_diffmap", "X_pca", "X_umap"), r.obsmKeys().stream().sorted().toList());

            Matrix m = r.obsm("X_pca");
            assertFalse(m.sparse());
            assertEquals(n, m.rows());
            assertEquals(30, m.cols());
            double[][] rows = m.toRows();
            for (int i = 0; i < n; i++) {
                assertEquals(pca.get(i + 1)[0], names[i]);
                for (int j = 0; j < 30; j++) {
                    double expected = Float.parseFloat(pca.get(i + 1)[j + 1]); // float32 source, 9 digits
                    assertEquals(expected, rows[i][j], 0.0, "X_pca[" + i + "," + j + "]");
                }
            }

            ObsColumn clusters = r.obsColumn("clusters", null);
            assertEquals("categorical", clusters.encoding());
            assertFalse(clusters.numeric());
            int c = column(obs, "clusters");
            for (int i = 0; i < n; i++) {
                assertEquals(obs.get(i + 1)[c], clusters.strings()[i], "clusters row " + i);
            }
            // a categorical with numeric categories ("age(days)", written as age_days in the extraction)
            ObsColumn age = r.obsColumn("age(days)", null);
            int a = column(obs, "age_days");
            for (int i = 0; i < n; i++) {
                assertEquals(obs.get(i + 1)[a], age.strings()[i], "age row " + i);
                assertEquals(Double.parseDouble(obs.get(i + 1)[a]), age.asNumbers()[i], 0.0);
            }
            // a plain numeric (float32) column
            ObsColumn latent = r.obsColumn("latent_time", null);
            assertTrue(latent.numeric());
            int lt = column(obs, "latent_time");
            for (int i = 0; i < n; i++) {
                assertEquals(Float.parseFloat(obs.get(i + 1)[lt]), (float) latent.numbers()[i], 0.0f);
            }
            assertTrue(r.obsColumns().containsAll(List.of("clusters", "age(days)", "latent_time", "n_counts")));
            assertFalse(r.obsColumns().contains("index"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"adata_50", "adata_100"})
    void csrXMatchesTheMatrixMarketExtraction(String name) {
        double[][] expected = mtx(plain(name, "X.mtx"));
        try (H5adReader r = H5adReader.open(cellrank(name))) {
            Matrix x = r.x();
            assertTrue(x.sparse());
            assertEquals("csr_matrix", x.encoding());
            assertEquals(expected.length, x.rows());
            assertEquals(expected[0].length, x.cols());
            double[][] got = x.toRows();
            for (int i = 0; i < expected.length; i++) {
                assertArrayEquals(expected[i], got[i], 0.0, "X row " + i);
            }
            List<String[]> var = csv(plain(name, "var.csv"));
            String[] varNames = r.varNames();
            assertEquals(var.size() - 1, varNames.length);
            for (int j = 0; j < varNames.length; j++) {
                assertEquals(var.get(j + 1)[0], varNames[j]);
            }
        }
    }

    @Test
    void moscotObsDayAndCellTypeMatchThePlainExtraction() {
        List<String[]> obs = csv(SharedData.data("moscot_temporal/plain/obs.csv"));
        try (H5adReader r = H5adReader.open(MOSCOT)) {
            assertEquals(250, r.cellCount());
            assertEquals(List.of("day", "cell_type", "batch"), r.obsColumns());
            String[] names = r.obsNames();
            ObsColumn day = r.obsColumn("day", "--time-col");
            ObsColumn type = r.obsColumn("cell_type", "--cell-type-col");
            ObsColumn batch = r.obsColumn("batch", null);
            assertTrue(day.numeric());
            assertEquals("categorical", day.encoding());
            assertEquals("array", batch.encoding());
            for (int i = 0; i < 250; i++) {
                String[] row = obs.get(i + 1);
                assertEquals(row[0], names[i]);
                assertEquals(Double.parseDouble(row[1]), day.numbers()[i], 0.0);
                assertEquals(row[1], day.strings()[i]);
                assertEquals(row[2], type.strings()[i]);
                assertEquals(Double.parseDouble(row[3]), batch.numbers()[i], 0.0);
            }
            assertEquals(1479, r.x().cols());
            assertEquals(40185, r.x().data().length);
        }
    }

    @Test
    void missingObsmKeyListsTheKeysPresent() {
        try (H5adReader r = H5adReader.open(cellrank("adata_50"))) {
            String msg = assertThrows(InvalidInputException.class, () -> r.obsm("X_scVI")).getMessage();
            assertTrue(msg.contains("no obsm key 'X_scVI'"), msg);
            assertTrue(msg.contains("X_pca") && msg.contains("X_umap") && msg.contains("X_diffmap"), msg);
            assertTrue(msg.contains("--obsm"), msg);
            String hint = assertThrows(InvalidInputException.class, () -> r.obsm("x_pca")).getMessage();
            assertTrue(hint.contains("did you mean 'X_pca'"), hint);
        }
        try (H5adReader r = H5adReader.open(MOSCOT)) {
            String msg = assertThrows(InvalidInputException.class, () -> r.obsm("X_pca")).getMessage();
            assertTrue(msg.contains("obsm keys present: (none)"), msg);
        }
    }

    @Test
    void missingObsColumnListsTheColumnsPresent() {
        try (H5adReader r = H5adReader.open(MOSCOT)) {
            String msg = assertThrows(InvalidInputException.class, () -> r.obsColumn("role", "--role-col"))
                    .getMessage();
            assertEquals("The .h5ad input '" + MOSCOT + "' has no obs column 'role'; obs columns present: day,"
                    + " cell_type, batch. Set --role-col to name it.", msg);
        }
    }

    @Test
    void theObsIndexIsNotAColumn() {
        try (H5adReader r = H5adReader.open(cellrank("adata_50"))) {
            InvalidInputException e = assertThrows(InvalidInputException.class, () -> r.obsColumn("index", null));
            assertTrue(e.getMessage().contains("no obs column 'index'"), e.getMessage());
        }
    }

    @Test
    void notAnHdf5FileIsRejected() throws IOException {
        Path tmp = Files.createTempFile("not-h5ad", ".h5ad");
        try {
            Files.writeString(tmp, "cell_id,x\n");
            String msg = assertThrows(InvalidInputException.class, () -> H5adReader.open(tmp)).getMessage();
            assertTrue(msg.contains("not a readable HDF5"), msg);
            assertThrows(InvalidInputException.class, () -> H5adReader.open(tmp.resolveSibling("absent.h5ad")));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Test
    void formatsIntegralNumbersWithoutFraction() {
        assertEquals("10", H5adReader.formatNumber(10.0));
        assertEquals("10.5", H5adReader.formatNumber(10.5));
        assertNull(H5adReader.formatNumber(Double.NaN));
    }
}
