package org.chreode.kernels.snapshot;

import java.util.Locale;

import org.chreode.kernels.common.InvalidInputException;

/** Prior knowledge of a cell in a snapshot (CONTRACT.md: {@code initial / intermediate / terminal}). */
public enum Role {
    INITIAL, INTERMEDIATE, TERMINAL;

    /** The spelling used in input and output tables. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a role value; {@code null} or blank means intermediate.
     *
     * @param value  the table value
     * @param cellId the cell, for the error message
     * @throws InvalidInputException naming the cell and the allowed values
     */
    public static Role parse(String value, String cellId) {
        if (value == null || value.isBlank()) {
            return INTERMEDIATE;
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "initial": return INITIAL;
            case "intermediate": return INTERMEDIATE;
            case "terminal": return TERMINAL;
            default:
                throw new InvalidInputException("Cell '" + cellId + "' has unknown role '" + value
                        + "': allowed values are initial, intermediate, terminal (empty = intermediate).");
        }
    }
}
