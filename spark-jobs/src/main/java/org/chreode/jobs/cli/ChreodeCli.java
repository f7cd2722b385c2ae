package org.chreode.jobs.cli;

import java.io.PrintWriter;

import org.chreode.jobs.ChreodeVersion;
import org.chreode.jobs.Failures;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code chreode} command line (launched by {@code submit/chreode}). Exit status 0 on success, 2 for bad input
 * or parameters, 1 for other failures; errors are one paragraph on stderr, {@code chreode <command>: error: ...}.
 */
@Command(name = "chreode", mixinStandardHelpOptions = true, versionProvider = ChreodeCli.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "Optimal-transport trajectory inference for single-cell data on Apache Spark.",
        subcommands = {
                SnapshotCommand.class,
                TemporalCommand.class,
                RefineCommand.class,
                HmotCommand.class,
                // ---- Register further commands here (CONTRACT.md "Launcher"). ----
                DemoCommand.class,
                CommandLine.HelpCommand.class
        })
public final class ChreodeCli implements Runnable {

    /** Exit status for bad input or parameters. */
    public static final int EXIT_BAD_INPUT = 2;
    /** Exit status for any other failure. */
    public static final int EXIT_FAILURE = 1;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: choose one of "
                + String.join(", ", spec.subcommands().keySet()) + ".");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A configured command line: one-paragraph errors for parse failures and unexpected exceptions too. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new ChreodeCli());
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            String name = failed.getCommandSpec().qualifiedName(" ");
            failed.getErr().println(name + ": error: " + ex.getMessage().replaceAll("\\s*\\R\\s*", " ").trim()
                    + " (see '" + name + " --help').");
            failed.getErr().flush();
            return EXIT_BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((ex, failed, parseResult) -> reportError(failed, ex, false));
        return cli;
    }

    /** Prints {@code <command>: error: <message>} (with the stack trace when {@code debug}) and returns the exit status. */
    static int reportError(CommandLine command, Throwable error, boolean debug) {
        PrintWriter err = command.getErr();
        err.println(command.getCommandSpec().qualifiedName(" ") + ": error: " + Failures.message(error));
        if (debug) {
            error.printStackTrace(err);
        }
        err.flush();
        return Failures.isBadInput(error) ? EXIT_BAD_INPUT : EXIT_FAILURE;
    }

    /** {@code chreode --version}. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"chreode " + ChreodeVersion.get()};
        }
    }
}
