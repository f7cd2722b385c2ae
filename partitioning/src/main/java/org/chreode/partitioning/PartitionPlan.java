package org.chreode.partitioning;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

import org.chreode.kernels.common.InvalidInputException;

/**
 * An ensemble of partitionings of a snapshot's cells: round → subset → cell indices (input rows). An immutable value
 * (STYLE.md section 5 item 13), produced by {@link SnapshotPartitioner#partition}; arrays are copied in and out, and
 * accessors named {@code ...Ref} share storage (do not modify).
 *
 * <p><b>Invariants</b>, with N cells, K = {@link #subsetCount()} = max(1, ceil(N / partitionSize)) subsets in every
 * round, and the strata "initial cells", "terminal cells of fate f" (one per fate) and "intermediate cells":
 * <ol>
 *   <li>Every round has the same K subsets, and each subset lists distinct cell indices in ascending order.</li>
 *   <li>A stratum with m ≥ K cells is <em>split</em>: each of its cells is in exactly one subset per round, and each
 *       subset holds floor(m/K) or ceil(m/K) of them (within ±1 of the ideal m/K). Intermediate cells are always
 *       split.</li>
 *   <li>An initial or terminal stratum with m &lt; K cells is <em>replicated</em> (rule
 *       {@link SnapshotPartitioner.RareStratumRule#REPLICATE}): each subset holds exactly one of its cells (within ±1
 *       of the ideal m/K &lt; 1), so each such cell is in floor(K/m) or ceil(K/m) subsets of a round. These cells are
 *       listed by {@link #isReplicated(int)}; no other cell is ever in two subsets of one round. Under
 *       {@link SnapshotPartitioner.RareStratumRule#REJECT} no plan has replicated cells.</li>
 *   <li>Every subset holds at least one initial cell, at least one terminal cell of every fate and at least two
 *       intermediate cells.</li>
 *   <li>Without its replicated cells, every subset holds floor(N′/K) or ceil(N′/K) cells, N′ = number of
 *       non-replicated cells; with them, at most {@link #replicatedStrata()}.size() more.</li>
 *   <li>The plan is a deterministic function of (roles, fates, partitionSize, rounds, seed, rule); rounds use
 *       independent seeded permutations, so a cell meets different neighbours in different rounds.</li>
 * </ol>
 *
 * @since 0.1
 */
public final class PartitionPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Value of {@link #assignment(int)} for a replicated cell. */
    public static final int REPLICATED = -1;

    private final int cellCount;
    private final int partitionSize;
    private final long seed;
    private final SnapshotPartitioner.RareStratumRule rule;
    private final int[][][] subsets;
    private final int[] replicatedCells;
    private final String[] replicatedStrata;

    PartitionPlan(int cellCount, int partitionSize, long seed, SnapshotPartitioner.RareStratumRule rule,
                  int[][][] subsets, int[] replicatedCells, String[] replicatedStrata) {
        this.cellCount = cellCount;
        this.partitionSize = partitionSize;
        this.seed = seed;
        this.rule = rule;
        this.subsets = subsets;
        this.replicatedCells = replicatedCells;
        this.replicatedStrata = replicatedStrata;
    }

    /** Number of cells N of the snapshot (indices run 0..N−1). */
    public int cellCount() {
        return cellCount;
    }

    /** The requested subset size (subsets hold about this many cells; see invariant 5). */
    public int partitionSize() {
        return partitionSize;
    }

    public long seed() {
        return seed;
    }

    public SnapshotPartitioner.RareStratumRule rule() {
        return rule;
    }

    /** Number of rounds R (independent partitionings). */
    public int rounds() {
        return subsets.length;
    }

    /** Number of subsets K per round (the same in every round). */
    public int subsetCount() {
        return subsets[0].length;
    }

    /** Cell indices of subset {@code k} of round {@code round}, ascending (a fresh array). */
    public int[] subset(int round, int k) {
        return subsetRef(round, k).clone();
    }

    /** As {@link #subset} without the copy: do not modify. */
    public int[] subsetRef(int round, int k) {
        checkRound(round);
        if (k < 0 || k >= subsets[round].length) {
            throw InvalidInputException.parameter("subset", k, "must be in 0.." + (subsets[round].length - 1));
        }
        return subsets[round][k];
    }

    public int subsetSize(int round, int k) {
        return subsetRef(round, k).length;
    }

    /** The largest subset over all rounds (what a memory budget must hold). */
    public int maxSubsetSize() {
        int max = 0;
        for (int[][] round : subsets) {
            for (int[] s : round) {
                max = Math.max(max, s.length);
            }
        }
        return max;
    }

    /** Whether {@code cell} belongs to a replicated stratum (may be in several subsets of one round). */
    public boolean isReplicated(int cell) {
        return Arrays.binarySearch(replicatedCells, cell) >= 0;
    }

    /** Names of the replicated strata, e.g. {@code initial} or {@code fate 'Ery'}; empty when none. */
    public List<String> replicatedStrata() {
        return List.of(replicatedStrata);
    }

    /**
     * Cells → subset of one round: entry i is the subset holding cell i, or {@link #REPLICATED} for a replicated
     * cell (which is in several subsets).
     */
    public int[] assignment(int round) {
        checkRound(round);
        int[] out = new int[cellCount];
        Arrays.fill(out, REPLICATED);
        for (int k = 0; k < subsets[round].length; k++) {
            for (int cell : subsets[round][k]) {
                if (!isReplicated(cell)) {
                    out[cell] = k;
                }
            }
        }
        return out;
    }

    private void checkRound(int round) {
        if (round < 0 || round >= subsets.length) {
            throw InvalidInputException.parameter("round", round, "must be in 0.." + (subsets.length - 1));
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof PartitionPlan p)) {
            return false;
        }
        return cellCount == p.cellCount && partitionSize == p.partitionSize && seed == p.seed && rule == p.rule
                && Arrays.deepEquals(subsets, p.subsets) && Arrays.equals(replicatedCells, p.replicatedCells)
                && Arrays.equals(replicatedStrata, p.replicatedStrata);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(subsets) + Long.hashCode(seed);
    }

    @Override
    public String toString() {
        return "PartitionPlan[cells=" + cellCount + ", rounds=" + rounds() + ", subsets=" + subsetCount()
                + ", partitionSize=" + partitionSize + ", maxSubsetSize=" + maxSubsetSize() + ", seed=" + seed
                + ", rule=" + rule + ", replicated=" + Arrays.toString(replicatedStrata) + "]";
    }
}
