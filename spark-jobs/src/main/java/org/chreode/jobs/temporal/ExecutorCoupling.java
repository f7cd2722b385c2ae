package org.chreode.jobs.temporal;

import java.util.List;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.chreode.kernels.temporal.CouplingOperator;

/**
 * A pair's coupling as the driver sees it: a {@link CouplingOperator} whose every reduction runs as a one-task Spark
 * job on the executor that holds the pair's persisted solution (the vector goes out, the result comes back; the
 * coupling itself, dense or recomputed in tiles, never leaves the executor). The kernels' chained outputs (fates,
 * descendants, ancestors in {@link org.chreode.kernels.temporal.CouplingChains}) run on it unchanged.
 * Lives only on the driver.
 */
final class ExecutorCoupling implements CouplingOperator {

    private static final long serialVersionUID = 1L;

    private final transient JavaRDD<TemporalJob.PairSolution> solved;
    private final int index;
    private final String name;
    private final int sources;
    private final int targets;

    /**
     * @param solved  the persisted pair solutions
     * @param index   this pair's index
     * @param name    for job descriptions ("pair 10_11")
     * @param sources source cells
     * @param targets target cells
     */
    ExecutorCoupling(JavaRDD<TemporalJob.PairSolution> solved, int index, String name, int sources, int targets) {
        this.solved = solved;
        this.index = index;
        this.name = name;
        this.sources = sources;
        this.targets = targets;
    }

    @Override
    public int sourceCount() {
        return sources;
    }

    @Override
    public int targetCount() {
        return targets;
    }

    @Override
    public double[] rowSums() {
        return on("row sums", CouplingOperator::rowSums);
    }

    @Override
    public double[] columnSums() {
        return on("column sums", CouplingOperator::columnSums);
    }

    @Override
    public double[] apply(double[] v) {
        return on("pull", p -> p.apply(v));
    }

    @Override
    public double[] applyTranspose(double[] w) {
        return on("push", p -> p.applyTranspose(w));
    }

    @Override
    public double[] row(int i) {
        return on("row", p -> p.row(i));
    }

    @Override
    public double maxEntry() {
        return on("max entry", CouplingOperator::maxEntry);
    }

    @Override
    public SparseCoupling sparse(double relativeThreshold) {
        return on("sparse export", p -> p.sparse(relativeThreshold));
    }

    private <T> T on(String what, Function<CouplingOperator, T> reduction) {
        int k = index;
        solved.context().setJobDescription("chreode temporal: " + what + " of " + name);
        List<T> out = solved.filter(p -> p.summary().index() == k).map(p -> reduction.call(p.coupling())).collect();
        if (out.size() != 1) {
            throw new IllegalStateException(name + ": expected one persisted solution, found " + out.size());
        }
        return out.get(0);
    }
}
