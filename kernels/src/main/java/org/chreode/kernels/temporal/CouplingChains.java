package org.chreode.kernels.temporal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.chreode.kernels.common.InvalidInputException;

/**
 * The WOT/moscot outputs that chain couplings (spec {@code unbalanced_temporal_ot.md} §5), computed on
 * {@link CouplingOperator}s only — dense, online tiles, low-rank factors or a remote operator — so none of them needs
 * an n × m array:
 * <pre>
 *   descendants of p after k steps  ∝ P⁽ᵏ⁾ᵀ ⋯ P⁽⁰⁾ᵀ p          (WOT push_forward, normalised after every step)
 *   ancestors of q before step k    ∝ P⁽ᵏ⁾ ⋯ P⁽ᴷ⁻¹⁾ q         (WOT pull_back, normalised after every step)
 *   fates F_t[i, c]                 = (P⁽ᵗ⁾ ⋯ P⁽ᴷ⁻¹⁾ 1_c)_i / Σ_c' (…)_i   (WOT fates, one pull per population c)
 *   transition table B[s, t]        = Σ_{i∈s, j∈t} P_ij, rows (forward) or columns (backward) normalised
 * </pre>
 * Chains are checked by size (targets of one coupling = sources of the next); {@link TransportMap} adds the id
 * checks.
 *
 * @since 0.2
 */
public final class CouplingChains {

    private CouplingChains() {
    }

    /**
     * WOT {@code push_forward} recorded at every step: element k is p pushed through couplings 0…k, normalised
     * after every step (a distribution over the targets of coupling k).
     *
     * @param p a non-negative measure over the sources of coupling 0 (e.g. a cell-set indicator)
     * @throws InvalidInputException if p or an intermediate result has no mass
     */
    public static List<double[]> descendantsPerStep(List<? extends CouplingOperator> chain, double[] p) {
        requireChain(chain);
        requireLength("cell-set measure", p, chain.get(0).sourceCount());
        List<double[]> out = new ArrayList<>();
        double[] x = normalized(p);
        for (CouplingOperator coupling : chain) {
            x = normalized(coupling.applyTranspose(x));
            out.add(x);
        }
        return out;
    }

    /**
     * WOT {@code pull_back} recorded at every step: element k is q (over the targets of the last coupling) pulled
     * back through couplings K−1…k, normalised after every step (a distribution over the sources of coupling k).
     */
    public static List<double[]> ancestorsPerStep(List<? extends CouplingOperator> chain, double[] q) {
        requireChain(chain);
        requireLength("cell-set measure", q, chain.get(chain.size() - 1).targetCount());
        double[][] out = new double[chain.size()][];
        double[] x = normalized(q);
        for (int k = chain.size() - 1; k >= 0; k--) {
            x = normalized(chain.get(k).apply(x));
            out[k] = x;
        }
        return Arrays.asList(out);
    }

    /**
     * WOT {@code fates} (spec §5.1): populations at the last time point (one label per target cell of the last
     * coupling; null = none, gathered in {@value TransportMap#OTHER}) are pulled back without normalisation, one
     * pull per population and coupling, and each cell's row is normalised (NaN if the cell sends no mass forward).
     * Element k of the result is time point k of the chain; the last is the population time itself.
     */
    public static TransportMap.Fates fates(List<? extends CouplingOperator> chain, String[] lastTimeLabels) {
        requireChain(chain);
        CouplingOperator last = chain.get(chain.size() - 1);
        requireLength("last-time labels", lastTimeLabels, last.targetCount());
        String[] labels = withOther(lastTimeLabels);
        Map<String, Integer> populations = index(labels, "last-time");
        int k = populations.size();
        double[][] indicators = indicators(labels, populations);
        double[][] current = transpose(indicators);
        List<double[][]> perTime = new ArrayList<>();
        perTime.add(rowNormalized(indicators));
        for (int t = chain.size() - 1; t >= 0; t--) {
            double[][] next = new double[k][];
            for (int c = 0; c < k; c++) {
                next[c] = chain.get(t).apply(current[c]);
            }
            current = next;
            perTime.add(0, rowNormalized(transpose(next)));
        }
        return new TransportMap.Fates(populations.keySet().toArray(new String[0]), perTime);
    }

    /**
     * A cell-type transition table (moscot {@code cell_transition}, spec §5.2): block sums
     * B[s][t] = Σ_{i ∈ s, j ∈ t} P_ij; {@code forward} → rows normalised to 1, backward → columns normalised to 1
     * (NaN for an empty row or column). Rows = source groups, columns = target groups, in order of first appearance.
     */
    public static TransportMap.TransitionTable transitionTable(CouplingOperator coupling, String[] sourceGroups,
                                                               String[] targetGroups, boolean forward) {
        TransportMap.TransitionTable[] both = transitionTables(coupling, sourceGroups, targetGroups);
        return forward ? both[0] : both[1];
    }

    /**
     * The forward and backward tables of {@link #transitionTable} from one set of block sums (one product per target
     * group).
     */
    public static TransportMap.TransitionTable[] transitionTables(CouplingOperator coupling, String[] sourceGroups,
                                                                  String[] targetGroups) {
        requireLength("source groups", sourceGroups, coupling.sourceCount());
        requireLength("target groups", targetGroups, coupling.targetCount());
        Map<String, Integer> rows = index(sourceGroups, "source");
        Map<String, Integer> cols = index(targetGroups, "target");
        double[][] block = coupling.blockSums(codes(sourceGroups, rows), rows.size(), codes(targetGroups, cols),
                cols.size());
        double[][] forward = new double[block.length][];
        for (int r = 0; r < block.length; r++) {
            double s = Arrays.stream(block[r]).sum();
            forward[r] = new double[cols.size()];
            for (int c = 0; c < cols.size(); c++) {
                forward[r][c] = s > 0 ? block[r][c] / s : Double.NaN;
            }
        }
        double[][] backward = new double[block.length][cols.size()];
        for (int c = 0; c < cols.size(); c++) {
            double s = 0;
            for (double[] r : block) {
                s += r[c];
            }
            for (int r = 0; r < block.length; r++) {
                backward[r][c] = s > 0 ? block[r][c] / s : Double.NaN;
            }
        }
        String[] rowLabels = rows.keySet().toArray(new String[0]);
        String[] columnLabels = cols.keySet().toArray(new String[0]);
        return new TransportMap.TransitionTable[] {new TransportMap.TransitionTable(rowLabels, columnLabels, forward),
            new TransportMap.TransitionTable(rowLabels.clone(), columnLabels.clone(), backward)};
    }

    private static int[] codes(String[] labels, Map<String, Integer> index) {
        int[] out = new int[labels.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = index.get(labels[i]);
        }
        return out;
    }

    private static double[][] transpose(double[][] x) {
        int cols = x.length == 0 ? 0 : x[0].length;
        double[][] out = new double[cols][x.length];
        for (int i = 0; i < x.length; i++) {
            for (int c = 0; c < cols; c++) {
                out[c][i] = x[i][c];
            }
        }
        return out;
    }

    static String[] withOther(String[] labels) {
        String[] out = labels.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] == null) {
                out[i] = TransportMap.OTHER;
            }
        }
        return out;
    }

    static double[][] indicators(String[] labels, Map<String, Integer> groups) {
        double[][] ind = new double[labels.length][groups.size()];
        for (int i = 0; i < labels.length; i++) {
            ind[i][groups.get(labels[i])] = 1.0;
        }
        return ind;
    }

    static double[][] rowNormalized(double[][] x) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double s = Arrays.stream(x[i]).sum();
            out[i] = new double[x[i].length];
            for (int c = 0; c < out[i].length; c++) {
                out[i][c] = s > 0 ? x[i][c] / s : Double.NaN;
            }
        }
        return out;
    }

    /** Group label → column, in order of first appearance; a null label fails naming the side. */
    static Map<String, Integer> index(String[] groups, String side) {
        Map<String, Integer> idx = new LinkedHashMap<>();
        for (String g : groups) {
            if (g == null) {
                throw new InvalidInputException("A " + side + " cell has no group label.");
            }
            idx.putIfAbsent(g, idx.size());
        }
        return idx;
    }

    static double[] normalized(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        if (!(s > 0)) {
            throw new InvalidInputException("Cannot normalise a measure with total mass " + s
                    + " (the cell set received no mass along the chain).");
        }
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] / s;
        }
        return out;
    }

    static void requireLength(String what, Object array, int expected) {
        int len = array == null ? -1 : java.lang.reflect.Array.getLength(array);
        if (len != expected) {
            throw new InvalidInputException("The " + what + " has " + (len < 0 ? "no" : String.valueOf(len))
                    + " entries; expected " + expected + ".");
        }
    }

    private static void requireChain(List<? extends CouplingOperator> chain) {
        if (chain == null || chain.isEmpty()) {
            throw new InvalidInputException("A chain needs at least one coupling.");
        }
        for (int k = 1; k < chain.size(); k++) {
            if (chain.get(k - 1).targetCount() != chain.get(k).sourceCount()) {
                throw new InvalidInputException("Couplings " + (k - 1) + " and " + k + " do not chain: the first has "
                        + chain.get(k - 1).targetCount() + " targets, the second " + chain.get(k).sourceCount()
                        + " sources.");
            }
        }
    }
}
