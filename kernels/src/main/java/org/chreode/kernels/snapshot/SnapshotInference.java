package org.chreode.kernels.snapshot;

import org.chreode.kernels.common.IterationListener;

/**
 * The one entry point of a snapshot analysis, shared by the CLI and the Spark ML API: validates the input,
 * picks the solver of {@link SnapshotSettings#method()} and assembles per-cell results.
 */
public final class SnapshotInference {

    private SnapshotInference() {
    }

    /**
     * Runs the analysis.
     *
     * @throws org.chreode.kernels.common.InvalidInputException for bad input (message names the cell or parameter)
     * @throws org.chreode.kernels.common.NumericalInstabilityException when the numbers under- or overflow
     */
    public static SnapshotResult run(SnapshotInput input, SnapshotSettings settings, IterationListener listener) {
        throw new IllegalStateException("wired in the next commit");
    }
}
