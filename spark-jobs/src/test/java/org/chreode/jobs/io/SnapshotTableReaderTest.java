package org.chreode.jobs.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.io.SnapshotTableReader.Format;
import org.chreode.jobs.io.SnapshotTableReader.SnapshotTable;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTableReaderTest extends SparkTestBase {

    @TempDir
    Path dir;

    private SnapshotTable read(Path file, SnapshotColumns columns) {
        return new SnapshotTableReader(spark).read(file.toString(), columns);
    }

    private String failure(Path file, SnapshotColumns columns) {
        return assertThrows(InvalidInputException.class, () -> read(file, columns)).getMessage();
    }

    @Test
    void defaultFeaturesAreNumericColumnsNotNamedElsewhere() {
        Path csv = writeFile(dir, "t.csv",
                "cell_id,label,x,role,y,fate,n",
                "c1,a,0.5,initial,1.5,,1",
                "c2,b,1.0,,2.5,,2",
                "c3,c,2.0,terminal,3.5,A,3");
        SnapshotTable t = read(csv, SnapshotColumns.defaults());
        assertEquals(Format.CSV, t.format());
        assertEquals(List.of("x", "y", "n"), t.columns().features());
        assertEquals(List.of("label"), t.columns().ignored());
        SnapshotInput in = t.input();
        assertArrayEquals(new String[] {"c1", "c2", "c3"}, in.cellIds());
        assertArrayEquals(new Role[] {Role.INITIAL, Role.INTERMEDIATE, Role.TERMINAL}, in.roles());
        assertArrayEquals(new double[] {1.0, 2.5, 2.0}, in.features()[1]);
        assertEquals("A", in.fates()[2]);
        assertNull(in.fates()[0]);
        assertArrayEquals(new String[] {"x", "y", "n"}, in.featureNames());
    }

    @Test
    void explicitFeaturesKeepTheGivenOrder() {
        Path csv = writeFile(dir, "t.csv",
                "cell_id,role,fate,x,y,z",
                "c1,initial,,1,2,3",
                "c2,terminal,A,4,5,6");
        SnapshotTable t = read(csv, SnapshotColumns.defaults().withFeatures(List.of("z", "x")));
        assertEquals(List.of("z", "x"), t.columns().features());
        assertArrayEquals(new double[] {6, 4}, t.input().features()[1]);
    }

    @Test
    void featurePrefixSelectsMatchingColumns() {
        Path csv = writeFile(dir, "t.csv",
                "cell_id,role,pc_1,other,pc_2",
                "c1,initial,1,9,2",
                "c2,terminal,3,9,4");
        SnapshotTable t = read(csv, SnapshotColumns.defaults().withFeaturePrefix("pc_"));
        assertEquals(List.of("pc_1", "pc_2"), t.columns().features());
        assertArrayEquals(new double[] {3, 4}, t.input().features()[1]);
        assertNull(t.columns().fateCol(), "no fate column in this table");
    }

    @Test
    void renamedColumnsAndIdsKeepTheirSpelling() {
        Path csv = writeFile(dir, "t.csv",
                "barcode,state,lineage,f1",
                "007,initial,,1",
                "008,terminal,Ery,2");
        SnapshotColumns cols = new SnapshotColumns("barcode", "state", "lineage", true, List.of(), null);
        SnapshotTable t = read(csv, cols);
        assertArrayEquals(new String[] {"007", "008"}, t.input().cellIds());
        assertEquals("Ery", t.input().fates()[1]);
    }

    @Test
    void parquetFileAndDirectoryReadLikeCsv() {
        Path csv = writeFile(dir, "t.csv",
                "cell_id,role,fate,x,y",
                "c1,initial,,0.5,1.5",
                "c2,,,1.0,2.5",
                "c3,terminal,A,2.0,3.5");
        SnapshotInput fromCsv = read(csv, SnapshotColumns.defaults()).input();
        Dataset<Row> df = spark.read().option("header", "true").option("inferSchema", "true").csv(csv.toString());
        Path parquetDir = dir.resolve("table");
        df.coalesce(1).write().parquet(parquetDir.toString());
        SnapshotTable fromDir = read(parquetDir, SnapshotColumns.defaults());
        assertEquals(Format.PARQUET, fromDir.format());
        assertArrayEquals(fromCsv.cellIds(), fromDir.input().cellIds());
        assertArrayEquals(fromCsv.roles(), fromDir.input().roles());
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(fromCsv.features()[i], fromDir.input().features()[i]);
        }
        Path parquetFile = dir.resolve("t.parquet");
        df.coalesce(1).write().parquet(parquetFile.toString());
        assertEquals(Format.PARQUET, read(parquetFile, SnapshotColumns.defaults()).format());
    }

    @Test
    void missingRoleColumnNamesTheColumnsPresent() {
        Path csv = writeFile(dir, "t.csv", "cell_id,x", "c1,1");
        String m = failure(csv, SnapshotColumns.defaults());
        assertTrue(m.contains("role column 'role'") && m.contains("cell_id, x") && m.contains("--role-col"), m);
    }

    @Test
    void missingIdColumnIsNamed() {
        Path csv = writeFile(dir, "t.csv", "Cell_ID,role,x", "c1,initial,1");
        String m = failure(csv, SnapshotColumns.defaults());
        assertTrue(m.contains("id column 'cell_id'") && m.contains("did you mean 'Cell_ID'"), m);
    }

    @Test
    void nanFeatureNamesCellAndColumn() {
        Path csv = writeFile(dir, "t.csv", "cell_id,role,x,y", "c1,initial,1,2", "c2,,NaN,3", "c3,terminal,1,1");
        String m = failure(csv, SnapshotColumns.defaults());
        assertTrue(m.contains("'c2'") && m.contains("'x'") && m.contains("NaN"), m);
    }

    @Test
    void infiniteFeatureNamesCellAndColumn() {
        Path csv = writeFile(dir, "t.csv", "cell_id,role,x,y", "c1,initial,1,2", "c2,,1,3", "c3,terminal,1,-Infinity");
        String m = failure(csv, SnapshotColumns.defaults());
        assertTrue(m.contains("'c3'") && m.contains("'y'") && m.contains("Infinity"), m);
    }

    @Test
    void emptyFeatureValueNamesCellAndColumn() {
        Path csv = writeFile(dir, "t.csv", "cell_id,role,x,y", "c1,initial,1,2", "c2,,,3");
        String m = failure(csv, SnapshotColumns.defaults());
        assertTrue(m.contains("'c2'") && m.contains("'x'") && m.contains("no value"), m);
    }

    @Test
    void nonNumericFeatureColumnNamesColumnValueAndCell() {
        Path csv = writeFile(dir, "t.csv", "cell_id,role,x,g", "c1,initial,1,2.5", "c2,,2,high", "c3,terminal,3,1");
        String m = failure(csv, SnapshotColumns.defaults().withFeatures(List.of("x", "g")));
        assertTrue(m.contains("'g' is not numeric") && m.contains("'c2'") && m.contains("'high'"), m);
    }

    @Test
    void duplicateIdsAreNamedWithTheirCount() {
        Path csv = writeFile(dir, "t.csv", "cell_id,role,x", "c1,initial,1", "c2,,2", "c2,,3", "c2,terminal,4");
        String m = failure(csv, SnapshotColumns.defaults());
        assertTrue(m.contains("'c2' appears 3 times") && m.contains("'cell_id'"), m);
    }

    @Test
    void unknownRoleNamesCellAndValue() {
        Path csv = writeFile(dir, "t.csv", "cell_id,role,x", "c1,initial,1", "c2,progenitor,2");
        String m = failure(csv, SnapshotColumns.defaults());
        assertTrue(m.contains("'c2'") && m.contains("'progenitor'"), m);
    }

    @Test
    void noFeatureColumnIsAnError() {
        Path csv = writeFile(dir, "t.csv", "cell_id,role,fate,label", "c1,initial,,a");
        String m = failure(csv, SnapshotColumns.defaults());
        assertTrue(m.contains("no numeric feature column"), m);
    }

    @Test
    void unknownFeatureAndPrefixAreNamed() {
        Path csv = writeFile(dir, "t.csv", "cell_id,role,x", "c1,initial,1");
        assertTrue(failure(csv, SnapshotColumns.defaults().withFeatures(List.of("pc1"))).contains("'pc1'"));
        assertTrue(failure(csv, SnapshotColumns.defaults().withFeaturePrefix("pc")).contains("'pc'"));
    }

    @Test
    void missingInputFileIsNamed() {
        String m = failure(dir.resolve("nope.csv"), SnapshotColumns.defaults());
        assertTrue(m.contains("nope.csv") && m.contains("does not exist"), m);
    }
}
