package org.chreode.kernels.baselines;

import java.util.Arrays;
import java.util.TreeSet;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;

/**
 * The fates of a snapshot as the fate-prediction baselines see them: the sorted unique fate labels of the terminal
 * cells (output column order, as {@code np.unique} in statot), and for every cell the index of its fate (terminal
 * cells) or −1. Immutable; validated once at the boundary.
 *
 * @since 0.1
 */
public final class FateLabels {

    private final String[] labels;
    private final int[] cellFate;
    private final int initialCount;
    private final int terminalCount;

    private FateLabels(String[] labels, int[] cellFate, int initialCount, int terminalCount) {
        this.labels = labels;
        this.cellFate = cellFate;
        this.initialCount = initialCount;
        this.terminalCount = terminalCount;
    }

    /**
     * Collects and validates the fate labels.
     *
     * @param roles one role per cell (no nulls)
     * @param fates one label per cell, same length; read (trimmed) for terminal cells only, may be null or blank
     *              elsewhere
     * @throws InvalidInputException on length mismatch, a missing role, no terminal cell, or a terminal cell without
     *                               a fate label (naming its row)
     */
    public static FateLabels of(Role[] roles, String[] fates) {
        if (roles == null || roles.length == 0) {
            throw new InvalidInputException("No cells: roles is empty.");
        }
        if (fates == null || fates.length != roles.length) {
            throw new InvalidInputException("Fates have " + (fates == null ? "no" : String.valueOf(fates.length))
                    + " entries but there are " + roles.length + " cells (one label per cell, blank for"
                    + " non-terminal cells).");
        }
        TreeSet<String> sorted = new TreeSet<>();
        int initial = 0;
        int terminal = 0;
        for (int i = 0; i < roles.length; i++) {
            if (roles[i] == null) {
                throw new InvalidInputException("Cell at row " + i + " has no role.");
            }
            if (roles[i] == Role.INITIAL) {
                initial++;
            } else if (roles[i] == Role.TERMINAL) {
                terminal++;
                if (fates[i] == null || fates[i].isBlank()) {
                    throw new InvalidInputException("Terminal cell at row " + i + " has no fate label.");
                }
                sorted.add(fates[i].trim());
            }
        }
        if (terminal == 0) {
            throw new InvalidInputException("No terminal cells: at least one cell needs role 'terminal' and a fate"
                    + " label.");
        }
        String[] labels = sorted.toArray(new String[0]);
        int[] cellFate = new int[roles.length];
        for (int i = 0; i < roles.length; i++) {
            cellFate[i] = roles[i] == Role.TERMINAL ? Arrays.binarySearch(labels, fates[i].trim()) : -1;
        }
        return new FateLabels(labels, cellFate, initial, terminal);
    }

    /**
     * Throws unless at least one cell is initial.
     *
     * @param method the model name for the message, e.g. "StationaryOT"
     */
    public FateLabels requireInitialCells(String method) {
        if (initialCount == 0) {
            throw new InvalidInputException(method + " needs at least one initial cell: none of the "
                    + cellFate.length + " cells has role 'initial'.");
        }
        return this;
    }

    /** Sorted unique labels (a copy). */
    public String[] labels() {
        return labels.clone();
    }

    /** Number of fates K. */
    public int count() {
        return labels.length;
    }

    public String label(int k) {
        return labels[k];
    }

    /** Number of cells. */
    public int cellCount() {
        return cellFate.length;
    }

    /** Index into {@link #labels()} of the fate of a terminal cell, −1 for other cells. */
    public int fateOf(int cell) {
        return cellFate[cell];
    }

    public int initialCount() {
        return initialCount;
    }

    public int terminalCount() {
        return terminalCount;
    }

    /**
     * Checks a point matrix: one row per cell, all rows of the same positive length, finite coordinates.
     *
     * @throws InvalidInputException naming the first offending row
     */
    static void requirePoints(double[][] x, int cells) {
        if (x == null || x.length != cells) {
            throw new InvalidInputException("Features have " + (x == null ? "no" : String.valueOf(x.length))
                    + " rows but there are " + cells + " cells.");
        }
        int d = x[0] == null ? 0 : x[0].length;
        for (int i = 0; i < x.length; i++) {
            if (x[i] == null || x[i].length != d || d == 0) {
                throw new InvalidInputException("Features row " + i + " has " + (x[i] == null ? 0 : x[i].length)
                        + " coordinates; every row needs the same positive number (" + d + ").");
            }
            for (double v : x[i]) {
                if (!Double.isFinite(v)) {
                    throw new InvalidInputException("Features row " + i + " contains " + v + ".");
                }
            }
        }
    }
}
