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
 * it not exported: entries cut by top-k or the threshold, plus, with outlier states, every transition into the
 * auxiliary states. Summing the exported triples of a row therefore gives {@code rowTotal - droppedMass}.
 *
 * @param rows        source cell of each entry (problem row index)
 * @param cols        target cell of each entry (problem row index)
 * @param weights     unnormalised transition weight (plan mass) of each entry
 * @param rowTotal    full outgoing plan mass per cell (0 for terminal cells)
 * @param droppedMass the part of rowTotal not exported, per cell
 */
public record SparseTransitions(int[] rows, int[] cols, double[] weights, double[] rowTotal, double[] droppedMass)
        implements Serializable {

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
