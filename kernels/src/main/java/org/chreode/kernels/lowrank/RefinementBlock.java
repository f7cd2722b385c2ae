package org.chreode.kernels.lowrank;

import java.io.Serializable;

/**
 * One co-cluster subproblem of Hierarchical Refinement: a set of source indices I and an equal-size set of target
 * indices J that are matched only among themselves, the refinement level that processes the block next, and the FRLC
 * seed of that processing.
 *
 * <p>Blocks are the unit of work of {@link HierarchicalRefinementPlan}: {@link HierarchicalRefinementPlan#refine}
 * maps a block of level t to its children of level t + 1 and {@link HierarchicalRefinementPlan#assign} matches a
 * base block exactly. Neither needs any other block, so the blocks of one level can be processed in any order, on any
 * thread or machine, with bit-identical results.
 *
 * <p><b>Seeds are a function of the block's position in the tree</b>, never of shared RNG state: the root carries the
 * solver seed, child z of a block with seed σ carries {@link #childSeed(long, int) childSeed(σ, z)} (a SplitMix64 hash),
 * and a block passed through a level unsplit keeps its seed.
 *
 * <p>Immutable; index arrays are copied in and out ({@link #sourcesRef()}/{@link #targetsRef()} skip the copy).
 * Serializable so that a distributed driver can ship blocks to workers.
 *
 * @since 0.1
 */
public final class RefinementBlock implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int[] sources;
    private final int[] targets;
    private final int level;
    private final long seed;

    /**
     * @param sources indices of the block's source points (copied)
     * @param targets indices of the block's target points, as many as sources (copied)
     * @param level   the refinement level that processes this block next (0 = the root level)
     * @param seed    the FRLC seed used when this block is split
     */
    public RefinementBlock(int[] sources, int[] targets, int level, long seed) {
        this(level, seed, sources.clone(), targets.clone());
    }

    private RefinementBlock(int level, long seed, int[] sources, int[] targets) {
        if (sources.length != targets.length) {
            throw new IllegalArgumentException("A refinement block needs as many sources as targets, got "
                    + sources.length + " and " + targets.length + ".");
        }
        if (level < 0) {
            throw new IllegalArgumentException("A refinement block's level must be >= 0, got " + level + ".");
        }
        this.sources = sources;
        this.targets = targets;
        this.level = level;
        this.seed = seed;
    }

    /** A block that takes ownership of the arrays (callers in this package never touch them again). */
    static RefinementBlock owning(int[] sources, int[] targets, int level, long seed) {
        return new RefinementBlock(level, seed, sources, targets);
    }

    /**
     * The seed of child z of a block with seed {@code parentSeed}: the SplitMix64 finaliser (Steele, Lea, Flood 2014)
     * of parentSeed + (z + 1)·φ, φ = 0x9E3779B97F4A7C15 — distinct, well-mixed streams for siblings and levels.
     */
    public static long childSeed(long parentSeed, int z) {
        long h = parentSeed + (z + 1L) * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
        h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    /** Number of source (= target) points. */
    public int size() {
        return sources.length;
    }

    public int level() {
        return level;
    }

    public long seed() {
        return seed;
    }

    /** Source indices (a copy). */
    public int[] sources() {
        return sources.clone();
    }

    /** Target indices (a copy). */
    public int[] targets() {
        return targets.clone();
    }

    /** Source indices without a copy: do not modify. */
    public int[] sourcesRef() {
        return sources;
    }

    /** Target indices without a copy: do not modify. */
    public int[] targetsRef() {
        return targets;
    }

    @Override
    public String toString() {
        return "RefinementBlock[level " + level + ", " + sources.length + " points, seed " + seed + "]";
    }
}
