package org.chreode.kernels.multistage;

import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.linalg.OnlineSymmetricKernel;
import org.chreode.kernels.linalg.PackedSymmetricMatrix;
import org.chreode.kernels.linalg.SymmetricKernel;
import org.chreode.kernels.linalg.Workers;

/**
 * Makes the intermediate Gibbs kernel E_ij = exp(-C_ij kappa) (C = normalised squared distance, +infinity on the
 * diagonal) of a MultistageOT solve at a given inverse temperature kappa, in one of the memory strategies of
 * {@link org.chreode.kernels.geometry.KernelMode}. The solver asks for a new kernel at each proximal kappa through
 * {@link #rebuild}, which may reuse the previous one's memory.
 *
 * @since 0.1
 */
public interface IntermediateKernelFactory {

    /** The kernel at {@code kappa}. */
    SymmetricKernel build(MultistageCosts costs, double kappa, Workers workers);

    /** The kernel at a new {@code kappa}; {@code previous} (built by this factory) is not used afterwards. */
    default SymmetricKernel rebuild(SymmetricKernel previous, MultistageCosts costs, double kappa, Workers workers) {
        return build(costs, kappa, workers);
    }

    /** Row i of E at kappa, j &lt; i: the one formula every strategy uses, so they agree to rounding. */
    static PackedSymmetricMatrix.RowFiller entries(MultistageCosts costs, double kappa) {
        return (i, row) -> {
            for (int j = 0; j < i; j++) {
                row[j] = entry(costs, i, j, kappa);
            }
        };
    }

    /** E_ij = exp(-C_ij kappa). */
    static double entry(MultistageCosts costs, int i, int j, double kappa) {
        return Math.exp(-costs.intermediateCost(i, j) * kappa);
    }

    /** Packed lower triangle in {@code precision}, refilled in place at each new kappa. */
    static IntermediateKernelFactory stored(KernelPrecision precision) {
        return new IntermediateKernelFactory() {
            @Override
            public SymmetricKernel build(MultistageCosts costs, double kappa, Workers workers) {
                return PackedSymmetricMatrix.build(costs.intermediateCount(), precision, entries(costs, kappa),
                        workers);
            }

            @Override
            public SymmetricKernel rebuild(SymmetricKernel previous, MultistageCosts costs, double kappa,
                                           Workers workers) {
                ((PackedSymmetricMatrix) previous).refill(entries(costs, kappa), workers);
                return previous;
            }
        };
    }

    /** Row tiles recomputed from the coordinates on every product (nothing n x n held). */
    static IntermediateKernelFactory online() {
        return (costs, kappa, workers) -> new OnlineSymmetricKernel(costs.intermediateCount(), entries(costs, kappa));
    }
}
