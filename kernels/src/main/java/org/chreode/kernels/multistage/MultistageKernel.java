package org.chreode.kernels.multistage;

import org.chreode.kernels.linalg.DenseMatrix;
import org.chreode.kernels.linalg.SymmetricKernel;
import org.chreode.kernels.linalg.Workers;

/**
 * The Gibbs kernel E = exp(-C * kappa) of the intermediate block at one inverse temperature kappa = 1/epsilon (the
 * one large matrix of the problem: symmetric, zero diagonal; stored, online or distributed as its
 * {@link IntermediateKernelFactory} decides), plus the normalised costs of the two small dense
 * blocks (initial x intermediate, intermediate x terminal), from which each stage's dense kernel is formed with its
 * prior folded into the exponent, exp(-C kappa + lx_i + ly_j), so it never underflows before the prior can lift it.
 */
final class MultistageKernel {

    private final DenseMatrix initialCost;
    private final SymmetricKernel intermediate;
    private final DenseMatrix terminalCost;
    private final double kappa;

    private MultistageKernel(DenseMatrix initialCost, SymmetricKernel intermediate, DenseMatrix terminalCost,
                             double kappa) {
        this.initialCost = initialCost;
        this.intermediate = intermediate;
        this.terminalCost = terminalCost;
        this.kappa = kappa;
    }

    static MultistageKernel build(MultistageCosts costs, double kappa, IntermediateKernelFactory factory,
                                  Workers workers) {
        SymmetricKernel kmm = factory.build(costs, kappa, workers);
        DenseMatrix c0 = DenseMatrix.build(costs.initialCount(), costs.initialColumns(), costs::initialCost);
        DenseMatrix cmf = DenseMatrix.build(costs.intermediateCount(), costs.terminalCount(), costs::terminalCost);
        return new MultistageKernel(c0, kmm, cmf, kappa);
    }

    /** The intermediate kernel at a new inverse temperature (the proximal loop's kappa); this one is not used after. */
    MultistageKernel refill(MultistageCosts costs, double newKappa, IntermediateKernelFactory factory,
                            Workers workers) {
        SymmetricKernel next = factory.rebuild(intermediate, costs, newKappa, workers);
        return new MultistageKernel(initialCost, next, terminalCost, newKappa);
    }

    double kappa() {
        return kappa;
    }

    SymmetricKernel intermediate() {
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
        // serializable: the distributed kernel evaluates it on executors
        return (java.util.function.DoubleUnaryOperator & java.io.Serializable) e -> e * (-Math.log(e)) / k;
    }

    long storageBytes() {
        return intermediate.storageBytes() + 8L * initialCost.rows() * initialCost.cols()
                + 8L * terminalCost.rows() * terminalCost.cols();
    }
}
