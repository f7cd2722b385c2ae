package org.chreode.kernels.temporal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.chreode.kernels.common.InvalidInputException;

/**
 * A coupling between the cells of two time points, with row (source) and column (target) ids, and the WOT/moscot
 * operations on it (spec {@code unbalanced_temporal_ot.md} §4–§5): push (descendants) and pull (ancestors) of a
 * distribution over cells, chaining across consecutive maps, growth rates, and cell-type transition tables.
 *
 * <p>Conventions: T is n × m (rows = source cells at t₀, columns = target cells at t₁). push(p) = pᵀT (a measure
 * over sources becomes one over targets), pull(q) = T q (a measure over targets becomes one over sources). Both
 * scales are supported: moscot couplings (total mass ≈ 1) and WOT tmaps (row sums ≈ per-cell growth).
 *
 * <p>Immutable; arrays are copied in and out. Dense storage (n × m doubles).
 *
 * @since 0.1
 */
public final class TransportMap {

    /** How a measure is normalised along a chain of maps. */
    public enum StepNormalization {
        /** No normalisation (plain matrix products). */
        NONE,
        /** Divide by the total after every step, so the output sums to 1 (WOT {@code push_forward/pull_back}). */
        AFTER_EACH_STEP,
        /** Divide the input of every step by its total; the final output is not normalised (moscot push/pull). */
        BEFORE_EACH_STEP
    }

    private final String[] sourceIds;
    private final String[] targetIds;
    private final double[][] coupling;

    /**
     * @param sourceIds n distinct source cell ids
     * @param targetIds m distinct target cell ids
     * @param coupling  n × m non-negative finite entries (copied)
     * @throws InvalidInputException on mismatched sizes, duplicate ids, negative or non-finite entries
     */
    public TransportMap(String[] sourceIds, String[] targetIds, double[][] coupling) {
        if (sourceIds == null || targetIds == null || coupling == null) {
            throw new InvalidInputException("A transport map needs source ids, target ids and a coupling.");
        }
        if (coupling.length != sourceIds.length) {
            throw new InvalidInputException("The coupling has " + coupling.length + " rows but there are "
                    + sourceIds.length + " source ids.");
        }
        requireDistinct("source", sourceIds);
        requireDistinct("target", targetIds);
        this.sourceIds = sourceIds.clone();
        this.targetIds = targetIds.clone();
        this.coupling = new double[coupling.length][];
        for (int i = 0; i < coupling.length; i++) {
            if (coupling[i] == null || coupling[i].length != targetIds.length) {
                throw new InvalidInputException("Coupling row " + i + " has "
                        + (coupling[i] == null ? "no" : coupling[i].length) + " entries but there are "
                        + targetIds.length + " target ids.");
            }
            for (int j = 0; j < targetIds.length; j++) {
                double v = coupling[i][j];
                if (!(v >= 0) || Double.isInfinite(v)) {
                    throw new InvalidInputException("Coupling entry (" + sourceIds[i] + ", " + targetIds[j] + ") = "
                            + v + "; entries must be finite and >= 0.");
                }
            }
            this.coupling[i] = coupling[i].clone();
        }
    }

    private static void requireDistinct(String side, String[] ids) {
        Set<String> seen = new HashSet<>();
        for (String id : ids) {
            if (id == null || !seen.add(id)) {
                throw new InvalidInputException("The " + side + " ids hold " + (id == null ? "a null id"
                        : "the duplicate id '" + id + "'") + "; ids must be distinct.");
            }
        }
    }

    /**
     * Reads a dense CSV map: header {@code id,<target ids…>}, then one line per source cell {@code <id>,<values…>}
     * (the WOT test files and the moscot fixture's plain/ export).
     */
    public static TransportMap readCsv(Path file) {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null) {
                throw new InvalidInputException("Transport map file " + file + " is empty.");
            }
            String[] head = header.split(",", -1);
            String[] targets = Arrays.copyOfRange(head, 1, head.length);
            List<String> sources = new ArrayList<>();
            List<double[]> rows = new ArrayList<>();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                if (f.length != head.length) {
                    throw new InvalidInputException("Line " + (rows.size() + 2) + " of " + file + " has "
                            + f.length + " fields; the header has " + head.length + ".");
                }
                sources.add(f[0]);
                double[] row = new double[targets.length];
                for (int j = 0; j < row.length; j++) {
                    try {
                        row[j] = Double.parseDouble(f[j + 1].trim());
                    } catch (NumberFormatException e) {
                        throw new InvalidInputException("Line " + (rows.size() + 2) + " of " + file
                                + " holds the non-number '" + f[j + 1] + "'.");
                    }
                }
                rows.add(row);
            }
            return new TransportMap(sources.toArray(new String[0]), targets, rows.toArray(new double[0][]));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read transport map " + file, e);
        }
    }

    public int sourceCount() {
        return sourceIds.length;
    }

    public int targetCount() {
        return targetIds.length;
    }

    public String[] sourceIds() {
        return sourceIds.clone();
    }

    public String[] targetIds() {
        return targetIds.clone();
    }

    public double get(int i, int j) {
        return coupling[i][j];
    }

    /** A copy of the dense coupling. */
    public double[][] coupling() {
        double[][] out = new double[coupling.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = coupling[i].clone();
        }
        return out;
    }

    /** This map as a {@link CouplingOperator} (shares the stored matrix; the map is immutable). */
    public CouplingOperator operator() {
        return new DenseCoupling(coupling);
    }

    private static List<CouplingOperator> operators(List<TransportMap> chain) {
        return chain.stream().map(TransportMap::operator).toList();
    }

    /** This map with every entry multiplied by {@code factor} &gt; 0 (e.g. {@link UnbalancedSinkhorn#wotScaleFactor}). */
    public TransportMap scaled(double factor) {
        InvalidInputException.requirePositive("factor", factor);
        double[][] out = coupling();
        for (double[] row : out) {
            for (int j = 0; j < row.length; j++) {
                row[j] *= factor;
            }
        }
        return new TransportMap(sourceIds, targetIds, out);
    }

    /** Row sums T𝟙 (moscot posterior source marginal {@code solution.a}; WOT: per-cell growth over the interval). */
    public double[] rowSums() {
        double[] s = new double[coupling.length];
        for (int i = 0; i < s.length; i++) {
            for (double v : coupling[i]) {
                s[i] += v;
            }
        }
        return s;
    }

    /** Column sums Tᵀ𝟙 (moscot posterior target marginal {@code solution.b}). */
    public double[] columnSums() {
        double[] s = new double[targetIds.length];
        for (double[] row : coupling) {
            for (int j = 0; j < s.length; j++) {
                s[j] += row[j];
            }
        }
        return s;
    }

    /** ΣT. */
    public double totalMass() {
        double s = 0;
        for (double v : rowSums()) {
            s += v;
        }
        return s;
    }

    /**
     * Mass multipliers r_i = (T𝟙)_i / a_i relative to the source marginal a the map was solved with (spec §4.4);
     * NaN where a_i = 0.
     */
    public double[] growthRates(double[] sourceMarginal) {
        CouplingChains.requireLength("source marginal", sourceMarginal, sourceIds.length);
        double[] r = rowSums();
        for (int i = 0; i < r.length; i++) {
            if (!(sourceMarginal[i] >= 0)) {
                throw InvalidInputException.parameter("source marginal[" + i + "]", sourceMarginal[i], "must be >= 0");
            }
            r[i] = sourceMarginal[i] > 0 ? r[i] / sourceMarginal[i] : Double.NaN;
        }
        return r;
    }

    /**
     * Growth relative to the uniform source marginal a = 𝟙/n: r_i = n·(T𝟙)_i (moscot {@code posterior_growth_rates}
     * without a growth prior, spec §4.2). For a WOT-scale tmap (row sums ≈ G_i) use {@link #rowSums()} directly.
     */
    public double[] growthRates() {
        double[] r = rowSums();
        for (int i = 0; i < r.length; i++) {
            r[i] *= r.length;
        }
        return r;
    }

    /** Per-unit-time growth (n·(T𝟙)_i)^{1/Δt} (moscot/WOT growth rates for an interval Δt &gt; 0). */
    public double[] growthRates(double deltaT) {
        InvalidInputException.requirePositive("deltaT", deltaT);
        double[] r = growthRates();
        for (int i = 0; i < r.length; i++) {
            r[i] = Math.pow(r[i], 1 / deltaT);
        }
        return r;
    }

    /** One step forward without normalisation: pᵀT (p over the source cells, result over the target cells). */
    public double[] push(double[] p) {
        requireMeasure("push input", p, sourceIds.length);
        double[] out = new double[targetIds.length];
        for (int i = 0; i < coupling.length; i++) {
            double w = p[i];
            if (w != 0) {
                double[] row = coupling[i];
                for (int j = 0; j < out.length; j++) {
                    out[j] += w * row[j];
                }
            }
        }
        return out;
    }

    /** One step backward without normalisation: T q (q over the target cells, result over the source cells). */
    public double[] pull(double[] q) {
        requireMeasure("pull input", q, targetIds.length);
        double[] out = new double[sourceIds.length];
        for (int i = 0; i < out.length; i++) {
            double s = 0;
            double[] row = coupling[i];
            for (int j = 0; j < q.length; j++) {
                s += row[j] * q[j];
            }
            out[i] = s;
        }
        return out;
    }

    /**
     * Pushes p (over the first map's sources) through consecutive maps to the last map's targets.
     *
     * @throws InvalidInputException if the maps do not chain (targets of one ≠ sources of the next, by id)
     */
    public static double[] push(List<TransportMap> chain, double[] p, StepNormalization normalization) {
        requireChain(chain);
        double[] x = p.clone();
        for (TransportMap map : chain) {
            if (normalization == StepNormalization.BEFORE_EACH_STEP) {
                x = CouplingChains.normalized(x);
            }
            x = map.push(x);
            if (normalization == StepNormalization.AFTER_EACH_STEP) {
                x = CouplingChains.normalized(x);
            }
        }
        return x;
    }

    /** Pulls q (over the last map's targets) back through consecutive maps to the first map's sources. */
    public static double[] pull(List<TransportMap> chain, double[] q, StepNormalization normalization) {
        requireChain(chain);
        double[] x = q.clone();
        for (int k = chain.size() - 1; k >= 0; k--) {
            if (normalization == StepNormalization.BEFORE_EACH_STEP) {
                x = CouplingChains.normalized(x);
            }
            x = chain.get(k).pull(x);
            if (normalization == StepNormalization.AFTER_EACH_STEP) {
                x = CouplingChains.normalized(x);
            }
        }
        return x;
    }

    /** WOT {@code descendants}: push with normalisation after every step. */
    public static double[] descendants(List<TransportMap> chain, double[] p) {
        return push(chain, p, StepNormalization.AFTER_EACH_STEP);
    }

    /** WOT {@code ancestors}: pull with normalisation after every step. */
    public static double[] ancestors(List<TransportMap> chain, double[] q) {
        return pull(chain, q, StepNormalization.AFTER_EACH_STEP);
    }

    /**
     * WOT {@code push_forward} recorded at every step: element k is the population p pushed through maps 0…k and
     * normalised after every step (a distribution over the targets of map k). Equals normalised pᵀ·T⁽⁰⁾⋯T⁽ᵏ⁾.
     *
     * @param p a non-negative measure over the sources of map 0 (e.g. a cell-set indicator)
     * @throws InvalidInputException if p or an intermediate result has no mass
     */
    public static List<double[]> descendantsPerStep(List<TransportMap> chain, double[] p) {
        requireChain(chain);
        return CouplingChains.descendantsPerStep(operators(chain), p);
    }

    /**
     * WOT {@code pull_back} recorded at every step: element k is the population q (over the targets of the last
     * map) pulled back through the maps K−1…k and normalised after every step (a distribution over the sources of
     * map k). Equals normalised T⁽ᵏ⁾⋯T⁽ᴷ⁻¹⁾·q.
     */
    public static List<double[]> ancestorsPerStep(List<TransportMap> chain, double[] q) {
        requireChain(chain);
        return CouplingChains.ancestorsPerStep(operators(chain), q);
    }

    /**
     * The product T⁽¹⁾·T⁽²⁾·… of consecutive maps (WOT {@code chain_transport_maps}), with the first map's source
     * ids and the last map's target ids.
     */
    public static TransportMap chain(List<TransportMap> chain) {
        requireChain(chain);
        double[][] acc = chain.get(0).coupling();
        for (int k = 1; k < chain.size(); k++) {
            double[][] next = chain.get(k).coupling;
            int m = next[0].length;
            double[][] out = new double[acc.length][m];
            for (int i = 0; i < acc.length; i++) {
                for (int l = 0; l < next.length; l++) {
                    double w = acc[i][l];
                    if (w != 0) {
                        for (int j = 0; j < m; j++) {
                            out[i][j] += w * next[l][j];
                        }
                    }
                }
            }
            acc = out;
        }
        return new TransportMap(chain.get(0).sourceIds, chain.get(chain.size() - 1).targetIds, acc);
    }

    /**
     * A cell-type transition table (moscot {@code cell_transition}, aggregation by annotation, spec §5.2): block
     * sums B[s][t] = Σ_{i ∈ s, j ∈ t} T_ij; {@code forward} → each row normalised to 1, backward → each column
     * normalised to 1. Rows = source groups, columns = target groups, both in order of first appearance.
     *
     * @param sourceGroups group label per source cell
     * @param targetGroups group label per target cell
     */
    public TransitionTable transitionTable(String[] sourceGroups, String[] targetGroups, boolean forward) {
        return CouplingChains.transitionTable(operator(), sourceGroups, targetGroups, forward);
    }

    /** Label of the population WOT adds for cells covered by no population. */
    public static final String OTHER = "Other";

    /**
     * WOT {@code fates} (spec §5.1): populations at the last time point of the chain (one label per target cell of
     * the last map; null = in no population) are binarised, an {@value #OTHER} population is added when some cell is
     * uncovered, the indicators are pulled back without normalisation through every map, and each cell's row is
     * normalised. Result: for every time point of the chain (k = 0…K, the last being the population time itself)
     * a cells × populations matrix of fate probabilities (a row is NaN if the cell sends no mass forward).
     *
     * @param chain            consecutive maps
     * @param lastTimeLabels   population label of each cell at the last time point (null = none)
     */
    public static Fates fates(List<TransportMap> chain, String[] lastTimeLabels) {
        requireChain(chain);
        return CouplingChains.fates(operators(chain), lastTimeLabels);
    }

    /**
     * WOT {@code transition_table} (spec §5.1): start populations (labels of the first map's source cells) and end
     * populations (labels of the last map's target cells) are binarised (+ {@value #OTHER} for uncovered cells), the
     * end indicators are pulled back without normalisation, table = startᵀ·pulled, divided by its total: a joint
     * distribution over start × end populations.
     */
    public static TransitionTable wotTransitionTable(List<TransportMap> chain, String[] startLabels,
                                                     String[] endLabels) {
        requireChain(chain);
        CouplingChains.requireLength("start labels", startLabels, chain.get(0).sourceCount());
        CouplingChains.requireLength("end labels", endLabels, chain.get(chain.size() - 1).targetCount());
        String[] start = CouplingChains.withOther(startLabels);
        String[] end = CouplingChains.withOther(endLabels);
        Map<String, Integer> rows = CouplingChains.index(start, "start");
        Map<String, Integer> cols = CouplingChains.index(end, "end");
        double[][] pulled = CouplingChains.indicators(end, cols);
        for (int t = chain.size() - 1; t >= 0; t--) {
            TransportMap map = chain.get(t);
            double[][] next = new double[map.sourceCount()][cols.size()];
            for (int i = 0; i < next.length; i++) {
                for (int j = 0; j < map.targetCount(); j++) {
                    double w = map.coupling[i][j];
                    if (w != 0) {
                        for (int c = 0; c < cols.size(); c++) {
                            next[i][c] += w * pulled[j][c];
                        }
                    }
                }
            }
            pulled = next;
        }
        double[][] table = new double[rows.size()][cols.size()];
        double total = 0;
        for (int i = 0; i < start.length; i++) {
            double[] r = table[rows.get(start[i])];
            for (int c = 0; c < r.length; c++) {
                r[c] += pulled[i][c];
                total += pulled[i][c];
            }
        }
        for (double[] r : table) {
            for (int c = 0; c < r.length; c++) {
                r[c] /= total;
            }
        }
        return new TransitionTable(rows.keySet().toArray(new String[0]), cols.keySet().toArray(new String[0]),
                table);
    }

    /**
     * Fate probabilities per time point.
     *
     * @param populations population labels (columns) in order of first appearance ({@value #OTHER} for uncovered cells)
     * @param perTime     one cells × populations matrix per time point, first time point first
     */
    public record Fates(String[] populations, List<double[][]> perTime) {
    }

    private static void requireChain(List<TransportMap> chain) {
        if (chain == null || chain.isEmpty()) {
            throw new InvalidInputException("A chain needs at least one transport map.");
        }
        for (int k = 1; k < chain.size(); k++) {
            if (!Arrays.equals(chain.get(k - 1).targetIds, chain.get(k).sourceIds)) {
                throw new InvalidInputException("Transport maps " + (k - 1) + " and " + k + " do not chain: the"
                        + " target ids of the first must equal the source ids of the second, in order.");
            }
        }
    }

    private static void requireMeasure(String what, double[] x, int expected) {
        CouplingChains.requireLength(what, x, expected);
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                throw InvalidInputException.parameter(what + "[" + i + "]", x[i], "must be finite");
            }
        }
    }

    /**
     * A group-by-group transition table.
     *
     * @param rowLabels    source groups
     * @param columnLabels target groups
     * @param values       rowLabels.length × columnLabels.length
     */
    public record TransitionTable(String[] rowLabels, String[] columnLabels, double[][] values)
            implements java.io.Serializable {
        /** The entry for a (source group, target group) pair, by label. */
        public double value(String rowLabel, String columnLabel) {
            int r = Arrays.asList(rowLabels).indexOf(rowLabel);
            int c = Arrays.asList(columnLabels).indexOf(columnLabel);
            if (r < 0 || c < 0) {
                throw new InvalidInputException("No transition-table entry for (" + rowLabel + ", " + columnLabel
                        + ").");
            }
            return values[r][c];
        }
    }
}
