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

    /** {@link #valid()} with a growth-rate column g (1.5 for A cells, 0.5 for B), one cell's value replaced. */
    private static List<String> withGrowth(String cell, String value) {
        List<String> rows = new ArrayList<>();
        for (String r : valid()) {
            if (r.startsWith("cell_id,")) {
                rows.add(r + ",g");
            } else {
                rows.add(r + "," + (r.startsWith(cell + ",") ? value : r.contains(",A,") ? "1.5" : "0.5"));
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
                        "--cost-normalization must be mean, median or none"),
                Arguments.of("negative growth prior", withGrowth("c1_4", "-0.5"), List.of("--growth-col", "g"),
                        "Cell 'c1_4' has a negative growth prior -0.5 in column 'g' (--growth-col)"),
                Arguments.of("negative growth prior at the last time point", withGrowth("c2_1", "-2"),
                        List.of("--growth-col", "g"), "Cell 'c2_1' has a negative growth prior -2.0"),
                Arguments.of("missing growth prior", withGrowth("c0_3", ""), List.of("--growth-col", "g"),
                        "Cell 'c0_3' has a non-finite growth prior NaN in column 'g'"),
                Arguments.of("non-numeric growth prior", withGrowth("c0_2", "fast"), List.of("--growth-col", "g"),
                        "Column 'g' (--growth-col) is not numeric: cell 'c0_2' has value 'fast'"),
                Arguments.of("missing growth column", valid(), List.of("--growth-col", "g"),
                        "The input has no growth column 'g'"),
                Arguments.of("growth iterations zero", valid(), List.of("--growth-iters", "0"),
                        "--growth-iters must be >= 1"),
                Arguments.of("growth rates and scores", withGrowth("c0_0", "1"), List.of("--growth-col", "g",
                        "--proliferation-col", "g"), "Give either --growth-col"),
                Arguments.of("non-finite proliferation score", withGrowth("c0_5", "NaN"),
                        List.of("--proliferation-col", "g"), "Cell 'c0_5' has a non-finite proliferation score"),
                Arguments.of("cell set label absent", valid(), List.of("--from", "Z"),
                        "No cell has cell type 'Z' in column 'cell_type' (--from); labels present: A, B"),
                Arguments.of("cell set label without cell types", valid(), List.of("--from", "A",
                        "--no-cell-types"), "cell types are off (--no-cell-types)"),
                Arguments.of("cell set ids file missing", valid(), List.of("--from-ids", "/nonexistent/ids.txt"),
                        "Cannot read the --from-ids file '/nonexistent/ids.txt'"),
                Arguments.of("from-time without cells", valid(), List.of("--from", "A", "--from-time", "5"),
                        "--from-time 5 has no cells in column 'day'"),
                Arguments.of("from-time without a cell set", valid(), List.of("--from-time", "1"),
                        "--from-time needs a cell set"),
                Arguments.of("validation with two time points", valid().stream().filter(r -> !r.startsWith("c2_"))
                        .toList(), List.of("--validate-interpolation"),
                        "--validate-interpolation needs at least three time points"),
                Arguments.of("validation size one", valid(), List.of("--validate-interpolation",
                        "--validation-size", "1"), "--validation-size must be >= 2"),
                Arguments.of("distributed kernel", valid(), List.of("--kernel", "distributed"),
                        "--kernel distributed is for one large snapshot"),
                Arguments.of("unknown kernel", valid(), List.of("--kernel", "gpu"),
                        "must be auto, stored, online or distributed"),
                Arguments.of("online kernel with the median", valid(), List.of("--kernel", "online",
                        "--cost-normalization", "median"), "--cost-normalization median needs the stored n x m cost"),
                Arguments.of("negative threads", valid(), List.of("--threads", "-1"), "--threads must be >= 0"),
                Arguments.of("over-relaxation two", valid(), List.of("--over-relaxation", "2"),
                        "--over-relaxation must be in [1, 2)"),
                Arguments.of("negative rank", valid(), List.of("--rank", "-1"), "--rank must be >= 0"),
                Arguments.of("rank with a kernel", valid(), List.of("--rank", "2", "--kernel", "online"),
                        "--kernel online does not apply"),
                Arguments.of("rank with the median", valid(), List.of("--rank", "2", "--cost-normalization",
                        "median"), "with --rank use --cost-normalization mean or none"),
                Arguments.of("rank with relaxed marginals", valid(), List.of("--rank", "2", "--tau-a", "0.9"),
                        "--tau-a and --tau-b must stay 1 with --rank"),
                Arguments.of("rank above the cells of a pair", valid(), List.of("--rank", "500"),
                        "must be <= min(n, m)"));
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
    void unknownIdInTheCellSetFileIsNamed() {
        Path input = writeFile(dir, "in.csv", valid().toArray(new String[0]));
        Path ids = writeFile(dir, "ids.txt", "c0_1", "c9_9");
        Path output = dir.resolve("out-ids");
        StringWriter err = new StringWriter();
        CommandLine cli = ChreodeCli.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        int exit = cli.execute("temporal", "--input", input.toString(), "--output", output.toString(),
                "--from-ids", ids.toString());
        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().contains("Cell 'c9_9' on line 2 of the --from-ids file"), err.toString());
        assertTrue(nothingAt(output));
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
