package org.chreode.kernels.temporal;


import org.chreode.kernels.common.InvalidInputException;

/**
 * {@link CouplingOperator} over a stored n × m coupling (the stored-kernel path: pairs whose n·m fits the budget).
 *
 * @since 0.2
 */
public final class DenseCoupling implements CouplingOperator {

    private static final long serialVersionUID = 1L;

    private final double[][] plan;
    private final int m;

    /** @param plan n × m coupling, held by reference (not copied: it is large) */
    public DenseCoupling(double[][] plan) {
        if (plan == null || plan.length == 0 || plan[0] == null || plan[0].length == 0) {
            throw new InvalidInputException("A dense coupling needs a non-empty matrix.");
        }
        this.plan = plan;
        this.m = plan[0].length;
    }

    @Override
    public int sourceCount() {
        return plan.length;
    }

    @Override
    public int targetCount() {
        return m;
    }

    @Override
    public double[] rowSums() {
        double[] ones = new double[m];
        java.util.Arrays.fill(ones, 1.0);
        return apply(ones);
    }

    @Override
    public double[] columnSums() {
        double[] ones = new double[plan.length];
        java.util.Arrays.fill(ones, 1.0);
        return applyTranspose(ones);
    }

    @Override
    public double[] apply(double[] v) {
        TileCoupling.requireLength("v", v, m);
        double[] out = new double[plan.length];
        for (int i = 0; i < plan.length; i++) {
            double s = 0;
            for (int j = 0; j < m; j++) {
                s += plan[i][j] * v[j];
            }
            out[i] = s;
        }
        return out;
    }

    @Override
    public double[] applyTranspose(double[] w) {
        TileCoupling.requireLength("w", w, plan.length);
        double[] out = new double[m];
        for (int i = 0; i < plan.length; i++) {
            for (int j = 0; j < m; j++) {
                out[j] += plan[i][j] * w[i];
            }
        }
        return out;
    }

    @Override
    public double[] row(int i) {
        return plan[i].clone();
    }

    /** The stored plan, by reference (package callers only read it). */
    double[][] plan() {
        return plan;
    }

    @Override
    public double maxEntry() {
        double max = 0;
        for (double[] row : plan) {
            for (double v : row) {
                max = Math.max(max, v);
            }
        }
        return max;
    }

    @Override
    public SparseCoupling sparse(double relativeThreshold) {
        TileCoupling.requireThreshold(relativeThreshold);
        double max = maxEntry();
        double cut = relativeThreshold * max;
        SparseEntries e = new SparseEntries();
        for (int i = 0; i < plan.length; i++) {
            for (int j = 0; j < m; j++) {
                e.offer(i, j, plan[i][j], cut);
            }
        }
        return SparseEntries.join(new SparseEntries[] {e}, max, Double.NaN);
    }
}
