package org.chreode.kernels.markov;

import java.io.Serializable;
import java.util.Arrays;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;

/**
 * A sparse row-stochastic Markov chain P over N states, stored in CSR form (row pointers, ascending column indices,
 * weights), with some states absorbing and grouped into K absorbing classes (e.g. fates). Built by a {@link Builder}
 * that sums (row, col, weight) triples from several subsets or rounds and normalises every row (STYLE.md section 5
 * item 13: accumulate locally, then reduce with {@link Builder#merge}). Immutable; arrays are copied in and out.
 *
 * <p><b>Stored chain.</b> For a transient state i, P[i, j] = W[i, j] / Σ_j W[i, j] with W the summed triples of row
 * i. An absorbing state s has the single entry P[s, s] = 1 (triples added to its row are discarded). Mass that the
 * producer of a row lost (e.g. sent to an auxiliary outlier state or to cells outside a subset) can be declared with
 * {@link Builder#addDropped}: it is not part of P (rows are renormalised over the kept mass) but is reported per state
 * as {@link #droppedMassFraction()} = dropped / (kept + dropped).
 *
 * <p><b>Absorption.</b> With transient states T and Q = P[T, T], R_k[i] = Σ_{s in class k} P[i, s], the absorption
 * probabilities solve (I − Q) Z_k = R_k, one {@link Gmres} solve per class through {@link AbsorbingChain} with Q
 * applied matrix-free from a CSR copy restricted to T (spec multistageot.md section 10.4). Absorbing states get
 * probability 1 for their own class. On request ({@link #absorption}) the mean absorption times too: the expected
 * number of steps before absorption m solves (I − Q) m = 𝟙 on T (one more solve with the same Q), 0 on absorbing
 * states.
 *
 * <p>Limits: at most {@link Integer#MAX_VALUE} stored entries (after duplicates are summed) and as many pending
 * triples per builder.
 *
 * @since 0.1
 */
public final class SparseAbsorbingChain implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Entry of the absorbing-class array for a transient state. */
    public static final int TRANSIENT = -1;

    private final int[] rowPtr;
    private final int[] cols;
    private final double[] weights;
    private final int[] absorbingClass;
    private final int classCount;
    private final double[] droppedFraction;

    private SparseAbsorbingChain(int[] rowPtr, int[] cols, double[] weights, int[] absorbingClass, int classCount,
                                 double[] droppedFraction) {
        this.rowPtr = rowPtr;
        this.cols = cols;
        this.weights = weights;
        this.absorbingClass = absorbingClass;
        this.classCount = classCount;
        this.droppedFraction = droppedFraction;
    }

    /**
     * A builder over {@code states} states.
     *
     * @param absorbingClass per state: {@link #TRANSIENT} or its class 0..K−1; every class 0..K−1 must have at least
     *                       one state and K ≥ 1 (copied)
     */
    public static Builder builder(int states, int[] absorbingClass) {
        return new Builder(states, absorbingClass);
    }

    public int stateCount() {
        return absorbingClass.length;
    }

    /** Number of absorbing classes K. */
    public int classCount() {
        return classCount;
    }

    /** Stored entries (absorbing self-loops included). */
    public int nonZeroCount() {
        return cols.length;
    }

    /** The class of state s, or {@link #TRANSIENT}. */
    public int absorbingClass(int s) {
        checkState(s);
        return absorbingClass[s];
    }

    public boolean isAbsorbing(int s) {
        return absorbingClass(s) != TRANSIENT;
    }

    /** Column indices of row s, ascending (a fresh array). */
    public int[] rowColumns(int s) {
        checkState(s);
        return Arrays.copyOfRange(cols, rowPtr[s], rowPtr[s + 1]);
    }

    /** Transition probabilities of row s, matching {@link #rowColumns(int)} (a fresh array). */
    public double[] rowProbabilities(int s) {
        checkState(s);
        return Arrays.copyOfRange(weights, rowPtr[s], rowPtr[s + 1]);
    }

    /** P[row, col] (0 when not stored). */
    public double probability(int row, int col) {
        checkState(row);
        checkState(col);
        int at = Arrays.binarySearch(cols, rowPtr[row], rowPtr[row + 1], col);
        return at >= 0 ? weights[at] : 0.0;
    }

    /** Per state, dropped / (kept + dropped) as declared to the builder (0 for absorbing states; a fresh array). */
    public double[] droppedMassFraction() {
        return droppedFraction.clone();
    }

    /** The largest {@link #droppedMassFraction()} entry. */
    public double maxDroppedMassFraction() {
        double max = 0;
        for (double d : droppedFraction) {
            max = Math.max(max, d);
        }
        return max;
    }

    /** y = P x (x and y of length N, distinct). */
    public void apply(double[] x, double[] y) {
        if (x.length != stateCount() || y.length != stateCount()) {
            throw new InvalidInputException("Sparse chain product needs vectors of length " + stateCount() + ", got "
                    + x.length + " and " + y.length + ".");
        }
        multiply(rowPtr, cols, weights, x, y);
    }

    /** P as a {@link LinearOperator}. */
    public LinearOperator asOperator() {
        return new LinearOperator() {
            @Override
            public int dimension() {
                return stateCount();
            }

            @Override
            public void apply(double[] x, double[] y) {
                SparseAbsorbingChain.this.apply(x, y);
            }
        };
    }

    /** Transient states in ascending order (the row order of Q). */
    public int[] transientStates() {
        int count = 0;
        for (int c : absorbingClass) {
            if (c == TRANSIENT) {
                count++;
            }
        }
        int[] out = new int[count];
        int p = 0;
        for (int s = 0; s < absorbingClass.length; s++) {
            if (absorbingClass[s] == TRANSIENT) {
                out[p++] = s;
            }
        }
        return out;
    }

    /** {@link #absorptionProbabilities(AbsorbingChain, IterationListener)} with default GMRES and no listener. */
    public Absorption absorptionProbabilities() {
        return absorptionProbabilities(new AbsorbingChain(), IterationListener.NONE);
    }

    /**
     * Absorption probability of every state into every class.
     *
     * @param solver   the absorbing-chain solver (its GMRES settings and failure policy)
     * @param listener GMRES progress, phase {@code "gmres class k"}
     * @throws NumericalInstabilityException if a class solve misses the tolerance (see {@link AbsorbingChain})
     */
    public Absorption absorptionProbabilities(AbsorbingChain solver, IterationListener listener) {
        return absorption(solver, listener, false);
    }

    /**
     * Absorption probability of every state into every class and, when {@code meanTimes}, the mean absorption time
     * of every state (expected steps to absorption; one more GMRES solve with the same Q, phase
     * {@code "gmres time 0"}).
     *
     * @throws NumericalInstabilityException if a solve misses the tolerance (see {@link AbsorbingChain})
     */
    public Absorption absorption(AbsorbingChain solver, IterationListener listener, boolean meanTimes) {
        int n = stateCount();
        int[] transients = transientStates();
        int nt = transients.length;
        double[][] byClass = new double[classCount][n];
        for (int s = 0; s < n; s++) {
            if (absorbingClass[s] != TRANSIENT) {
                byClass[absorbingClass[s]][s] = 1.0;
            }
        }
        if (nt == 0) {
            return new Absorption(byClass, new int[classCount], new double[classCount],
                    meanTimes ? new double[n] : null, 0, 0);
        }
        int[] index = new int[n];
        Arrays.fill(index, -1);
        for (int t = 0; t < nt; t++) {
            index[transients[t]] = t;
        }
        int qCount = 0;
        for (int t = 0; t < nt; t++) {
            int s = transients[t];
            for (int e = rowPtr[s]; e < rowPtr[s + 1]; e++) {
                if (index[cols[e]] >= 0) {
                    qCount++;
                }
            }
        }
        int[] qPtr = new int[nt + 1];
        int[] qCols = new int[qCount];
        double[] qWeights = new double[qCount];
        double[][] r = new double[classCount][nt];
        int p = 0;
        for (int t = 0; t < nt; t++) {
            int s = transients[t];
            for (int e = rowPtr[s]; e < rowPtr[s + 1]; e++) {
                int j = index[cols[e]];
                if (j >= 0) {
                    qCols[p] = j;
                    qWeights[p++] = weights[e];
                } else {
                    r[absorbingClass[cols[e]]][t] += weights[e];
                }
            }
            qPtr[t + 1] = p;
        }
        LinearOperator q = new LinearOperator() {
            @Override
            public int dimension() {
                return nt;
            }

            @Override
            public void apply(double[] x, double[] y) {
                multiply(qPtr, qCols, qWeights, x, y);
            }
        };
        AbsorbingChain.Result result = solver.absorptionProbabilities(q, r, listener);
        r = null;  // the right-hand sides are no longer needed; free them before the time solve
        for (int k = 0; k < classCount; k++) {
            double[] z = result.column(k);
            for (int t = 0; t < nt; t++) {
                byClass[k][transients[t]] = z[t];
            }
        }
        if (!meanTimes) {
            return new Absorption(byClass, result.iterations(), result.residuals(), null, 0, 0);
        }
        AbsorbingChain.Result time = solver.meanAbsorptionTimes(q, listener);
        double[] times = new double[n];
        double[] m = time.column(0);
        for (int t = 0; t < nt; t++) {
            times[transients[t]] = m[t];
        }
        return new Absorption(byClass, result.iterations(), result.residuals(), times, time.iterations()[0],
                time.residuals()[0]);
    }

    private static void multiply(int[] ptr, int[] idx, double[] w, double[] x, double[] y) {
        for (int i = 0; i < ptr.length - 1; i++) {
            double sum = 0;
            for (int e = ptr[i]; e < ptr[i + 1]; e++) {
                sum += w[e] * x[idx[e]];
            }
            y[i] = sum;
        }
    }

    private void checkState(int s) {
        if (s < 0 || s >= absorbingClass.length) {
            throw InvalidInputException.parameter("state", s, "must be in 0.." + (absorbingClass.length - 1));
        }
    }

    /**
     * Absorption probabilities per class over all N states, stored class-major (K arrays of length N), with the GMRES
     * iterations and true relative residuals of each class solve; optionally the mean absorption times.
     */
    public static final class Absorption implements Serializable {
        private static final long serialVersionUID = 1L;

        private final double[][] byClass;
        private final int[] iterations;
        private final double[] residuals;
        private final double[] meanTimes;
        private final int timeIterations;
        private final double timeResidual;

        Absorption(double[][] byClass, int[] iterations, double[] residuals, double[] meanTimes, int timeIterations,
                   double timeResidual) {
            this.byClass = byClass;
            this.iterations = iterations;
            this.residuals = residuals;
            this.meanTimes = meanTimes;
            this.timeIterations = timeIterations;
            this.timeResidual = timeResidual;
        }

        /** Whether {@link #meanAbsorptionTimes()} was solved. */
        public boolean hasMeanTimes() {
            return meanTimes != null;
        }

        /**
         * Expected number of steps before absorption from every state (0 for absorbing states; a fresh array).
         *
         * @throws IllegalStateException if the times were not requested
         */
        public double[] meanAbsorptionTimes() {
            if (meanTimes == null) {
                throw new IllegalStateException("Mean absorption times were not solved: call absorption(..., true).");
            }
            return meanTimes.clone();
        }

        /** GMRES iterations of the mean-time solve (0 when not solved). */
        public int timeIterations() {
            return timeIterations;
        }

        /** True relative residual of the mean-time solve (0 when not solved). */
        public double timeResidual() {
            return timeResidual;
        }

        public int classCount() {
            return byClass.length;
        }

        /** Probability that the chain started in {@code state} is absorbed in class {@code k}. */
        public double probability(int state, int k) {
            return byClass[k][state];
        }

        /** Absorption probabilities into class k for every state (a fresh array of length N). */
        public double[] column(int k) {
            return byClass[k].clone();
        }

        public int[] iterations() {
            return iterations.clone();
        }

        public double[] residuals() {
            return residuals.clone();
        }
    }

    /**
     * Accumulates weighted transitions, e.g. the rows of the transition plans of every subset in every round; not
     * thread-safe (one builder per task, then {@link #merge}).
     */
    public static final class Builder implements Serializable {
        private static final long serialVersionUID = 1L;

        private final int states;
        private final int[] absorbingClass;
        private final int classCount;
        private final double[] dropped;
        private int[] rows = new int[16];
        private int[] cols = new int[16];
        private double[] weights = new double[16];
        private int size;

        private Builder(int states, int[] absorbingClass) {
            InvalidInputException.requireAtLeast("states", states, 1);
            if (absorbingClass == null || absorbingClass.length != states) {
                throw new InvalidInputException("Absorbing-class array has length "
                        + (absorbingClass == null ? "null" : absorbingClass.length) + " but the chain has " + states
                        + " states: give one entry per state (" + TRANSIENT + " for transient).");
            }
            int max = TRANSIENT;
            for (int s = 0; s < states; s++) {
                if (absorbingClass[s] < TRANSIENT) {
                    throw new InvalidInputException("State " + s + " has absorbing class " + absorbingClass[s]
                            + ": use " + TRANSIENT + " for transient states or a class index >= 0.");
                }
                max = Math.max(max, absorbingClass[s]);
            }
            if (max == TRANSIENT) {
                throw new InvalidInputException("The chain has no absorbing state: mark at least one state with an"
                        + " absorbing class >= 0.");
            }
            boolean[] used = new boolean[max + 1];
            for (int c : absorbingClass) {
                if (c >= 0) {
                    used[c] = true;
                }
            }
            for (int k = 0; k <= max; k++) {
                if (!used[k]) {
                    throw new InvalidInputException("Absorbing class " + k + " has no state, but classes run 0.."
                            + max + ": number the classes without gaps.");
                }
            }
            this.states = states;
            this.absorbingClass = absorbingClass.clone();
            this.classCount = max + 1;
            this.dropped = new double[states];
        }

        /** Number of triples held (duplicates not yet summed). */
        public int pendingCount() {
            return size;
        }

        /**
         * Adds weight to the transition row → col; duplicates are summed at {@link #build()}. Zero weights are
         * ignored, and so is anything added to an absorbing state's row.
         *
         * @throws InvalidInputException on an index out of range or a negative or non-finite weight
         */
        public Builder add(int row, int col, double weight) {
            checkIndex("row", row);
            checkIndex("col", col);
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new InvalidInputException("Transition weight " + row + " -> " + col + " is " + weight
                        + ": weights must be finite and >= 0.");
            }
            if (weight == 0 || absorbingClass[row] != TRANSIENT) {
                return this;
            }
            if (size == rows.length) {
                if (size == Integer.MAX_VALUE - 8) {
                    throw new InvalidInputException("Sparse chain builder is full (" + size + " triples): merge"
                            + " partial chains with fewer, pre-summed triples.");
                }
                int grown = (int) Math.min(Integer.MAX_VALUE - 8, size + (size >> 1) + 16L);
                rows = Arrays.copyOf(rows, grown);
                cols = Arrays.copyOf(cols, grown);
                weights = Arrays.copyOf(weights, grown);
            }
            rows[size] = row;
            cols[size] = col;
            weights[size++] = weight;
            return this;
        }

        /** Declares mass that row {@code row} lost (not part of P; reported by {@link #droppedMassFraction()}). */
        public Builder addDropped(int row, double mass) {
            checkIndex("row", row);
            if (!(mass >= 0) || Double.isInfinite(mass)) {
                throw new InvalidInputException("Dropped mass of row " + row + " is " + mass
                        + ": it must be finite and >= 0.");
            }
            if (absorbingClass[row] == TRANSIENT) {
                dropped[row] += mass;
            }
            return this;
        }

        /** Adds all triples and dropped mass of {@code other} (same states and classes) to this builder. */
        public Builder merge(Builder other) {
            if (other.states != states || !Arrays.equals(other.absorbingClass, absorbingClass)) {
                throw new InvalidInputException("Cannot merge sparse chain builders over different states or"
                        + " absorbing classes (" + states + " vs " + other.states + " states).");
            }
            for (int e = 0; e < other.size; e++) {
                add(other.rows[e], other.cols[e], other.weights[e]);
            }
            for (int s = 0; s < states; s++) {
                dropped[s] += other.dropped[s];
            }
            return this;
        }

        /**
         * Sums duplicates, normalises every transient row and puts self-loops on absorbing states. The builder stays
         * usable.
         *
         * @throws InvalidInputException if a transient state has no outgoing weight (it could never be absorbed)
         */
        public SparseAbsorbingChain build() {
            // Counting sort by row, then sort each row by column (key = col << 32 | position) and sum duplicates.
            int[] start = new int[states + 1];
            for (int e = 0; e < size; e++) {
                start[rows[e] + 1]++;
            }
            for (int s = 0; s < states; s++) {
                start[s + 1] += start[s];
            }
            int[] fill = Arrays.copyOf(start, states);
            long[] keys = new long[size];
            for (int e = 0; e < size; e++) {
                int at = fill[rows[e]]++;
                keys[at] = ((long) cols[e] << 32) | e;
            }
            long capacity = (long) size + states;
            if (capacity > Integer.MAX_VALUE - 8) {
                throw new InvalidInputException("Sparse chain would need " + capacity + " entries, more than a CSR"
                        + " array holds: merge partial chains with fewer, pre-summed triples.");
            }
            int[] ptr = new int[states + 1];
            int[] outCols = new int[(int) capacity];
            double[] outWeights = new double[(int) capacity];
            double[] droppedFraction = new double[states];
            int p = 0;
            for (int s = 0; s < states; s++) {
                ptr[s] = p;
                if (absorbingClass[s] != TRANSIENT) {
                    outCols[p] = s;
                    outWeights[p++] = 1.0;
                    continue;
                }
                Arrays.sort(keys, start[s], start[s + 1]);
                int rowStart = p;
                double total = 0;
                for (int e = start[s]; e < start[s + 1]; e++) {
                    int col = (int) (keys[e] >>> 32);
                    double w = weights[(int) keys[e]];
                    total += w;
                    if (p > rowStart && outCols[p - 1] == col) {
                        outWeights[p - 1] += w;
                    } else {
                        outCols[p] = col;
                        outWeights[p++] = w;
                    }
                }
                if (!(total > 0)) {
                    throw new InvalidInputException("Transient state " + s + " has no outgoing transition weight"
                            + (dropped[s] > 0 ? " (all its mass " + dropped[s] + " was dropped)" : "")
                            + ": every transient state needs at least one transition, or mark it absorbing.");
                }
                for (int e = rowStart; e < p; e++) {
                    outWeights[e] /= total;
                }
                droppedFraction[s] = dropped[s] / (total + dropped[s]);
            }
            ptr[states] = p;
            return new SparseAbsorbingChain(ptr, Arrays.copyOf(outCols, p), Arrays.copyOf(outWeights, p),
                    absorbingClass.clone(), classCount, droppedFraction);
        }

        private void checkIndex(String name, int value) {
            if (value < 0 || value >= states) {
                throw InvalidInputException.parameter(name, value, "must be in 0.." + (states - 1));
            }
        }
    }
}
