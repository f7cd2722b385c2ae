package org.chreode.kernels.lowrank;

import org.chreode.kernels.common.InvalidInputException;

/**
 * A low-rank transport problem: a factored cost, marginal weights and the marginal regime.
 *
 * <p>min ⟨C, P⟩ over P = Q Λ Rᵀ (see {@link FrlcSolver}) with P𝟙 = a and Pᵀ𝟙 = b when {@code tauA = tauB = 1}
 * (balanced). A tau below 1 relaxes that side by a KL penalty (moscot/OTT convention, 1 = hard constraint, smaller =
 * looser): {@code tauA < 1, tauB = 1} is semi-relaxed on the source side, both below 1 is unbalanced. The exact
 * mapping of tau to a KL weight is documented in {@link FrlcSolver}.
 *
 * <p>Immutable; weights are copied in and out.
 *
 * @param geometry the factored cost C = A Bᵀ (n × m)
 * @param a        source weights, n finite entries &gt; 0
 * @param b        target weights, m finite entries &gt; 0; Σb = Σa (relative 1e-9) when both sides are balanced
 * @param tauA     source-marginal relaxation in (0, 1]; 1 = balanced
 * @param tauB     target-marginal relaxation in (0, 1]; 1 = balanced
 * @since 0.1
 */
public record LowRankProblem(LowRankGeometry geometry, double[] a, double[] b, double tauA, double tauB) {

    public LowRankProblem {
        if (geometry == null) {
            throw new InvalidInputException("A low-rank problem needs a geometry (got null).");
        }
        a = weights("a (source weights)", a, geometry.n());
        b = weights("b (target weights)", b, geometry.m());
        tau("tauA", tauA);
        tau("tauB", tauB);
        double sa = sum(a);
        double sb = sum(b);
        if (tauA == 1 && tauB == 1 && Math.abs(sa - sb) > 1e-9 * Math.max(sa, sb)) {
            throw new InvalidInputException("Balanced transport needs equal total masses: sum(a) = " + sa
                    + ", sum(b) = " + sb + "; rescale the weights or relax a side with tauA/tauB < 1.");
        }
    }

    /** The balanced problem with uniform weights 1/n and 1/m. */
    public static LowRankProblem uniform(LowRankGeometry geometry) {
        if (geometry == null) {
            throw new InvalidInputException("A low-rank problem needs a geometry (got null).");
        }
        return new LowRankProblem(geometry, fill(geometry.n()), fill(geometry.m()), 1, 1);
    }

    /** The same problem with other marginal relaxations. */
    public LowRankProblem withTau(double newTauA, double newTauB) {
        return new LowRankProblem(geometry, a, b, newTauA, newTauB);
    }

    /** Both sides hard. */
    public boolean isBalanced() {
        return tauA == 1 && tauB == 1;
    }

    @Override
    public double[] a() {
        return a.clone();
    }

    @Override
    public double[] b() {
        return b.clone();
    }

    double[] aRef() {
        return a;
    }

    double[] bRef() {
        return b;
    }

    private static double[] fill(int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1.0 / n);
        return w;
    }

    static double sum(double[] w) {
        double s = 0;
        for (double v : w) {
            s += v;
        }
        return s;
    }

    private static void tau(String name, double tau) {
        if (!(tau > 0 && tau <= 1)) {
            throw InvalidInputException.parameter(name, tau, "must be in (0, 1] (1 = balanced)");
        }
    }

    private static double[] weights(String name, double[] w, int expected) {
        if (w == null || w.length != expected) {
            throw new InvalidInputException("Weights " + name + " have " + (w == null ? "no" : w.length)
                    + " entries but the geometry has " + expected + " points on that side.");
        }
        for (int i = 0; i < w.length; i++) {
            if (!(w[i] > 0) || !Double.isFinite(w[i])) {
                throw new InvalidInputException("Weight " + i + " of " + name + " is " + w[i]
                        + "; weights must be finite and > 0 (drop zero-weight points before solving).");
            }
        }
        return w.clone();
    }
}
