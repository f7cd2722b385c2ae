package org.chreode.jobs.cli;

import picocli.CommandLine.Option;

/** The input table and the output directory of the commands that read one cell table (snapshot, temporal, hmot). */
public final class TableIoOptions {

    @Option(names = "--input", required = true, paramLabel = "PATH",
            description = "Input: .csv, .parquet, a directory of Parquet/CSV parts, or an AnnData .h5ad file (any"
                    + " Hadoop path).")
    String input;

    @Option(names = "--output", required = true, paramLabel = "DIR",
            description = "Output directory (must not exist or be empty unless --overwrite).")
    String output;
}
