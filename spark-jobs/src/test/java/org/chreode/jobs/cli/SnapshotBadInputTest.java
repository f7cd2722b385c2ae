package org.chreode.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.chreode.jobs.SparkTestBase;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import picocli.CommandLine;

/**
 * Every bad input of the snapshot acceptance list through the real CLI: a one-paragraph message naming the problem,
 * a non-zero exit status and nothing at the output path.
 */
class SnapshotBadInputTest extends SparkTestBase {

    @TempDir
    Path dir;

    /** A small valid table whose rows the cases below edit. */
    private static List<String> valid() {
        List<String> rows = new ArrayList<>(List.of("cell_id,role,fate,x,y", "i0,initial,,0,0", "i1,initial,,0.1,0"));
        for (int k = 0; k < 12; k++) {
            rows.add("m" + k + ",intermediate,," + (0.1 * k) + "," + (0.05 * (k % 3)));
        }
        rows.add("a0,terminal,A,1.3,0.6");
        rows.add("b0,terminal,B,1.3,-0.6");
        return rows;
    }

    private static List<String> replace(String prefix, String line) {
        List<String> rows = valid();
        rows.replaceAll(r -> r.startsWith(prefix) ? line : r);
        return rows;
    }

    static Stream<Arguments> cases() {
        List<String> fewCells = new ArrayList<>(valid().subList(0, 6));
        fewCells.add("a0,terminal,A,1.3,0.6");
        return Stream.of(
                Arguments.of("NaN feature", replace("m3,", "m3,intermediate,,NaN,0"), List.of(),
                        "Cell 'm3' has value NaN in feature column 'x'"),
                Arguments.of("infinite feature", replace("m3,", "m3,intermediate,,1,-Infinity"), List.of(),
                        "Cell 'm3' has value -Infinity in feature column 'y'"),
                Arguments.of("non-numeric feature column", replace("m4,", "m4,intermediate,,1,high"),
                        List.of("--features", "x,y"), "Feature column 'y' is not numeric"),
                Arguments.of("duplicate cell ids", replace("m5,", "m4,intermediate,,0.5,0"), List.of(),
                        "Cell id 'm4' appears 2 times"),
                Arguments.of("no initial cells", valid().stream().map(r -> r.replace(",initial,", ",intermediate,"))
                        .toList(), List.of(),
                        "No initial cells"),
                Arguments.of("no terminal cells", valid().stream().map(r -> r.replace(",terminal,", ",intermediate,"))
                        .toList(), List.of(), "No terminal cells"),
                Arguments.of("terminal cell without fate", replace("b0,", "b0,terminal,,1.3,-0.6"), List.of(),
                        "Terminal cell 'b0' has no fate label"),
                Arguments.of("unknown role", replace("m6,", "m6,progenitor,,0.6,0"), List.of(),
                        "Cell 'm6' has unknown role 'progenitor'"),
                Arguments.of("fewer cells than stages", fewCells, List.of("--stages", "10"),
                        "Fewer cells (6) than stages (10)"),
                Arguments.of("epsilon so small the kernel underflows", valid(), List.of("--epsilon", "1e-6"),
                        "underflows"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectedWithAClearMessageAndNothingWritten(String name, List<String> rows, List<String> options,
                                                   String expected) {
        Path input = writeFile(dir, "in.csv", rows.toArray(new String[0]));
        Path output = dir.resolve("out");
        List<String> args = new ArrayList<>(List.of("snapshot", "--input", input.toString(), "--output",
                output.toString()));
        if (!options.contains("--stages")) {
            args.addAll(List.of("--stages", "3"));
        }
        args.addAll(options);
        StringWriter err = new StringWriter();
        CommandLine cli = ChreodeCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute(args.toArray(new String[0]));
        String message = err.toString();
        assertTrue(exit != 0, name + ": exit " + exit);
        assertTrue(message.startsWith("chreode snapshot: error: "), message);
        assertTrue(message.contains(expected), name + ": " + message);
        assertEquals(1, message.strip().lines().count(), "one paragraph, no stack trace: " + message);
        assertTrue(nothingAt(output), name + ": something was written at " + output);
    }
}
