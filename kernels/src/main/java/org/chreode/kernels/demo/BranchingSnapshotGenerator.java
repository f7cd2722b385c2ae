package org.chreode.kernels.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.IntToDoubleFunction;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;
import org.chreode.kernels.snapshot.SnapshotInput;

/**
 * Generates a differentiation snapshot with known fates: the {@code demo} command's input and ground truth.
 * Immutable settings; build with {@link #builder()} and call {@link #generate()}.
 *
 * <h2>Model</h2>
 * Cells move in a latent plane by overdamped Langevin dynamics
 * <pre>
 *   dX = −∇U(X) dt + sqrt(2D) dW
 * </pre>
 * on a branching landscape U (see {@code BranchingLandscape}): the progenitor state P = (0, 0) sits on a plateau at
 * the top of a hill, from which {@code fates} straight valleys (rays at angles 2πk/K) run downhill to end basins
 * at radius ≈ 1.55. With r = |z|, n_k the unit normal of ray k, g(r) = r²/(2b) for r &lt;= b, r − b/2 beyond, and
 * valley walls stiffening down the slope, c(r) = σ/sin²(π/K)·(1 + r²/w²),
 * <pre>
 *   U(z) = min_k c(r)/2·(z·n_k)² − v·g(r) + κ/2·max(0, r − L)²
 * </pre>
 * with b = 0.3, v = 1, L = 1.5, κ = 20, σ = 0.25, w = 0.5. Cells linger and stay multipotent on the plateau, then
 * run down a valley at speed v; the barrier to the neighbouring valley, σ/2·r²·(1 + r²/w²), makes the choice final
 * at r ≈ 0.9 with the default D. The landscape is symmetric under rotation by 2π/K, so every fate is equally
 * likely from P. The SDE is discretised by Euler–Maruyama with step Δt = {@code timeStep}:
 * X ← X − ∇U(X)·Δt + sqrt(2D·Δt)·ξ, ξ ~ N(0, I).
 *
 * <h2>Snapshot</h2>
 * Every cell is an independent trajectory started at P and observed at a time t ~ Uniform(0, {@value #SAMPLING_TIME})
 * (an unsynchronised population; the last partial step is taken with Δt = t − ⌊t/Δt⌋·Δt). Its latent state
 * z = (x, y) is embedded as {@code features = Q·z + e}, where Q is a fixed random d×2 orthonormal map drawn from the
 * seed and e is isotropic Gaussian noise of standard deviation {@code noise} projected onto the orthogonal
 * complement of Q's range (so d = 50 looks like a PCA space). For d = 2, Q is the identity and there is no noise.
 *
 * <h2>Roles</h2>
 * {@code initialCells} cells nearest P in the latent plane are {@code initial}; for each fate k in turn, the
 * {@code terminalCellsPerFate} not yet chosen cells nearest its basin centre are {@code terminal} with fate label
 * {@code F(k+1)} (F1 is the valley along the positive x axis, then counter-clockwise). All other cells are
 * {@code intermediate}.
 *
 * <h2>Ground truth</h2>
 * From each cell's latent state, {@code futures} independent futures are simulated with the same SDE until they
 * enter an end basin (r &gt;= L; the fate is the valley there), for at most {@value #MAX_FUTURE_TIME} time units;
 * a future that has not committed by then counts for the valley nearest its last state. The true fate probability
 * is the fraction of futures per fate (Monte Carlo error about sqrt(p(1−p)/futures)). The true progress is r = |z|,
 * the distance from P down the landscape (0 at P, about 1.55 in the basins).
 *
 * <h2>Determinism and cost</h2>
 * Cell i draws from its own {@code SplittableRandom} seeded by a mix of (seed, i), split into independent streams
 * for the trajectory, the futures and the embedding noise: results do not depend on {@code threads}, and the
 * snapshot itself does not depend on {@code futures} (lower it for very large N). Cost is at most
 * N·(1 + futures)·{@value #SAMPLING_TIME}/Δt Langevin steps (each O(K)), in parallel over cells; about 1.4 µs per
 * future on one core, so 10^5 cells with 50 futures take a few seconds on two cores and 10^6 cells with 10 futures
 * about 15 s. Memory is N·(dim + K + 3) doubles. With {@code futures} = 0 no futures are simulated and there is no
 * ground truth ({@link DemoSnapshot#trueFateProbabilities()} is null): the fast path for benchmark inputs of millions
 * of cells, whose snapshot is the same as with any other number of futures.
 *
 * @param cells                number of cells N (&gt;= 20 and enough for the roles)
 * @param fates                number of fates K, 2..{@value #MAX_FATES}
 * @param dim                  feature dimension d &gt;= 2
 * @param seed                 random seed
 * @param futures              simulated futures per cell for the true fate probabilities (&gt;= 0; 0: no ground
 *                             truth)
 * @param initialCells         cells with role {@code initial} (&gt;= 1)
 * @param terminalCellsPerFate cells with role {@code terminal} per fate (&gt;= 1)
 * @param diffusion            D, the noise level of the dynamics (larger: later, fuzzier fate decisions)
 * @param noise                standard deviation of the embedding noise in the d − 2 extra dimensions (&gt;= 0)
 * @param timeStep             Euler–Maruyama step Δt, at most half the stability bound of the stiffest direction
 *                             ({@code 1/max(κ, c(L))} for {@value #MAX_FATES} fates, about 0.027)
 * @param threads              worker threads (&gt;= 1)
 * @since 0.1
 */
public record BranchingSnapshotGenerator(int cells, int fates, int dim, long seed, int futures, int initialCells,
                                         int terminalCellsPerFate, double diffusion, double noise, double timeStep,
                                         int threads) {

    public static final int DEFAULT_CELLS = 2000;
    public static final int DEFAULT_FATES = 3;
    public static final int DEFAULT_DIM = 2;
    public static final long DEFAULT_SEED = 42L;
    /** 50 futures give true fate probabilities to about ±0.07; lower it for millions of cells (cost is linear). */
    public static final int DEFAULT_FUTURES = 50;
    /** A handful of progenitors, like the initial cluster of a real analysis. */
    public static final int DEFAULT_INITIAL_CELLS = 5;
    /** A handful of cells deepest in each end basin. */
    public static final int DEFAULT_TERMINAL_CELLS_PER_FATE = 5;
    /** Fates are decided at r ≈ 0.9, over half-way down the valleys: a broad multipotent zone. */
    public static final double DEFAULT_DIFFUSION = 0.04;
    /** Small next to the latent spread (about 1), yet visible in the pairwise distances at d = 50. */
    public static final double DEFAULT_NOISE = 0.03;
    /** Below the stability bound for every K: accurate drift, about 90 steps from P to a basin. */
    public static final double DEFAULT_TIME_STEP = 0.02;
    /** More valleys than this make the valley walls too stiff for a reasonable step. */
    public static final int MAX_FATES = BranchingLandscape.MAX_FATES;
    /** Observation times are uniform in [0, SAMPLING_TIME]; the basins are reached at about t = 1.7. */
    public static final double SAMPLING_TIME = 2.0;
    /** Cap on the length of one simulated future. */
    public static final double MAX_FUTURE_TIME = 6.0;

    private static final int CHUNK = 512;

    public BranchingSnapshotGenerator {
        BranchingLandscape.requireFates(fates);
        InvalidInputException.requireAtLeast("dim", dim, 2);
        InvalidInputException.requireAtLeast("futures", futures, 0);
        InvalidInputException.requireAtLeast("initial-cells", initialCells, 1);
        InvalidInputException.requireAtLeast("terminal-cells-per-fate", terminalCellsPerFate, 1);
        InvalidInputException.requireAtLeast("cells", cells, Math.max(20, initialCells + fates * terminalCellsPerFate));
        BranchingLandscape.requireDynamics(diffusion, noise, timeStep);
        InvalidInputException.requireAtLeast("threads", threads, 1);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().cells(cells).fates(fates).dim(dim).seed(seed).futures(futures).initialCells(initialCells)
                .terminalCellsPerFate(terminalCellsPerFate).diffusion(diffusion).noise(noise).timeStep(timeStep)
                .threads(threads);
    }

    /** Simulates the snapshot and its ground truth (see the class description). */
    public DemoSnapshot generate() {
        BranchingLandscape landscape = new BranchingLandscape(fates, diffusion);
        double[][] embedding = embedding(dim, seed);
        double[] lx = new double[cells];
        double[] ly = new double[cells];
        double[][] features = new double[cells][];
        double[][] truth = futures > 0 ? new double[cells][] : null;
        int[] column = fateColumns();
        parallelFor(i -> {
            SplittableRandom trajectory = new SplittableRandom(mix(seed, i));
            SplittableRandom future = trajectory.split();
            SplittableRandom embedNoise = trajectory.split();
            double[] z = observe(landscape, trajectory);
            lx[i] = z[0];
            ly[i] = z[1];
            features[i] = embed(z, embedding, noise, embedNoise);
            if (truth != null) {
                truth[i] = fateFractions(landscape, z, future, column);
            }
        });
        Role[] roles = new Role[cells];
        Arrays.fill(roles, Role.INTERMEDIATE);
        String[] fateOfCell = new String[cells];
        double[] start = {0, 0};
        for (int i : nearest(lx, ly, start, initialCells, roles)) {
            roles[i] = Role.INITIAL;
        }
        for (int k = 0; k < fates; k++) {
            for (int i : nearest(lx, ly, landscape.basinCentre(k), terminalCellsPerFate, roles)) {
                roles[i] = Role.TERMINAL;
                fateOfCell[i] = label(k);
            }
        }
        String[] ids = new String[cells];
        double[] progress = new double[cells];
        for (int i = 0; i < cells; i++) {
            ids[i] = "c" + i;
            progress[i] = BranchingLandscape.progress(lx[i], ly[i]);
        }
        String[] featureNames = new String[dim];
        for (int j = 0; j < dim; j++) {
            featureNames[j] = "x" + (j + 1);
        }
        return new DemoSnapshot(new SnapshotInput(ids, features, roles, fateOfCell, featureNames), sortedLabels(),
                truth, progress);
    }

    /** Fate labels F1..FK in sorted String order (the fate column order). */
    private String[] sortedLabels() {
        String[] labels = new String[fates];
        for (int k = 0; k < fates; k++) {
            labels[k] = label(k);
        }
        Arrays.sort(labels);
        return labels;
    }

    /** column[k] = position of valley k's label in {@link #sortedLabels()}. */
    private int[] fateColumns() {
        List<String> sorted = Arrays.asList(sortedLabels());
        int[] column = new int[fates];
        for (int k = 0; k < fates; k++) {
            column[k] = sorted.indexOf(label(k));
        }
        return column;
    }

    private static String label(int k) {
        return "F" + (k + 1);
    }

    /** The latent state of one cell at its observation time t ~ U(0, SAMPLING_TIME). */
    private double[] observe(BranchingLandscape landscape, SplittableRandom rng) {
        return evolve(landscape, new double[] {0, 0}, rng.nextDouble() * SAMPLING_TIME, timeStep, rng);
    }

    /**
     * Runs the Langevin dynamics from z for time t in place (steps of Δt, the last one partial) and returns z.
     * Shared with {@link TimeCourseGenerator}.
     */
    static double[] evolve(BranchingLandscape landscape, double[] z, double t, double timeStep,
                           SplittableRandom rng) {
        long steps = (long) Math.floor(t / timeStep);
        for (long s = 0; s < steps; s++) {
            landscape.step(z, timeStep, rng);
        }
        double rest = t - steps * timeStep;
        if (rest > 0) {
            landscape.step(z, rest, rng);
        }
        return z;
    }

    /** Fraction of simulated futures from latent state z that commit to each fate, in fate column order. */
    private double[] fateFractions(BranchingLandscape landscape, double[] z, SplittableRandom rng, int[] column) {
        double[] counts = new double[fates];
        long maxSteps = (long) Math.ceil(MAX_FUTURE_TIME / timeStep);
        double[] w = new double[2];
        for (int r = 0; r < futures; r++) {
            w[0] = z[0];
            w[1] = z[1];
            for (long s = 0; s < maxSteps && !BranchingLandscape.inEndBasin(w[0], w[1]); s++) {
                landscape.step(w, timeStep, rng);
            }
            int k = landscape.valley(w[0], w[1]);
            counts[column[k]] += 1;
        }
        for (int k = 0; k < fates; k++) {
            counts[k] /= futures;
        }
        return counts;
    }

    /**
     * The fixed d×2 orthonormal map Q as two columns {@code q[0], q[1]} of length d: Gram–Schmidt on Gaussian
     * vectors from the seed; the identity for d = 2. Shared with {@link TimeCourseGenerator}.
     */
    static double[][] embedding(int dim, long seed) {
        double[][] q = new double[2][dim];
        if (dim == 2) {
            q[0][0] = 1;
            q[1][1] = 1;
            return q;
        }
        SplittableRandom rng = new SplittableRandom(mix(seed, -1));
        for (int c = 0; c < 2; c++) {
            for (int j = 0; j < dim; j++) {
                q[c][j] = rng.nextGaussian();
            }
            if (c == 1) {
                double dot = dot(q[0], q[1]);
                for (int j = 0; j < dim; j++) {
                    q[1][j] -= dot * q[0][j];
                }
            }
            double norm = Math.sqrt(dot(q[c], q[c]));
            for (int j = 0; j < dim; j++) {
                q[c][j] /= norm;
            }
        }
        return q;
    }

    /** Q·z + (I − QQᵀ)·g with g ~ N(0, noise²·I); exactly Q·z for d = 2. */
    static double[] embed(double[] z, double[][] q, double noise, SplittableRandom rng) {
        int dim = q[0].length;
        double[] f = new double[dim];
        if (dim > 2 && noise > 0) {
            for (int j = 0; j < dim; j++) {
                f[j] = noise * rng.nextGaussian();
            }
            double a = dot(q[0], f);
            double b = dot(q[1], f);
            for (int j = 0; j < dim; j++) {
                f[j] -= a * q[0][j] + b * q[1][j];
            }
        }
        for (int j = 0; j < dim; j++) {
            f[j] += z[0] * q[0][j] + z[1] * q[1][j];
        }
        return f;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    /** The {@code count} intermediate cells nearest {@code centre} in the latent plane, nearest first. */
    private static int[] nearest(double[] lx, double[] ly, double[] centre, int count, Role[] roles) {
        IntToDoubleFunction distance = i -> {
            double dx = lx[i] - centre[0];
            double dy = ly[i] - centre[1];
            return dx * dx + dy * dy;
        };
        // max-heap of the best `count` so far; ties broken by index for determinism
        PriorityQueue<Integer> heap = new PriorityQueue<>(count + 1, (i, j) -> {
            int c = Double.compare(distance.applyAsDouble(j), distance.applyAsDouble(i));
            return c != 0 ? c : Integer.compare(j, i);
        });
        for (int i = 0; i < lx.length; i++) {
            if (roles[i] != Role.INTERMEDIATE) {
                continue;
            }
            heap.add(i);
            if (heap.size() > count) {
                heap.poll();
            }
        }
        int[] chosen = new int[heap.size()];
        for (int r = chosen.length - 1; r >= 0; r--) {
            chosen[r] = heap.poll();
        }
        return chosen;
    }

    /** SplitMix64 finaliser of seed and cell index: well-separated seeds for neighbouring cells. */
    static long mix(long seed, long index) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Runs {@code body} for every cell index, in chunks over {@code threads} workers. */
    private void parallelFor(IntConsumer body) {
        int chunks = (cells + CHUNK - 1) / CHUNK;
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                for (int i = c * CHUNK, end = Math.min(cells, i + CHUNK); i < end; i++) {
                    body.accept(i);
                }
            }
        };
        int workers = Math.min(threads, chunks);
        if (workers <= 1) {
            worker.run();
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "chreode-demo-generator");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                running.add(pool.submit(worker));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while generating the demo snapshot", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Fluent builder with the documented defaults. */
    public static final class Builder {
        private int cells = DEFAULT_CELLS;
        private int fates = DEFAULT_FATES;
        private int dim = DEFAULT_DIM;
        private long seed = DEFAULT_SEED;
        private int futures = DEFAULT_FUTURES;
        private int initialCells = DEFAULT_INITIAL_CELLS;
        private int terminalCellsPerFate = DEFAULT_TERMINAL_CELLS_PER_FATE;
        private double diffusion = DEFAULT_DIFFUSION;
        private double noise = DEFAULT_NOISE;
        private double timeStep = DEFAULT_TIME_STEP;
        private int threads = Runtime.getRuntime().availableProcessors();

        public Builder cells(int v) { cells = v; return this; }
        public Builder fates(int v) { fates = v; return this; }
        public Builder dim(int v) { dim = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder futures(int v) { futures = v; return this; }
        public Builder initialCells(int v) { initialCells = v; return this; }
        public Builder terminalCellsPerFate(int v) { terminalCellsPerFate = v; return this; }
        public Builder diffusion(double v) { diffusion = v; return this; }
        public Builder noise(double v) { noise = v; return this; }
        public Builder timeStep(double v) { timeStep = v; return this; }
        public Builder threads(int v) { threads = v; return this; }

        public BranchingSnapshotGenerator build() {
            return new BranchingSnapshotGenerator(cells, fates, dim, seed, futures, initialCells,
                    terminalCellsPerFate, diffusion, noise, timeStep, threads);
        }
    }
}
