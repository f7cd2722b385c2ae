package org.chreode.kernels.multistage;

import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.linalg.DenseMatrix;
import org.chreode.kernels.linalg.PackedSymmetricMatrix;
import org.chreode.kernels.linalg.Workers;

/**
 * The Gibbs kernels E = exp(-C * kappa) of the three MultistageOT blocks at one inverse temperature kappa = 1/epsilon
 * (the "geometry" of the problem). The intermediate block, the only large one, is a packed symmetric matrix with zero
 * diagonal; the initial and terminal blocks are dense. Stage kernels of the proximal loop are
 * diag(x_t) E diag(y_t) with per-stage vectors, so this one kernel serves every stage (spec section 9.2).
 */
final class MultistageKernel {

    private final DenseMatrix initial;
    private final PackedSymmetricMatrix intermediate;
    private final DenseMatrix terminal;
    private final double kappa;

    private MultistageKernel(DenseMatrix initial, PackedSymmetricMatrix intermediate, DenseMatrix terminal,
                             double kappa) {
        this.initial = initial;
        this.intermediate = intermediate;
        this.terminal = terminal;
        this.kappa = kappa;
    }

    static MultistageKernel build(MultistageCosts costs, double kappa, KernelPrecision precision, Workers workers) {
        PackedSymmetricMatrix kmm = PackedSymmetricMatrix.build(costs.intermediateCount(), precision,
                intermediateRows(costs, kappa), workers);
        return new MultistageKernel(initialBlock(costs, kappa), kmm, terminalBlock(costs, kappa), kappa);
    }

    private static DenseMatrix initialBlock(MultistageCosts costs, double kappa) {
        return DenseMatrix.build(costs.initialCount(), costs.initialColumns(),
                (i, j) -> Math.exp(-costs.initialCost(i, j) * kappa));
    }

    private static DenseMatrix terminalBlock(MultistageCosts costs, double kappa) {
        return DenseMatrix.build(costs.intermediateCount(), costs.terminalCount(),
                (i, j) -> Math.exp(-costs.terminalCost(i, j) * kappa));
    }

    private static PackedSymmetricMatrix.RowFiller intermediateRows(MultistageCosts costs, double kappa) {
        return (i, row) -> {
            for (int j = 0; j < i; j++) {
                row[j] = Math.exp(-costs.intermediateCost(i, j) * kappa);
            }
        };
    }

    /** Recomputes the kernels in place at a new inverse temperature (the proximal loop's growing kappa). */
    MultistageKernel refill(MultistageCosts costs, double newKappa, Workers workers) {
        intermediate.refill(intermediateRows(costs, newKappa), workers);
        return new MultistageKernel(initialBlock(costs, newKappa), intermediate, terminalBlock(costs, newKappa),
                newKappa);
    }

    double kappa() {
        return kappa;
    }

    DenseMatrix initial() {
        return initial;
    }

    PackedSymmetricMatrix intermediate() {
        return intermediate;
    }

    DenseMatrix terminal() {
        return terminal;
    }

    /** g(e) = e * C = e * (-ln e) / kappa: the cost-weighted kernel entry, recovered without the coordinates. */
    java.util.function.DoubleUnaryOperator costTimesKernel() {
        double k = kappa;
        return e -> e * (-Math.log(e)) / k;
    }

    long storageBytes() {
        return intermediate.storageBytes() + 8L * initial.rows() * initial.cols() + 8L * terminal.rows() * terminal.cols();
    }
}
