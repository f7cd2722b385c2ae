package org.chreode.jobs.temporal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.chreode.jobs.SparkTestBase;
import org.chreode.jobs.cli.ChreodeCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import picocli.CommandLine;

/**
 * {@code chreode temporal} on small tables: each bad input gives a one-paragraph message naming the problem, a
 * non-zero exit status and nothing at the output path; a valid table writes every output.
 */
class TemporalBadInputTest extends SparkTestBase {

    @TempDir
    Path dir;

    /** Three time points, two cell types, 2-D features. */
    private static List<String> valid() {
        List<String> rows = new ArrayList<>(List.of("cell_id,day,cell_type,x,y"));
        for (int d = 0; d < 3; d++) {
            for (int k = 0; k < 6; k++) {
                rows.add("c" + d + "_" + k + "," + d + "," + (k % 2 == 0 ? "A" : "B") + "," + (d + 0.1 * k) + ","
                        + (k % 2 == 0 ? (d + 1) * 0.5 : -(d + 1) * 0.5));
            }
        }
        return rows;
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("one time point", valid().stream().map(r -> r.replaceFirst("^(c\\d_\\d+),\\d,", "$1,7,"))
                        .toList(), List.of(), "only one time point (day = 7)"),
                Arguments.of("non-numeric time", valid().stream().map(r -> r.startsWith("c1_3,")
                        ? r.replace("c1_3,1,", "c1_3,day1,") : r).toList(), List.of(),
                        "Time column 'day' is not numeric: cell 'c1_3' has value 'day1'"),
                Arguments.of("listed time point without cells", valid(), List.of("--pairs", "0:1,1:5"),
                        "Time point 5 listed in --pairs has no cells"),
                Arguments.of("missing cell-type column", valid().stream().map(r -> r.replace(",A,", ",").replace(",B,",
                        ",").replace(",cell_type,", ",")).toList(), List.of(), "has no cell-type column 'cell_type'"),
                Arguments.of("missing cell type value", valid().stream().map(r -> r.startsWith("c2_1,")
                        ? r.replace(",B,", ",,") : r).toList(), List.of(), "Cell 'c2_1' has no cell type"),
                Arguments.of("tau-a zero", valid(), List.of("--tau-a", "0"), "--tau-a must be in (0, 1]"),
                Arguments.of("tau-b above one", valid(), List.of("--tau-b", "1.5"), "--tau-b must be in (0, 1]"),
                Arguments.of("pair backwards", valid(), List.of("--pairs", "1:0"), "does not go forward in time"),
                Arguments.of("pair malformed", valid(), List.of("--pairs", "0-1"), "is not of the form T0:T1"),
                Arguments.of("pair not numeric", valid(), List.of("--pairs", "0:one"), "not a number"),
                Arguments.of("bad cost normalization", valid(), List.of("--cost-normalization", "max"),
                        "--cost-normalization must be mean, median or none"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectedWithAClearMessageAndNothingWritten(String name, List<String> rows, List<String> options,
                                                   String expected) {
        Path input = writeFile(dir, "in.csv", rows.toArray(new String[0]));
        Path output = dir.resolve("out");
        List<String> args = new ArrayList<>(List.of("temporal", "--input", input.toString(), "--output",
                output.toString()));
        args.addAll(options);
        StringWriter err = new StringWriter();
        CommandLine cli = ChreodeCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args.toArray(new String[0]));
        String message = err.toString();
        assertEquals(2, exit, name + ": " + message);
        assertTrue(message.startsWith("chreode temporal: error: "), message);
        assertTrue(message.contains(expected), name + ": " + message);
        assertEquals(1, message.strip().lines().count(), "one paragraph, no stack trace: " + message);
        assertTrue(nothingAt(output), name + ": something was written at " + output);
    }

    @Test
    void validTableWritesEveryOutput() throws Exception {
        Path input = writeFile(dir, "in.csv", valid().toArray(new String[0]));
        Path output = dir.resolve("ok");
        StringWriter err = new StringWriter();
        CommandLine cli = ChreodeCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("temporal", "--input", input.toString(), "--output", output.toString(),
                "--tau-a", "0.9");
        assertEquals(0, exit, err.toString());
        for (String f : List.of("couplings/0_1.parquet", "couplings/1_2.parquet", "growth.csv", "fates.csv",
                "transitions/0_1_forward.csv", "transitions/0_1_backward.csv", "transitions/1_2_forward.csv",
                "transitions/1_2_backward.csv", "run.json")) {
            assertTrue(Files.exists(output.resolve(f)), f);
        }
        List<String> fates = Files.readAllLines(output.resolve("fates.csv"));
        assertEquals("cell_id,day,fate_A,fate_B", fates.get(0));
        assertEquals(13, fates.size());
        // A cells (even k) stay A: far apart in y from the B cells at later days.
        String[] c00 = fates.get(1).split(",");
        assertEquals("c0_0", c00[0]);
        assertTrue(Double.parseDouble(c00[2]) > 0.9, fates.get(1));
    }
}
