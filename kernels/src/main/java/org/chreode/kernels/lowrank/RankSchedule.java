package org.chreode.kernels.lowrank;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.chreode.kernels.common.InvalidInputException;

/**
 * The Hierarchical Refinement rank schedule (spec {@code lowrank.md} §4.2, {@code rank_annealing.optimal_rank_schedule}):
 * per-level ranks r₁ ≤ r₂ ≤ … whose product is n, followed by the base block size Q*.
 * <pre>
 *   Q* = largest divisor of n that is &lt; maxBase (strict)
 *   N′ = n / Q*
 *   f(1, t) = 0;  f(d, 0) = ∞ (d &gt; 1)
 *   f(d, t) = min_{r | d, 2 ≤ r ≤ maxRank} r + r·f(d/r, t − 1)      (= r₁ + r₁r₂ + … : the sum of partial products)
 *   schedule = sort(factors of the arg-min of f(N′, depth)) + [Q*]
 * </pre>
 * The DP minimises Σ_t Π_{s≤t} r_s, i.e. the number of co-clusters created over all levels, which is proportional to
 * the total low-rank work O(n·Σ_t r_t) (spec §4.5). Ties go to the smallest first rank.
 *
 * <p><b>Large prime factors.</b> When N′ has a prime factor &gt; maxRank (or needs more than {@code depth} levels), the
 * DP has no solution and {@link #optimal} throws, as the reference does (spec §4.2: 113350 fails, 2267 is prime).
 * {@link #nearestFeasible} instead returns the schedule of the largest n′ ≤ n that has one; the reference authors drop
 * the n − n′ points, whereas {@link HierarchicalRefinementSolver} keeps them and applies the schedule with uneven
 * capacities (block sizes differ by at most one, spec §4.4 option 1), so every point is still matched and the base
 * blocks are at most ⌈Q*·n/n′⌉ points.
 *
 * @param sizeUsed the n′ the schedule was computed for (n itself for {@link #optimal})
 * @param ranks    the per-level ranks (the last entry is the base block size Q*); their product is {@code sizeUsed}
 * @since 0.1
 */
public record RankSchedule(int sizeUsed, int[] ranks) implements java.io.Serializable {

    /** Reference defaults: hierarchy depth κ = 6, max_Q = 2¹⁰, max_rank = 16. */
    public static final int DEFAULT_DEPTH = 6;
    public static final int DEFAULT_MAX_BASE = 1024;
    public static final int DEFAULT_MAX_RANK = 16;

    private static final long INF = Long.MAX_VALUE / 4;

    public RankSchedule {
        ranks = ranks.clone();
    }

    @Override
    public int[] ranks() {
        return ranks.clone();
    }

    /** The low-rank levels (all but the base block size). */
    public int[] levelRanks() {
        return Arrays.copyOf(ranks, ranks.length - 1);
    }

    /** The base block size Q* (last entry). */
    public int baseBlock() {
        return ranks[ranks.length - 1];
    }

    /**
     * The optimal schedule for exactly n points.
     *
     * @throws InvalidInputException when n &lt; 1, a parameter is out of range, or no schedule exists (a prime factor of
     *                               n / Q* exceeds maxRank, or more than {@code depth} levels would be needed)
     */
    public static RankSchedule optimal(int n, int depth, int maxBase, int maxRank) {
        RankSchedule s = tryOptimal(n, depth, maxBase, maxRank);
        if (s == null) {
            int nPrime = n / largestDivisorBelow(n, maxBase);
            throw new InvalidInputException("No rank schedule for n = " + n + " (depth " + depth + ", maxBase "
                    + maxBase + ", maxRank " + maxRank + "): n / Q* = " + nPrime + " has largest prime factor "
                    + largestPrimeFactor(nPrime) + " > maxRank or needs more than " + depth
                    + " levels; use RankSchedule.nearestFeasible or raise maxRank.");
        }
        return s;
    }

    /**
     * The schedule of the largest n′ ≤ n for which {@link #optimal} succeeds (n′ = n when it does); see the class
     * comment for how the solver applies it to all n points.
     */
    public static RankSchedule nearestFeasible(int n, int depth, int maxBase, int maxRank) {
        for (int size = n; size >= 1; size--) {
            RankSchedule s = tryOptimal(size, depth, maxBase, maxRank);
            if (s != null) {
                return s;
            }
        }
        throw new IllegalStateException("unreachable: n' = 1 always has a schedule");
    }

    static RankSchedule tryOptimal(int n, int depth, int maxBase, int maxRank) {
        InvalidInputException.requireAtLeast("n", n, 1);
        InvalidInputException.requireAtLeast("depth", depth, 1);
        InvalidInputException.requireAtLeast("maxBase", maxBase, 2);
        InvalidInputException.requireAtLeast("maxRank", maxRank, 2);
        int qStar = largestDivisorBelow(n, maxBase);
        int nPrime = n / qStar;
        Map<Long, long[]> memo = new HashMap<>();
        int levels = Math.min(depth, 31); // n < 2³¹: more than 31 factors ≥ 2 are never needed
        long best = f(nPrime, levels, maxRank, memo);
        if (best >= INF) {
            return null;
        }
        List<Integer> factors = new ArrayList<>();
        int d = nPrime;
        int t = levels;
        while (d > 1) {
            int r = (int) f2(d, t, maxRank, memo)[1];
            factors.add(r);
            d /= r;
            t--;
        }
        factors.sort(null);
        int[] ranks = new int[factors.size() + 1];
        for (int i = 0; i < factors.size(); i++) {
            ranks[i] = factors.get(i);
        }
        ranks[factors.size()] = qStar;
        return new RankSchedule(n, ranks);
    }

    private static long f(int d, int t, int maxRank, Map<Long, long[]> memo) {
        return f2(d, t, maxRank, memo)[0];
    }

    /** {f(d, t), arg-min r}. */
    private static long[] f2(int d, int t, int maxRank, Map<Long, long[]> memo) {
        if (d == 1) {
            return new long[] {0, 1};
        }
        if (t == 0) {
            return new long[] {INF, 0};
        }
        long key = ((long) d << 8) | t;
        long[] cached = memo.get(key);
        if (cached != null) {
            return cached;
        }
        long best = INF;
        int arg = 0;
        for (int r = 2; r <= Math.min(d, maxRank); r++) {
            if (d % r != 0) {
                continue;
            }
            long sub = f(d / r, t - 1, maxRank, memo);
            if (sub >= INF) {
                continue;
            }
            long v = r + r * sub;
            if (v < best) {
                best = v;
                arg = r;
            }
        }
        long[] out = {best, arg};
        memo.put(key, out);
        return out;
    }

    static int largestDivisorBelow(int n, int bound) {
        for (int d = Math.min(n, bound - 1); d >= 1; d--) {
            if (n % d == 0) {
                return d;
            }
        }
        return 1;
    }

    static int largestPrimeFactor(int n) {
        int largest = 1;
        int m = n;
        for (int p = 2; (long) p * p <= m; p++) {
            while (m % p == 0) {
                largest = p;
                m /= p;
            }
        }
        return m > 1 ? Math.max(largest, m) : largest;
    }
}
