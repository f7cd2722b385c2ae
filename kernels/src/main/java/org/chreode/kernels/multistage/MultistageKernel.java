package org.chreode.kernels.multistage;

import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.linalg.DenseMatrix;
import org.chreode.kernels.linalg.PackedSymmetricMatrix;
import org.chreode.kernels.linalg.Workers;

/**
 * The Gibbs kernel E = exp(-C * kappa) of the intermediate block at one inverse temperature kappa = 1/epsilon (the
 * one large matrix of the problem: packed symmetric, zero diagonal), plus the normalised costs of the two small dense
 * blocks (initial x intermediate, intermediate x terminal), from which each stage's dense kernel is formed with its
 * prior folded into the exponent, exp(-C kappa + lx_i + ly_j), so it never underflows before the prior can lift it.
 */
final class MultistageKernel {

    private final DenseMatrix initialCost;
    private final PackedSymmetricMatrix intermediate;
    private final DenseMatrix terminalCost;
    private final double kappa;

    private MultistageKernel(DenseMatrix initialCost, PackedSymmetricMatrix intermediate, DenseMatrix terminalCost,
                             double kappa) {
        this.initialCost = initialCost;
        this.intermediate = intermediate;
        this.terminalCost = terminalCost;
        this.kappa = kappa;
    }

    static MultistageKernel build(MultistageCosts costs, double kappa, KernelPrecision precision, Workers workers) {
        PackedSymmetricMatrix kmm = PackedSymmetricMatrix.build(costs.intermediateCount(), precision,
                intermediateRows(costs, kappa), workers);
        DenseMatrix c0 = DenseMatrix.build(costs.initialCount(), costs.initialColumns(), costs::initialCost);
        DenseMatrix cmf = DenseMatrix.build(costs.intermediateCount(), costs.terminalCount(), costs::terminalCost);
        return new MultistageKernel(c0, kmm, cmf, kappa);
    }

    /** Recomputes the intermediate kernel in place at a new inverse temperature (the proximal loop's kappa). */
    MultistageKernel refill(MultistageCosts costs, double newKappa, Workers workers) {
        intermediate.refill(intermediateRows(costs, newKappa), workers);
        return new MultistageKernel(initialCost, intermediate, terminalCost, newKappa);
    }

    private static PackedSymmetricMatrix.RowFiller intermediateRows(MultistageCosts costs, double kappa) {
        return (i, row) -> {
            for (int j = 0; j < i; j++) {
                row[j] = Math.exp(-costs.intermediateCost(i, j) * kappa);
            }
        };
    }

    double kappa() {
        return kappa;
    }

    PackedSymmetricMatrix intermediate() {
        return intermediate;
    }

    /** exp(-C0 kappa + lx_i + ly_j) for the initial block; null log factors mean 0. */
    DenseMatrix initialKernel(double[] lx, double[] ly) {
        return stageKernel(initialCost, lx, ly);
    }

    /** exp(-Cf kappa + lx_i + ly_j) for the terminal block; null log factors mean 0. */
    DenseMatrix terminalKernel(double[] lx, double[] ly) {
        return stageKernel(terminalCost, lx, ly);
    }

    DenseMatrix initialCost() {
        return initialCost;
    }

    DenseMatrix terminalCost() {
        return terminalCost;
    }

    private DenseMatrix stageKernel(DenseMatrix cost, double[] lx, double[] ly) {
        return DenseMatrix.build(cost.rows(), cost.cols(), (i, j) -> Math.exp(-cost.get(i, j) * kappa
                + (lx == null ? 0 : lx[i]) + (ly == null ? 0 : ly[j])));
    }

    /** g(e) = e * C = e * (-ln e) / kappa: the cost-weighted intermediate kernel entry. */
    java.util.function.DoubleUnaryOperator costTimesKernel() {
        double k = kappa;
        return e -> e * (-Math.log(e)) / k;
    }

    long storageBytes() {
        return intermediate.storageBytes() + 8L * initialCost.rows() * initialCost.cols()
                + 8L * terminalCost.rows() * terminalCost.cols();
    }
}
