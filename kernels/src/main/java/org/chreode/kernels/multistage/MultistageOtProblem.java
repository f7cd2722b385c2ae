package org.chreode.kernels.multistage;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;

/**
 * A MultistageOT problem: coordinates of every cell, the role layout, the number of intermediate stages (T - 1, the
 * reference's {@code n_groups}), the cost normalisation and optional auxiliary outlier states of cost Q.
 *
 * @param features          cells x features, row i = input cell i (held by reference)
 * @param layout            initial / intermediate / terminal cells and fates
 * @param stages            intermediate stages, &gt;= 2 (T = stages + 1 &gt;= 3)
 * @param costNormalization scale of the squared-Euclidean cost
 * @param outlierCost       Q in normalised cost units, or NaN for the plain model
 */
public record MultistageOtProblem(double[][] features, MultistageLayout layout, int stages,
                                  CostNormalization costNormalization, double outlierCost) {

    public MultistageOtProblem {
        InvalidInputException.requireAtLeast("stages", stages, 2);
        if (!Double.isNaN(outlierCost)) {
            InvalidInputException.requirePositive("outlier-cost", outlierCost);
        }
    }

    /** T, the number of transport steps (stages + 1). */
    public int transportSteps() {
        return stages + 1;
    }
}
