package org.chreode.kernels.lowrank;

import java.util.Arrays;

import org.chreode.kernels.common.InvalidInputException;

/**
 * Exact minimum-cost perfect matching on a dense square cost matrix: the Hungarian method in its shortest augmenting
 * path form with dual potentials (Kuhn–Munkres as refined by Jonker–Volgenant / Tomizawa), O(k³) time, O(k) extra
 * memory. Rows are inserted one at a time; each insertion runs a Dijkstra-like search over the columns on reduced
 * costs c_ij − u_i − v_j ≥ 0 and augments along the shortest path, so the partial matching stays optimal.
 *
 * <p>Used for the base blocks of {@link HierarchicalRefinementSolver} (spec {@code lowrank.md} §4.3, §7: exact
 * assignment at the leaves), where k is the base block size (≤ a few hundred; 1024 takes about a second).
 *
 * @since 0.1
 */
public final class LinearAssignment {

    private LinearAssignment() {
    }

    /**
     * assignment[i] = column matched to row i, minimising Σ_i cost[i][assignment[i]].
     *
     * @param cost k × k, finite
     * @throws InvalidInputException on an empty, non-square or non-finite matrix
     */
    public static int[] solve(double[][] cost) {
        if (cost == null || cost.length == 0) {
            throw new InvalidInputException("The assignment cost matrix is empty.");
        }
        int n = cost.length;
        for (int i = 0; i < n; i++) {
            if (cost[i] == null || cost[i].length != n) {
                throw new InvalidInputException("The assignment cost matrix must be square: row " + i + " has "
                        + (cost[i] == null ? 0 : cost[i].length) + " entries, expected " + n + ".");
            }
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(cost[i][j])) {
                    throw new InvalidInputException("Assignment cost [" + i + "][" + j + "] is " + cost[i][j]
                            + "; all entries must be finite.");
                }
            }
        }
        // 1-based arrays; column 0 is the virtual source of each search.
        double[] u = new double[n + 1];
        double[] v = new double[n + 1];
        int[] p = new int[n + 1];      // p[j] = row matched to column j (0 = free)
        int[] way = new int[n + 1];
        double[] minv = new double[n + 1];
        boolean[] used = new boolean[n + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            Arrays.fill(used, false);
            do {
                used[j0] = true;
                int i0 = p[j0];
                double[] row = cost[i0 - 1];
                double ui0 = u[i0];
                double delta = Double.POSITIVE_INFINITY;
                int j1 = 0;
                for (int j = 1; j <= n; j++) {
                    if (!used[j]) {
                        double cur = row[j - 1] - ui0 - v[j];
                        if (cur < minv[j]) {
                            minv[j] = cur;
                            way[j] = j0;
                        }
                        if (minv[j] < delta) {
                            delta = minv[j];
                            j1 = j;
                        }
                    }
                }
                for (int j = 0; j <= n; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] assignment = new int[n];
        for (int j = 1; j <= n; j++) {
            assignment[p[j] - 1] = j - 1;
        }
        return assignment;
    }
}
