package org.chreode.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.chreode.jobs.SparkTestBase;
import org.chreode.kernels.common.Convergence;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotOutputWriterTest extends SparkTestBase {

    @TempDir
    Path dir;

    static SnapshotResult result(boolean outliers) {
        return new SnapshotResult(new String[] {"c1", "c,2"}, new Role[] {Role.INITIAL, Role.TERMINAL},
                new String[] {"A", "B"}, new double[][] {{0.25, 0.75}, {1.0, 0.0}},
                outliers ? new double[] {0.0, 0.0} : null,
                new double[] {0.0, 1.0}, new double[] {Double.NaN, 3.5}, new double[] {0.5623351446188083, 0.0},
                null, Map.of("iterations", 12));
    }

    @Test
    void csvHasTheContractColumnsFullPrecisionAndEmptyNaN() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SnapshotOutputWriter.writeCellsCsv(result(false), bytes);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals("cell_id,role,pseudotime,expected_stage,potency,fate_A,fate_B,mean_absorption_time", lines[0]);
        assertEquals("c1,initial,0.0,,0.5623351446188083,0.25,0.75,", lines[1]);
        assertEquals("\"c,2\",terminal,1.0,3.5,0.0,1.0,0.0,", lines[2]);
    }

    @Test
    void csvHasPUnknownOnlyWithOutlierStates() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SnapshotOutputWriter.writeCellsCsv(result(true), bytes);
        assertTrue(bytes.toString(StandardCharsets.UTF_8)
                .startsWith("cell_id,role,pseudotime,expected_stage,potency,fate_A,fate_B,p_unknown,"
                        + "mean_absorption_time\n"));
    }

    @Test
    void parquetHoldsTheSameColumnsWithNaNAsNull() {
        String path = dir.resolve("cells.parquet").toString();
        SnapshotOutputWriter.writeCellsParquet(spark, result(true), path);
        Dataset<Row> df = spark.read().parquet(path);
        assertEquals(SnapshotOutputWriter.columnNames(result(true)), List.of(df.columns()));
        List<Row> rows = df.collectAsList();
        assertEquals(2, rows.size());
        Row first = rows.stream().filter(r -> r.getString(0).equals("c1")).findFirst().orElseThrow();
        assertTrue(first.isNullAt(3), "NaN expected_stage is null");
        assertEquals(0.75, first.getDouble(6));
    }

    @Test
    void jsonValueSpellsRecordsInSnakeCaseAndDropsNaN() {
        Convergence c = new Convergence(Convergence.Status.CONVERGED, 10, 1, 1e-5, Double.NaN, 0.05,
                new double[] {1e-5});
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) SnapshotOutputWriter.jsonValue(c);
        assertEquals("converged", json.get("status"));
        assertEquals(10, json.get("iterations"));
        assertNull(json.get("marginal_error"));
        assertEquals(List.of(1e-5), json.get("error_history"));
        assertEquals("max_iterations", SnapshotOutputWriter.snakeCase("maxIterations"));
    }
}
