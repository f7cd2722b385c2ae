package org.chreode.kernels.lowrank;

import java.io.Serializable;

/**
 * The exact assignment of one base block of Hierarchical Refinement ({@link HierarchicalRefinementPlan#assign}):
 * source {@code sources[i]} is matched to target {@code targets[i]}, and {@code totalCost} = Σ_i c(sources[i],
 * targets[i]) summed in index order.
 *
 * <p>Immutable; arrays are copied in and out ({@code ...Ref} accessors skip the copy). Serializable.
 *
 * @since 0.1
 */
public final class BlockMatching implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int[] sources;
    private final int[] targets;
    private final double totalCost;

    BlockMatching(int[] sources, int[] targets, double totalCost) {
        this.sources = sources;
        this.targets = targets;
        this.totalCost = totalCost;
    }

    /** Number of matched pairs. */
    public int size() {
        return sources.length;
    }

    public int[] sources() {
        return sources.clone();
    }

    /** targets()[i] is the partner of sources()[i]. */
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

    public double totalCost() {
        return totalCost;
    }
}
