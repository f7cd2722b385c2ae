package org.chreode.kernels.temporal;

import java.util.Arrays;

import org.chreode.kernels.common.InvalidInputException;

/**
 * The prior growth of the source cells of one time pair t₀ → t₁, and the marginals it induces (spec
 * {@code unbalanced_temporal_ot.md} §4).
 *
 * <p>The prior is a per-cell <i>budget</i> G_i: the expected number of descendants of cell i at t₁ (relative mass
 * multiplier over Δt = t₁ − t₀). Three ways to get it:
 * <ul>
 *   <li>{@link #uniform}: G ≡ 1 (no prior);</li>
 *   <li>{@link #fromRates}: a per-cell growth rate g ≥ 0 per unit time, G = g^Δt (WOT {@code cell_growth_rate},
 *       §4.3);</li>
 *   <li>{@link #fromBirthDeath}: proliferation score p and apoptosis score q, G = exp((β(p) − δ(q))·Δt) with the
 *       generalised logistic β and δ of WOT and moscot (§4.1); a missing score counts as 0.</li>
 * </ul>
 *
 * <p><b>Marginals</b> (moscot, §4.2): with a prior, a = G/ΣG and b_j = 1/n for every target cell (so the target has
 * total mass m/n); without one, a = 𝟙/n and b = 𝟙/m. {@link #rates()} = G^{1/Δt} is moscot's
 * {@code prior_growth_rates}.
 *
 * <p>Immutable; arrays are copied in and out.
 *
 * @since 0.1
 */
public final class GrowthPrior implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    /** β(p): sup, inf, centre and width of the birth-rate logistic (WOT/moscot {@code beta_*} defaults). */
    public static final double BETA_MAX = 1.7;
    public static final double BETA_MIN = 0.3;
    public static final double BETA_CENTER = 0.25;
    public static final double BETA_WIDTH = 0.5;
    /** δ(q): sup, inf, centre and width of the death-rate logistic (WOT/moscot {@code delta_*} defaults). */
    public static final double DELTA_MAX = 1.7;
    public static final double DELTA_MIN = 0.3;
    public static final double DELTA_CENTER = 0.1;
    public static final double DELTA_WIDTH = 0.2;

    private final double[] budget;
    private final double deltaT;
    private final boolean informative;

    private GrowthPrior(double[] budget, double deltaT, boolean informative) {
        this.budget = budget;
        this.deltaT = deltaT;
        this.informative = informative;
    }

    /** No prior: G ≡ 1 for n source cells over Δt &gt; 0. */
    public static GrowthPrior uniform(int n, double deltaT) {
        InvalidInputException.requireAtLeast("source cells", n, 1);
        double[] g = new double[n];
        Arrays.fill(g, 1.0);
        return new GrowthPrior(g, InvalidInputException.requirePositive("deltaT", deltaT), false);
    }

    /**
     * G_i = g_i^Δt from per-unit-time growth rates (WOT).
     *
     * @param ids    cell ids, for the error message
     * @param rates  g_i, finite and ≥ 0, not all 0
     * @param column where the rates came from (e.g. "column 'growth'"), for the error message
     * @throws InvalidInputException naming the first cell with a negative or non-finite rate
     */
    public static GrowthPrior fromRates(String[] ids, double[] rates, double deltaT, String column) {
        InvalidInputException.requirePositive("deltaT", deltaT);
        requireLength(ids, rates);
        double[] g = new double[rates.length];
        double total = 0;
        for (int i = 0; i < rates.length; i++) {
            double r = rates[i];
            if (!Double.isFinite(r)) {
                throw new InvalidInputException("Cell '" + ids[i] + "' has a non-finite growth prior " + r + " in "
                        + column + "; growth rates must be finite numbers >= 0.");
            }
            if (r < 0) {
                throw new InvalidInputException("Cell '" + ids[i] + "' has a negative growth prior " + r + " in "
                        + column + "; growth rates must be finite numbers >= 0.");
            }
            g[i] = Math.pow(r, deltaT);
            total += g[i];
        }
        if (!(total > 0)) {
            throw new InvalidInputException("Every source cell has growth prior 0 in " + column
                    + "; at least one cell needs a positive growth rate.");
        }
        return new GrowthPrior(g, deltaT, true);
    }

    /**
     * G_i = exp((β(p_i) − δ(q_i))·Δt) from proliferation and apoptosis scores (either may be null = 0).
     *
     * @param what where the scores came from, for the error message
     * @throws InvalidInputException naming the first cell with a non-finite score
     */
    public static GrowthPrior fromBirthDeath(String[] ids, double[] proliferation, double[] apoptosis, double deltaT,
                                             String what) {
        InvalidInputException.requirePositive("deltaT", deltaT);
        if (proliferation == null && apoptosis == null) {
            throw new InvalidInputException("A birth-death growth prior needs a proliferation or an apoptosis"
                    + " score.");
        }
        int n = ids.length;
        if (proliferation != null) {
            requireLength(ids, proliferation);
        }
        if (apoptosis != null) {
            requireLength(ids, apoptosis);
        }
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            double p = proliferation == null ? 0.0 : proliferation[i];
            double q = apoptosis == null ? 0.0 : apoptosis[i];
            if (!Double.isFinite(p) || !Double.isFinite(q)) {
                throw new InvalidInputException("Cell '" + ids[i] + "' has a non-finite "
                        + (Double.isFinite(p) ? "apoptosis" : "proliferation") + " score "
                        + (Double.isFinite(p) ? q : p) + " (" + what + "); scores must be finite numbers.");
            }
            g[i] = Math.exp((birthRate(p) - deathRate(q)) * deltaT);
        }
        return new GrowthPrior(g, deltaT, true);
    }

    /** inf + (sup − inf) / (1 + exp(−(4/width)·(x − center))) (WOT/moscot {@code gen_logistic}). */
    public static double generalizedLogistic(double x, double sup, double inf, double center, double width) {
        return inf + (sup - inf) / (1 + Math.exp(-(4 / width) * (x - center)));
    }

    /** β(p) with the {@code BETA_*} constants. */
    public static double birthRate(double proliferationScore) {
        return generalizedLogistic(proliferationScore, BETA_MAX, BETA_MIN, BETA_CENTER, BETA_WIDTH);
    }

    /** δ(q) with the {@code DELTA_*} constants. */
    public static double deathRate(double apoptosisScore) {
        return generalizedLogistic(apoptosisScore, DELTA_MAX, DELTA_MIN, DELTA_CENTER, DELTA_WIDTH);
    }

    /** Number of source cells. */
    public int size() {
        return budget.length;
    }

    /** Δt of the pair. */
    public double deltaT() {
        return deltaT;
    }

    /** False for {@link #uniform} (then b = 𝟙/m), true for a prior from data (then b = 𝟙/n). */
    public boolean informative() {
        return informative;
    }

    /** G (growth over Δt, one entry per source cell). */
    public double[] budget() {
        return budget.clone();
    }

    /** G^{1/Δt}: growth per unit time (moscot {@code prior_growth_rates}). */
    public double[] rates() {
        return ratesOf(budget, deltaT);
    }

    /** a = G/ΣG. */
    public double[] sourceMarginal() {
        return normalized(budget);
    }

    /** b: 1/n per target cell with an informative prior (moscot), 1/m without one. */
    public double[] targetMarginal(int m) {
        InvalidInputException.requireAtLeast("target cells", m, 1);
        double[] b = new double[m];
        Arrays.fill(b, informative ? 1.0 / budget.length : 1.0 / m);
        return b;
    }

    /** x^{1/Δt} element-wise. */
    static double[] ratesOf(double[] budget, double deltaT) {
        double[] r = new double[budget.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.pow(budget[i], 1 / deltaT);
        }
        return r;
    }

    static double[] normalized(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] / s;
        }
        return out;
    }

    private static void requireLength(String[] ids, double[] values) {
        if (ids == null || values == null || ids.length != values.length || ids.length == 0) {
            throw new InvalidInputException("A growth prior needs one value per source cell (got "
                    + (values == null ? 0 : values.length) + " values for " + (ids == null ? 0 : ids.length)
                    + " cells).");
        }
    }
}
