package org.chreode.jobs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import org.apache.spark.sql.SparkSession;
import org.chreode.jobs.SparkSessions;

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

    /**
     * The body of every Spark command: builds the request (bad options fail here, before Spark starts), runs the job
     * in a Spark session named {@code appName} on this master, and prints the one-line summary of its report.
     *
     * @return 0, or the exit status of {@link ChreodeCli#reportError} (2 for bad input)
     */
    <Q, R> int execute(CommandLine command, String appName, Supplier<Q> request,
                       BiFunction<SparkSession, Q, R> job, BiFunction<Q, R, String> summary) {
        try {
            Q built = request.get();
            R report = SparkSessions.withSession(appName, master, spark -> job.apply(spark, built));
            command.getOut().println(summary.apply(built, report));
            command.getOut().flush();
            return 0;
        } catch (Exception e) {
            return ChreodeCli.reportError(command, e, debug);
        }
    }

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
