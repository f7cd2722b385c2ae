package org.chreode.jobs.cli;

import org.chreode.jobs.io.SnapshotColumns;
import org.chreode.kernels.common.InvalidInputException;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Where the features of an AnnData {@code .h5ad} input come from. */
public final class AnnDataOptions {

    @Option(names = "--obsm", paramLabel = "KEY", defaultValue = SnapshotColumns.DEFAULT_OBSM,
            description = ".h5ad input: the obsm embedding used as features. Default: ${DEFAULT-VALUE}.")
    String obsm;

    @Option(names = "--use-x", description = ".h5ad input: use X (dense or sparse CSR/CSC) as the features instead of"
            + " obsm. Default: off.")
    boolean useX;

    /** Rejects an explicit {@code --obsm} together with {@code --use-x}. */
    void check(CommandLine command) {
        boolean obsmExplicit = command != null && command.getParseResult() != null
                && command.getParseResult().hasMatchedOption("--obsm");
        if (useX && obsmExplicit) {
            throw new InvalidInputException("Give either --obsm or --use-x, not both: they choose where the features"
                    + " of a .h5ad input come from.");
        }
    }
}
