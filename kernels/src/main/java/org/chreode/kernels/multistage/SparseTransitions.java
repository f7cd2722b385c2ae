package org.chreode.kernels.multistage;

import java.io.Serializable;

/**
 * A sparse export of the MultistageOT Markov chain of one solved problem (spec multistageot.md section 10.2): the
 * unnormalised outgoing weights of every initial row (M_0) and every intermediate row (the aggregated plan
 * Magg = sum_{t=1}^{T-2} M_t, plus M_{T-1} on the terminal columns), keeping per row the largest
 * {@code transitionsPerCell} entries whose weight is at least {@code relativeThreshold} times the row total. Indices
 * are rows of the problem (input order of its cells). Terminal cells have no rows (they absorb).
 *
 * <p>{@code rowTotal[c]} is the full row sum of cell c (0 for terminal cells) and {@code droppedMass[c]} the part of
 * it not exported: entries cut by top-k or the threshold. Summing the exported triples of a row therefore gives
 * {@code rowTotal - droppedMass}.
 *
 * <p><b>Outlier states.</b> With auxiliary states ({@code auxiliary} true) the export keeps them as two extra indices
 * after the C cells, so that the chain of the triples is the dense chain of the solve: {@link #auxiliaryState()} = C is
 * the auxiliary intermediate cell a (a transient state with its own row: a can move back to real cells or exit to
 * a_F), {@link #unknownState()} = C + 1 is the auxiliary terminal a_F (absorbing, the "Fate unknown" class; no row).
 * {@code rowTotal} and {@code droppedMass} then have C + 1 entries (a's row last).
 *
 * @param rows        source state of each entry (problem row index, or {@link #auxiliaryState()})
 * @param cols        target state of each entry (problem row index, {@link #auxiliaryState()} or
 *                    {@link #unknownState()})
 * @param weights     unnormalised transition weight (plan mass) of each entry
 * @param rowTotal    full outgoing plan mass per state with a row (0 for terminal cells)
 * @param droppedMass the part of rowTotal not exported, per state with a row
 * @param auxiliary   whether the problem had outlier states (then the two extra indices above are in use)
 */
public record SparseTransitions(int[] rows, int[] cols, double[] weights, double[] rowTotal, double[] droppedMass,
                                boolean auxiliary) implements Serializable {

    /** Number of cells C of the problem (the states before the auxiliary ones). */
    public int cellCount() {
        return auxiliary ? rowTotal.length - 1 : rowTotal.length;
    }

    /** Index of the auxiliary intermediate state a (= C); only meaningful when {@link #auxiliary()}. */
    public int auxiliaryState() {
        return cellCount();
    }

    /** Index of the absorbing auxiliary terminal a_F, the "Fate unknown" class (= C + 1); only with outlier states. */
    public int unknownState() {
        return cellCount() + 1;
    }

    /** Number of exported entries. */
    public int size() {
        return rows.length;
    }

    /** Sum of dropped mass over all cells divided by the sum of row totals (0 when nothing is carried). */
    public double droppedFraction() {
        double d = 0;
        double t = 0;
        for (int c = 0; c < rowTotal.length; c++) {
            d += droppedMass[c];
            t += rowTotal[c];
        }
        return t > 0 ? d / t : 0;
    }

    /** Largest per-row dropped / total. */
    public double maxRowDroppedFraction() {
        double max = 0;
        for (int c = 0; c < rowTotal.length; c++) {
            if (rowTotal[c] > 0) {
                max = Math.max(max, droppedMass[c] / rowTotal[c]);
            }
        }
        return max;
    }
}
