package org.chreode.partitioning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.multistage.MultistageLayout;
import org.chreode.kernels.snapshot.Role;

/**
 * Splits a snapshot's cells into subsets of about {@code partitionSize} cells that can each be solved by MultistageOT
 * on its own, repeated over {@code rounds} independent seeded permutations (an ensemble: each cell is solved in R
 * contexts and the per-round transition estimates are summed, e.g. by
 * {@code org.chreode.kernels.markov.SparseAbsorbingChain.Builder}). Immutable settings object; thread-safe.
 *
 * <p><b>Stratification.</b> The cells are grouped into strata: the initial cells, the terminal cells of each fate
 * (fates in sorted label order) and the intermediate cells. With K = max(1, ceil(N / partitionSize)) subsets per
 * round, each round
 * <ol>
 *   <li>draws a start offset o in [0, K) and a uniform permutation of every stratum (Fisher–Yates with
 *       {@link java.util.Random}, whose sequence is specified by the JDK, seeded from (seed, round) by SplitMix64);</li>
 *   <li>deals the strata with m ≥ K cells, in the order initial, fates, intermediate, round-robin to subsets
 *       o, o+1, … (mod K), the position carrying over from one stratum to the next; so each subset gets floor(m/K)
 *       or ceil(m/K) cells of every stratum and floor(N′/K) or ceil(N′/K) cells in all;</li>
 *   <li>handles an initial or fate stratum with m &lt; K cells ("rare") by the {@link RareStratumRule}.</li>
 * </ol>
 * The invariants of the result are listed on {@link PartitionPlan}.
 *
 * <p><b>Rare strata</b> (fewer cells than subsets). MultistageOT needs every subset to hold at least one initial
 * cell and one terminal cell of every fate (otherwise that fate cannot be reached from the subset), so a rare stratum
 * cannot be split. {@link RareStratumRule#REPLICATE} (default) gives every subset exactly one of its cells, cycling
 * through a fresh permutation each round: the only cells that may appear in several subsets of one round are such
 * initial/terminal cells, and {@link PartitionPlan#isReplicated(int)} says which. This re-uses the few known anchor
 * cells (their mass constraints "send ≥ 1" / "receive ≥ 1" then hold in each subset separately).
 * {@link RareStratumRule#REJECT} throws instead, naming the stratum, its count and the partition size that would
 * avoid it. Intermediate cells are never replicated: fewer than 2K of them is rejected.
 *
 * @since 0.1
 */
public final class SnapshotPartitioner {

    /** What to do with an initial or fate stratum that has fewer cells than there are subsets per round. */
    public enum RareStratumRule {
        /** Each subset gets exactly one cell of the stratum; such cells are in several subsets of a round. */
        REPLICATE,
        /** Throw an {@link InvalidInputException} naming the stratum and its count. */
        REJECT
    }

    /** Rounds of the ensemble: each cell is solved in this many contexts; work grows linearly with it. */
    public static final int DEFAULT_ROUNDS = 3;
    public static final long DEFAULT_SEED = 0L;
    public static final RareStratumRule DEFAULT_RULE = RareStratumRule.REPLICATE;
    /** Smallest subset that can hold one initial, two intermediate and one terminal cell. */
    public static final int MIN_PARTITION_SIZE = 4;

    private final int partitionSize;
    private final int rounds;
    private final long seed;
    private final RareStratumRule rule;

    /**
     * @param partitionSize target cells per subset, ≥ {@link #MIN_PARTITION_SIZE} (see {@link PartitionSizing})
     * @param rounds        independent partitionings, ≥ 1
     * @param seed          seed of the permutations
     * @param rule          rare-stratum rule
     */
    public SnapshotPartitioner(int partitionSize, int rounds, long seed, RareStratumRule rule) {
        this.partitionSize = InvalidInputException.requireAtLeast("partitionSize", partitionSize, MIN_PARTITION_SIZE);
        this.rounds = InvalidInputException.requireAtLeast("rounds", rounds, 1);
        if (rule == null) {
            throw InvalidInputException.parameter("rareStratumRule", null, "must be REPLICATE or REJECT");
        }
        this.seed = seed;
        this.rule = rule;
    }

    /** Defaults for rounds, seed and rule. */
    public SnapshotPartitioner(int partitionSize) {
        this(partitionSize, DEFAULT_ROUNDS, DEFAULT_SEED, DEFAULT_RULE);
    }

    /** Partition size from {@link PartitionSizing#defaultPartitionSize}; other settings at their defaults. */
    public static SnapshotPartitioner forHeap(long heapBytes, int stages, KernelPrecision precision) {
        return new SnapshotPartitioner(PartitionSizing.defaultPartitionSize(heapBytes, stages, precision));
    }

    public int partitionSize() {
        return partitionSize;
    }

    public int rounds() {
        return rounds;
    }

    public long seed() {
        return seed;
    }

    public RareStratumRule rule() {
        return rule;
    }

    public SnapshotPartitioner withPartitionSize(int value) {
        return new SnapshotPartitioner(value, rounds, seed, rule);
    }

    public SnapshotPartitioner withRounds(int value) {
        return new SnapshotPartitioner(partitionSize, value, seed, rule);
    }

    public SnapshotPartitioner withSeed(long value) {
        return new SnapshotPartitioner(partitionSize, rounds, value, rule);
    }

    public SnapshotPartitioner withRule(RareStratumRule value) {
        return new SnapshotPartitioner(partitionSize, rounds, seed, value);
    }

    /** {@link #partition(String[], Role[], String[])} with cells named by their row index. */
    public PartitionPlan partition(Role[] roles, String[] fates) {
        return partition(null, roles, fates);
    }

    /**
     * Builds the plan.
     *
     * @param cellIds cell names for error messages, or {@code null} for row numbers
     * @param roles   role per cell (not null)
     * @param fates   fate label per cell (read for terminal cells only)
     * @throws InvalidInputException on mismatched lengths, a missing role or fate, fewer than 2K intermediate cells,
     *                               or (rule REJECT) a rare stratum
     */
    public PartitionPlan partition(String[] cellIds, Role[] roles, String[] fates) {
        if (roles == null || fates == null) {
            throw new InvalidInputException("Partitioning needs a role and a fate array (fates may hold nulls for"
                    + " non-terminal cells).");
        }
        int n = roles.length;
        if (fates.length != n || (cellIds != null && cellIds.length != n)) {
            throw new InvalidInputException("Partitioning got " + n + " roles but " + fates.length + " fates"
                    + (cellIds == null ? "" : " and " + cellIds.length + " cell ids") + ": one of each per cell.");
        }
        String[] ids = cellIds;
        if (ids == null) {
            ids = new String[n];
            for (int i = 0; i < n; i++) {
                ids[i] = "row " + i;
            }
        }
        for (int i = 0; i < n; i++) {
            if (roles[i] == null) {
                throw new InvalidInputException("Cell '" + ids[i] + "' has no role: use initial, intermediate or"
                        + " terminal.");
            }
        }
        MultistageLayout layout = MultistageLayout.of(ids, roles, fates, 1);
        int k = (int) Math.max(1, ((long) n + partitionSize - 1) / partitionSize);

        List<int[]> strata = new ArrayList<>();
        List<String> names = new ArrayList<>();
        strata.add(layout.initialRef().clone());
        names.add("initial");
        int[] fateCounts = new int[layout.fateCount()];
        for (int j = 0; j < layout.terminalCount(); j++) {
            fateCounts[layout.terminalFate(j)]++;
        }
        int[][] byFate = new int[layout.fateCount()][];
        for (int f = 0; f < byFate.length; f++) {
            byFate[f] = new int[fateCounts[f]];
        }
        int[] fill = new int[byFate.length];
        for (int j = 0; j < layout.terminalCount(); j++) {
            int f = layout.terminalFate(j);
            byFate[f][fill[f]++] = layout.terminalRef()[j];
        }
        String[] labels = layout.fateLabels();
        for (int f = 0; f < byFate.length; f++) {
            strata.add(byFate[f]);
            names.add("fate '" + labels[f] + "'");
        }
        int intermediate = layout.intermediateCount();
        if (intermediate < 2 * k) {
            throw new InvalidInputException("Only " + intermediate + " intermediate cells for " + k
                    + " subsets per round (" + n + " cells / partitionSize " + partitionSize + "): every subset"
                    + " needs at least 2; raise partitionSize to at least " + ceilDiv(n, Math.max(1, intermediate / 2))
                    + ".");
        }
        strata.add(layout.intermediateRef().clone());
        names.add("intermediate");

        List<Integer> rare = new ArrayList<>();
        for (int s = 0; s < strata.size() - 1; s++) {
            int m = strata.get(s).length;
            if (m < k) {
                if (rule == RareStratumRule.REJECT) {
                    String what = s == 0 ? "initial cells" : "terminal cells of " + names.get(s);
                    throw new InvalidInputException("Only " + m + " " + what + " for " + k + " subsets per round ("
                            + n + " cells / partitionSize " + partitionSize + "): every subset needs at least one;"
                            + " raise partitionSize to at least " + ceilDiv(n, m) + ", add such cells, or use the"
                            + " REPLICATE rule (each subset then re-uses one of these " + m + " cells).");
                }
                rare.add(s);
            }
        }
        int[] replicatedCells = rare.stream().flatMapToInt(s -> Arrays.stream(strata.get(s))).sorted().toArray();
        String[] replicatedNames = rare.stream().map(names::get).toArray(String[]::new);

        int[][][] subsets = new int[rounds][][];
        for (int r = 0; r < rounds; r++) {
            subsets[r] = round(r, k, n, strata, rare);
        }
        return new PartitionPlan(n, partitionSize, seed, rule, subsets, replicatedCells, replicatedNames);
    }

    private int[][] round(int r, int k, int n, List<int[]> strata, List<Integer> rare) {
        Random rng = new Random(splitMix64(seed + (r + 1) * 0x9E3779B97F4A7C15L));
        int offset = rng.nextInt(k);
        int[] subsetOf = new int[n];
        Arrays.fill(subsetOf, -1);
        int[] sizes = new int[k];
        int[][] extra = new int[k][rare.size()];
        for (int s = 0; s < strata.size(); s++) {
            int[] perm = strata.get(s).clone();
            shuffle(perm, rng);
            int rareIndex = rare.indexOf(s);
            if (rareIndex >= 0) {
                for (int j = 0; j < k; j++) {
                    extra[j][rareIndex] = perm[j % perm.length];
                    sizes[j]++;
                }
            } else {
                for (int j = 0; j < perm.length; j++) {
                    int target = (offset + j) % k;
                    subsetOf[perm[j]] = target;
                    sizes[target]++;
                }
                offset = (int) ((offset + (long) perm.length) % k);
            }
        }
        int[][] out = new int[k][];
        int[] pos = new int[k];
        for (int j = 0; j < k; j++) {
            out[j] = new int[sizes[j]];
        }
        for (int cell = 0; cell < n; cell++) {
            int target = subsetOf[cell];
            if (target >= 0) {
                out[target][pos[target]++] = cell;
            }
        }
        for (int j = 0; j < k; j++) {
            System.arraycopy(extra[j], 0, out[j], pos[j], extra[j].length);
            Arrays.sort(out[j]);
        }
        return out;
    }

    private static void shuffle(int[] a, Random rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static long splitMix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
