package org.chreode.kernels.lowrank;

/**
 * The output of {@link HierarchicalRefinementSolver}: a one-to-one matching of source points to target points.
 *
 * <p>For n = m every source point is matched ({@link #targetOf()} is a permutation). With unequal sizes (only when
 * {@link HierarchicalRefinementSolver#withUnequalSizes(boolean)} is on) min(n, m) pairs are matched and the points of
 * the larger side that were subsampled away have no partner (−1).
 *
 * <p>Immutable; arrays are copied in and out.
 *
 * @since 0.1
 */
public final class HierarchicalRefinementResult {

    private final int[] targetOf;
    private final int[] sourceOf;
    private final int matchedPairs;
    private final double totalCost;
    private final RankSchedule schedule;
    private final double[] levelSeconds;
    private final int[] blocksPerLevel;

    HierarchicalRefinementResult(int[] targetOf, int m, double totalCost, RankSchedule schedule,
                                 double[] levelSeconds, int[] blocksPerLevel) {
        this.targetOf = targetOf.clone();
        this.sourceOf = new int[m];
        java.util.Arrays.fill(sourceOf, -1);
        int pairs = 0;
        for (int i = 0; i < targetOf.length; i++) {
            if (targetOf[i] >= 0) {
                sourceOf[targetOf[i]] = i;
                pairs++;
            }
        }
        this.matchedPairs = pairs;
        this.totalCost = totalCost;
        this.schedule = schedule;
        this.levelSeconds = levelSeconds.clone();
        this.blocksPerLevel = blocksPerLevel.clone();
    }

    /** targetOf[i] = target matched to source i, or −1 if source i was subsampled away (n &gt; m only). */
    public int[] targetOf() {
        return targetOf.clone();
    }

    /** sourceOf[j] = source matched to target j, or −1 if target j was subsampled away (m &gt; n only). */
    public int[] sourceOf() {
        return sourceOf.clone();
    }

    /** Number of matched pairs, min(n, m). */
    public int matchedPairs() {
        return matchedPairs;
    }

    /** Σ over matched pairs of c(i, targetOf[i]), in input cost units. */
    public double totalCost() {
        return totalCost;
    }

    /**
     * The primal OT cost of the matching with uniform weights 1/k on the k matched pairs: totalCost / k (the "mean
     * cost" of the spec's test tables).
     */
    public double primalCost() {
        return totalCost / matchedPairs;
    }

    /** The rank schedule used: low-rank levels followed by the base block size (see {@link RankSchedule}). */
    public RankSchedule schedule() {
        return schedule;
    }

    /**
     * Wall-clock seconds per stage: one entry per low-rank level of {@link #schedule()} (FRLC solves and splits),
     * then one for the exact assignment of the base blocks.
     */
    public double[] levelSeconds() {
        return levelSeconds.clone();
    }

    /**
     * Number of independent blocks per stage, aligned with {@link #levelSeconds()}: the blocks entering each low-rank
     * level (1 at the root level), then the number of base blocks solved exactly.
     */
    public int[] blocksPerLevel() {
        return blocksPerLevel.clone();
    }
}
