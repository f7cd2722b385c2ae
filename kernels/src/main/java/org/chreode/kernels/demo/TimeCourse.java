package org.chreode.kernels.demo;

/**
 * A simulated lineage-traced time course, as made by {@link TimeCourseGenerator}: the sampled cells with their day,
 * clone barcode, true cell type, features and true growth rate. Arrays are held by reference (the generator hands
 * them over and nobody modifies them), one entry per sampled cell, in sampling order (by day).
 *
 * @param ids              cell ids {@code t0..t{N-1}}
 * @param days             sampling day of each cell
 * @param clones           clone barcode of each cell (index of its founder, 0..founders−1)
 * @param cellTypes        true cell type at sampling: {@value TimeCourseGenerator#PROGENITOR} or a fate label
 *                         {@code F1..FK} (the valley the cell is in, once past the progenitor region)
 * @param features         N x d features (the latent state embedded as in {@link BranchingSnapshotGenerator})
 * @param featureNames     {@code x1..xd}
 * @param trueGrowthRates  exp(birth − death) of the cell's state at sampling: its expected growth factor per day
 * @param livingPerDay     living cells just before each day's sampling
 * @param sampledPerDay    cells sampled (and removed) at each day
 * @param sampleDays       the sampling days, increasing
 * @since 0.1
 */
public record TimeCourse(String[] ids, double[] days, int[] clones, String[] cellTypes, double[][] features,
                         String[] featureNames, double[] trueGrowthRates, int[] livingPerDay, int[] sampledPerDay,
                         double[] sampleDays) implements java.io.Serializable {

    public int cellCount() {
        return ids.length;
    }
}
