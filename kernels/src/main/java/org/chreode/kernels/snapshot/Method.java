package org.chreode.kernels.snapshot;

import java.util.Locale;

import org.chreode.kernels.common.InvalidInputException;

/** The fate models a snapshot can be analysed with, side by side. */
public enum Method {
    /** MultistageOT (Tronstad, Karlsson, Dahlin, PNAS 2025): pseudotime, fates, potency, outliers. */
    MULTISTAGE,
    /** StationaryOT (Zhang et al., PLoS Comput. Biol. 2021) with the MultistageOT paper's growth heuristic. */
    STATIONARY,
    /** Inverse-distance-weighted fate model (MultistageOT paper, Methods 6.3.5). */
    IDW;

    public static Method parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw InvalidInputException.parameter("method", value, "must be one of multistage, stationary, idw");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
