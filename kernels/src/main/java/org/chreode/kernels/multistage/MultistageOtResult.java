package org.chreode.kernels.multistage;

import java.util.Map;

import org.chreode.kernels.common.Convergence;

/**
 * Everything a MultistageOT solve produces, per input cell (input row order) unless said otherwise. Arrays are
 * returned by reference: the result is a value object handed to the caller, who must not modify them.
 *
 * @param fateLabels          sorted fate labels (fate columns)
 * @param fateProbabilities   N x K absorption probabilities per fate (terminal cells one-hot)
 * @param pUnknown            absorption probability in the auxiliary terminal state, or null without outlier states
 * @param pseudotime          rank of the expected stage in [1/(n+nF), 1]; 0 for initial cells
 * @param expectedStage       sum_t t mu_t / sum_t mu_t for intermediate cells, with nu for terminal cells; NaN initial
 * @param meanAbsorptionTime  expected steps to absorption; 0 for terminal cells
 * @param stageMass           mu: intermediate cells (layout order) x stages 1..T-1
 * @param terminalMass        nu: terminal cells (layout order) x stages 1..T-1
 * @param costScale           the divisor of the squared distances (median etc.)
 * @param epsilonEffective    effective epsilon of the returned plans (epsilon, or below it after the proximal loop)
 * @param costOfTransport     unregularised sum_t &lt;C, M_t&gt; in normalised cost units
 * @param convergence         of the last Sinkhorn solve
 * @param diagnostics         ordered tree for run.json
 */
public record MultistageOtResult(String[] fateLabels, double[][] fateProbabilities, double[] pUnknown,
                                 double[] pseudotime, double[] expectedStage, double[] meanAbsorptionTime,
                                 double[][] stageMass, double[][] terminalMass, double costScale,
                                 double epsilonEffective, double costOfTransport, Convergence convergence,
                                 Map<String, Object> diagnostics) {

    /** Total convergence checks over the plain solve and every proximal solve. */
    public int totalChecks() {
        Object v = diagnostics.get("total_checks");
        return v == null ? convergence.checks() : ((Number) v).intValue();
    }
}
