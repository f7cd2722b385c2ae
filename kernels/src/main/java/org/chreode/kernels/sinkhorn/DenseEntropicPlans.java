package org.chreode.kernels.sinkhorn;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

import org.chreode.kernels.common.InvalidInputException;

/**
 * Shared pieces of the dense entropic solvers (balanced and unbalanced): the plan from dual potentials,
 * gamma_ij = exp((f_i + g_j - C_ij) / epsilon) (0 where a potential is -infinity, i.e. a zero-mass row or column), and
 * the row loop that runs in parallel once a dense problem is large enough to pay for it.
 */
public final class DenseEntropicPlans {

    /** Rows x columns above which a row loop runs on the common fork-join pool. */
    static final int PARALLEL_WORK = 1 << 14;

    private DenseEntropicPlans() {
    }

    /** Runs {@code body} for rows 0..rows-1, in parallel when the work (rows x cols) is large. */
    public static void forEachRow(int rows, int cols, IntConsumer body) {
        IntStream range = IntStream.range(0, rows);
        ((long) rows * cols >= PARALLEL_WORK ? range.parallel() : range).forEach(body);
    }

    /**
     * The dense plan of potentials f, g for {@code cost}.
     *
     * @throws InvalidInputException if the cost's shape differs from the potentials'
     */
    public static double[][] fromPotentials(double[][] cost, double[] f, double[] g, double epsilon) {
        if (cost == null || cost.length != f.length || (cost.length > 0 && cost[0].length != g.length)) {
            throw new InvalidInputException("The coupling needs the " + f.length + " x " + g.length
                    + " cost matrix the potentials were solved for.");
        }
        double[][] plan = new double[f.length][g.length];
        forEachRow(f.length, g.length, i -> {
            if (f[i] != Double.NEGATIVE_INFINITY) {
                for (int j = 0; j < g.length; j++) {
                    plan[i][j] = g[j] == Double.NEGATIVE_INFINITY ? 0.0
                            : Math.exp((f[i] + g[j] - cost[i][j]) / epsilon);
                }
            }
        });
        return plan;
    }
}
