package org.chreode.jobs.snapshot;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.apache.spark.SparkException;
import org.chreode.jobs.Failures;
import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.SnapshotSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SnapshotJobTest extends SparkTestBase {

    @TempDir
    Path dir;

    private SnapshotJob.Request request(Path input, Path output, SnapshotColumns columns) {
        return new SnapshotJob.Request(input.toString(), output.toString(), false, columns,
                SnapshotSettings.builder().build(), List.of());
    }

    static Stream<Arguments> badInputs() {
        return Stream.of(
                Arguments.of("NaN feature", new String[] {"cell_id,role,x", "c1,initial,1", "c2,,NaN", "c3,terminal,2"},
                        List.of(), "Cell 'c2' has value NaN in feature column 'x'"),
                Arguments.of("infinite feature", new String[] {"cell_id,role,x", "c1,initial,1", "c2,,Infinity"},
                        List.of(), "Cell 'c2' has value Infinity in feature column 'x'"),
                Arguments.of("non-numeric feature", new String[] {"cell_id,role,x", "c1,initial,1", "c2,,abc"},
                        List.of("x"), "Feature column 'x' is not numeric: cell 'c2' has value 'abc'"),
                Arguments.of("duplicate ids", new String[] {"cell_id,role,x", "c1,initial,1", "c1,,2"},
                        List.of(), "Cell id 'c1' appears 2 times"),
                Arguments.of("unknown role", new String[] {"cell_id,role,x", "c1,initial,1", "c2,stem,2"},
                        List.of(), "Cell 'c2' has unknown role 'stem'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void badInputGivesAClearMessageAndNothingAtTheOutputPath(String name, String[] lines, List<String> features,
                                                             String expected) {
        Path input = writeFile(dir, "in.csv", lines);
        Path output = dir.resolve("out");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> SnapshotJob.run(spark,
                request(input, output, SnapshotColumns.defaults().withFeatures(features))));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(nothingAt(output));
    }

    @Test
    void existingOutputIsRefusedBeforeReading() throws Exception {
        Path output = dir.resolve("out");
        Files.createDirectories(output);
        Files.writeString(output.resolve("keep.txt"), "keep");
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> SnapshotJob.run(spark, request(dir.resolve("missing.csv"), output, SnapshotColumns.defaults())));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        assertTrue(Files.exists(output.resolve("keep.txt")));
    }

    @Test
    void failingSolveLeavesNothingAtTheOutputPath() {
        // No terminal cell: the kernel must refuse this (today the facade is not wired and throws anyway).
        Path input = writeFile(dir, "in.csv", "cell_id,role,x", "c1,initial,1", "c2,,2");
        Path output = dir.resolve("out");
        assertThrows(RuntimeException.class,
                () -> SnapshotJob.run(spark, request(input, output, SnapshotColumns.defaults())));
        assertTrue(nothingAt(output));
    }

    @Test
    void userFacingErrorsAreUnwrappedFromSparkExceptions() {
        InvalidInputException cause = new InvalidInputException("Cell 'x' is bad.");
        SparkException wrapped = new SparkException("Job aborted due to stage failure",
                new RuntimeException("task failed", cause));
        assertSame(cause, Failures.userFacing(wrapped));
        assertTrue(Failures.isBadInput(wrapped));
        assertTrue(Failures.message(wrapped).equals("Cell 'x' is bad."));
    }
}
