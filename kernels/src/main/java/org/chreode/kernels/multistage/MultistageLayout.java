package org.chreode.kernels.multistage;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;

/**
 * The three ordered cell sets of MultistageOT (spec multistageot.md section 2): initial, intermediate and terminal
 * cells, each in input row order, plus the fate of every terminal cell. Internal order everywhere is initial,
 * intermediate, terminal. Fate labels are sorted (the column order of every fate output).
 *
 * <p>Validated on construction: at least one initial and one terminal cell, at least two intermediate cells, at
 * least as many cells as stages, and a non-blank fate on every terminal cell.
 */
public final class MultistageLayout implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] initial;
    private final int[] intermediate;
    private final int[] terminal;
    private final String[] fateLabels;
    private final int[] terminalFate;

    private MultistageLayout(int[] initial, int[] intermediate, int[] terminal, String[] fateLabels,
                             int[] terminalFate) {
        this.initial = initial;
        this.intermediate = intermediate;
        this.terminal = terminal;
        this.fateLabels = fateLabels;
        this.terminalFate = terminalFate;
    }

    /**
     * Splits cells by role.
     *
     * @param cellIds for error messages
     * @param roles   role per cell
     * @param fates   fate label per cell (read for terminal cells only)
     * @param stages  the number of intermediate stages requested
     */
    public static MultistageLayout of(String[] cellIds, Role[] roles, String[] fates, int stages) {
        List<Integer> init = new ArrayList<>();
        List<Integer> mid = new ArrayList<>();
        List<Integer> term = new ArrayList<>();
        TreeMap<String, Integer> labels = new TreeMap<>();
        for (int i = 0; i < roles.length; i++) {
            switch (roles[i]) {
                case INITIAL -> init.add(i);
                case TERMINAL -> {
                    String fate = fates[i] == null ? "" : fates[i].trim();
                    if (fate.isEmpty()) {
                        throw new InvalidInputException("Terminal cell '" + cellIds[i]
                                + "' has no fate label: every terminal cell needs a value in the fate column.");
                    }
                    labels.put(fate, 0);
                    term.add(i);
                }
                default -> mid.add(i);
            }
        }
        if (init.isEmpty()) {
            throw new InvalidInputException("No initial cells: mark at least one cell with role 'initial'.");
        }
        if (term.isEmpty()) {
            throw new InvalidInputException("No terminal cells: mark at least one cell with role 'terminal' and give"
                    + " it a fate label.");
        }
        if (mid.size() < 2) {
            throw new InvalidInputException("Only " + mid.size() + " intermediate cell(s): MultistageOT needs at"
                    + " least 2 cells that are neither initial nor terminal.");
        }
        if (roles.length < stages) {
            throw new InvalidInputException("Fewer cells (" + roles.length + ") than stages (" + stages
                    + "): lower --stages or add cells.");
        }
        String[] sorted = labels.keySet().toArray(new String[0]);
        for (int k = 0; k < sorted.length; k++) {
            labels.put(sorted[k], k);
        }
        int[] termFate = new int[term.size()];
        for (int j = 0; j < termFate.length; j++) {
            termFate[j] = labels.get(fates[term.get(j)].trim());
        }
        return new MultistageLayout(toArray(init), toArray(mid), toArray(term), sorted, termFate);
    }

    private static int[] toArray(List<Integer> list) {
        return list.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Input rows of the initial cells, in input order. The returned array is shared: do not modify. */
    public int[] initialRef() {
        return initial;
    }

    public int[] intermediateRef() {
        return intermediate;
    }

    public int[] terminalRef() {
        return terminal;
    }

    /** Sorted fate labels. */
    public String[] fateLabels() {
        return fateLabels.clone();
    }

    /** Fate index (into {@link #fateLabels()}) of the j-th terminal cell. */
    public int terminalFate(int j) {
        return terminalFate[j];
    }

    public int initialCount() {
        return initial.length;
    }

    public int intermediateCount() {
        return intermediate.length;
    }

    public int terminalCount() {
        return terminal.length;
    }

    public int fateCount() {
        return fateLabels.length;
    }

    public int cellCount() {
        return initial.length + intermediate.length + terminal.length;
    }
}
