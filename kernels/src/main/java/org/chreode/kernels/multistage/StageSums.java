package org.chreode.kernels.multistage;

/**
 * Row and column sums of every stage matrix of a plan, computed from its factors without forming any plan
 * (spec section 7, "memory-light evaluation").
 *
 * <p>{@code rows[t]}: row sums of M_t (n0 for t = 0, n otherwise). {@code intermediateColumns[t]}: column sums of
 * M_t over its intermediate columns (n1 for t = 0 including the a_F exit, n for t = 1..T-2, null for T-1).
 * {@code terminalColumns[t]}: column sums over the terminal columns (null for t = 0, nF otherwise).
 */
record StageSums(double[][] rows, double[][] intermediateColumns, double[][] terminalColumns) {
}
