package org.chreode.jobs.cli;

import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options every Spark command shares: output replacement, the Spark master, and error verbosity. */
public final class RunOptions {

    @Option(names = "--overwrite", description = "Replace an existing output directory (atomically). Default: off.")
    boolean overwrite;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[*], local[N], spark://host:port, yarn, k8s://... "
                    + "Default: spark.master when set (spark-submit), else local[*].")
    String master;

    @Option(names = {"--debug", "--verbose"}, description = "Print stack traces with errors. Default: off.")
    boolean debug;

    /** The command line as typed ("chreode" plus the original arguments), recorded in run.json. */
    static List<String> commandLine(CommandLine command) {
        List<String> args = new ArrayList<>(List.of("chreode"));
        if (command.getParseResult() != null) {
            // the parse result of a subcommand holds the original arguments of the whole command line
            args.addAll(command.getParseResult().originalArgs());
        }
        return args;
    }
}
