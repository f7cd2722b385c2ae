package org.chreode.kernels.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.chreode.kernels.common.InvalidInputException;

/**
 * Generates a lineage-traced time course with known clones, cell types and growth rates: the input and ground truth
 * of {@code demo --time-course}. Immutable settings; build with {@link #builder()} and call {@link #generate()}.
 *
 * <h2>Model</h2>
 * Cells move on the branching landscape of {@link BranchingSnapshotGenerator} by the same Langevin dynamics
 * dX = −∇U(X) dt + sqrt(2D) dW (Euler–Maruyama, step Δt), with {@value #TIME_PER_DAY} landscape time units per day
 * (a cell leaving the progenitor reaches its basin in about five days). At the barcoding time, {@value #LEAD_DAYS}
 * days before the first sampling day, each of the {@code founders} cells gets its own clone barcode; a founder
 * starts at an age a ~ Uniform(0, {@value #FOUNDER_MAX_AGE}) time units, i.e. from the progenitor state P evolved for
 * time a, so the population is not synchronised. In every step of Δt each living cell
 * <ul>
 *   <li>divides with probability β(z)·Δt_day, where Δt_day = Δt/{@value #TIME_PER_DAY}: the daughter is a copy of
 *       the cell (same state, same barcode) and both then move independently;</li>
 *   <li>dies with probability δ·Δt_day ({@code deathRate} δ, 0 = no death).</li>
 * </ul>
 * The division rate β is branch dependent: {@code progenitorDivisionRate} inside the progenitor region
 * |z| &lt; {@value #PROGENITOR_RADIUS}, {@code divisionRates[k]} per day in valley k beyond it.
 *
 * <h2>Sampling</h2>
 * At each sampling day, min({@code cellsPerDay}, ⌊{@value #MAX_SAMPLED_FRACTION}·living⌋) living cells are drawn
 * uniformly without replacement and removed from the population (sequencing destroys them), so clones are seen
 * again later only through the cells left behind. Per sampled cell the generator records its day, clone, true cell
 * type ({@value #PROGENITOR} inside the progenitor region, else {@code F(k+1)} for valley k, F1 along the positive x
 * axis as in the snapshot demo), features (the latent state embedded in d dimensions with noise, as in
 * {@link BranchingSnapshotGenerator}) and true growth rate exp(β(z) − δ): its expected growth factor per day, the
 * quantity that temporal OT's learned growth rates estimate.
 *
 * <h2>Determinism and cost</h2>
 * One {@code SplittableRandom} seeded from {@code seed} drives the dynamics and the sampling in a fixed order (cells
 * in creation order), a second one the embedding noise: the result depends on the settings only. Cost is the
 * number of living cells summed over steps, about founders·e^{β̄·T}·T/Δt_day for T days; the defaults
 * (300 cells per day over 4 days) take well under a second.
 *
 * @param cellsPerDay            cells sampled at each day (at most half the living population)
 * @param sampleDays             sampling days, strictly increasing (at least two)
 * @param founders               barcoded founder cells = number of clones
 * @param fates                  number of fates K, 2..{@value BranchingSnapshotGenerator#MAX_FATES}
 * @param dim                    feature dimension d &gt;= 2
 * @param seed                   random seed
 * @param progenitorDivisionRate division rate per day in the progenitor region
 * @param divisionRates          division rate per day in each valley (length K)
 * @param deathRate              death rate per day, everywhere (&gt;= 0)
 * @param diffusion              D of the dynamics
 * @param noise                  embedding noise in the d − 2 extra dimensions
 * @param timeStep               Euler–Maruyama step Δt (landscape time units)
 * @since 0.1
 */
public record TimeCourseGenerator(int cellsPerDay, double[] sampleDays, int founders, int fates, int dim, long seed,
                                  double progenitorDivisionRate, double[] divisionRates, double deathRate,
                                  double diffusion, double noise, double timeStep) {

    /** Cell-type label of cells still in the progenitor region. */
    public static final String PROGENITOR = "progenitor";
    /** Landscape time units per day. */
    public static final double TIME_PER_DAY = 0.3;
    /** Days from barcoding to the first sampling day: clones expand to a few cells before anything is sampled. */
    public static final double LEAD_DAYS = 1.0;
    /** Founders start at an age up to this (time units): some are still on the plateau, some already on a slope. */
    public static final double FOUNDER_MAX_AGE = 0.4;
    /** |z| below this is the progenitor region (fates are decided further out, at about 0.9). */
    public static final double PROGENITOR_RADIUS = 0.6;
    /** A day's sample takes at most this fraction of the living cells, so every clone may be seen again. */
    public static final double MAX_SAMPLED_FRACTION = 0.5;
    /** More living cells than this means the rates are far too high for the days asked for. */
    public static final int MAX_LIVING = 5_000_000;

    public static final int DEFAULT_CELLS_PER_DAY = 300;
    public static final double[] DEFAULT_DAYS = {0, 1, 2, 3};
    public static final int DEFAULT_FATES = 3;
    public static final int DEFAULT_DIM = 10;
    /** Enough founders that the first day's sample is about a third of the living cells. */
    public static final double DEFAULT_FOUNDERS_PER_SAMPLED_CELL = 0.75;
    public static final double DEFAULT_PROGENITOR_DIVISION_RATE = 1.0;
    /** Fastest and slowest branch; the K branches are spaced evenly between them (F1 fastest). */
    public static final double DEFAULT_FASTEST_DIVISION_RATE = 1.0;
    public static final double DEFAULT_SLOWEST_DIVISION_RATE = 0.5;
    public static final double DEFAULT_DEATH_RATE = 0.0;

    public TimeCourseGenerator {
        InvalidInputException.requireAtLeast("cells-per-day", cellsPerDay, 1);
        if (sampleDays == null || sampleDays.length < 2) {
            throw InvalidInputException.parameter("days", sampleDays == null ? "none" : Arrays.toString(sampleDays),
                    "needs at least two sampling days");
        }
        sampleDays = sampleDays.clone();
        for (int t = 0; t < sampleDays.length; t++) {
            if (!Double.isFinite(sampleDays[t])) {
                throw InvalidInputException.parameter("days", Arrays.toString(sampleDays), "must be finite numbers");
            }
            if (t > 0 && !(sampleDays[t] > sampleDays[t - 1])) {
                throw InvalidInputException.parameter("days", Arrays.toString(sampleDays),
                        "must be strictly increasing");
            }
        }
        InvalidInputException.requireAtLeast("founders", founders, 1);
        BranchingLandscape.requireFates(fates);
        InvalidInputException.requireAtLeast("dim", dim, 2);
        requireRate("progenitor-division-rate", progenitorDivisionRate);
        if (divisionRates == null || divisionRates.length != fates) {
            throw InvalidInputException.parameter("division-rates", divisionRates == null ? "none"
                    : Arrays.toString(divisionRates), "needs one rate per fate (" + fates + ")");
        }
        divisionRates = divisionRates.clone();
        for (double r : divisionRates) {
            requireRate("division-rates", r);
        }
        requireRate("death-rate", deathRate);
        BranchingLandscape.requireDynamics(diffusion, noise, timeStep);
        double fastest = Math.max(progenitorDivisionRate, Arrays.stream(divisionRates).max().orElse(0));
        if ((fastest + deathRate) * timeStep / TIME_PER_DAY > 0.5) {
            throw InvalidInputException.parameter("time-step", timeStep, "is too long for division/death rates up to "
                    + (fastest + deathRate) + " per day (at most one event in half the steps); lower it");
        }
    }

    private static void requireRate(String name, double rate) {
        if (!(rate >= 0) || Double.isInfinite(rate)) {
            throw InvalidInputException.parameter(name, rate, "must be a finite rate per day >= 0");
        }
    }

    @Override
    public double[] sampleDays() {
        return sampleDays.clone();
    }

    @Override
    public double[] divisionRates() {
        return divisionRates.clone();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Fate labels F1..FK in sorted String order. */
    public String[] fateLabels() {
        String[] labels = new String[fates];
        for (int k = 0; k < fates; k++) {
            labels[k] = "F" + (k + 1);
        }
        Arrays.sort(labels);
        return labels;
    }

    /** Simulates the time course (see the class description). */
    public TimeCourse generate() {
        BranchingLandscape landscape = new BranchingLandscape(fates, diffusion);
        SplittableRandom rng = new SplittableRandom(BranchingSnapshotGenerator.mix(seed, -2));
        SplittableRandom embedNoise = rng.split();
        double[][] q = BranchingSnapshotGenerator.embedding(dim, seed);

        Population living = new Population();
        for (int f = 0; f < founders; f++) {
            double[] z = BranchingSnapshotGenerator.evolve(landscape, new double[] {0, 0},
                    rng.nextDouble() * FOUNDER_MAX_AGE, timeStep, rng);
            living.add(z[0], z[1], f);
        }
        double dayStep = timeStep / TIME_PER_DAY;
        double now = sampleDays[0] - LEAD_DAYS;
        List<Integer> sampledClones = new ArrayList<>();
        List<double[]> sampledState = new ArrayList<>();
        List<Double> sampledDay = new ArrayList<>();
        int[] livingPerDay = new int[sampleDays.length];
        int[] sampledPerDay = new int[sampleDays.length];
        for (int t = 0; t < sampleDays.length; t++) {
            double days = sampleDays[t] - now;
            long steps = Math.round(days / dayStep);
            for (long s = 0; s < steps; s++) {
                step(landscape, living, dayStep, rng);
            }
            now = sampleDays[t];
            livingPerDay[t] = living.size;
            int take = Math.min(cellsPerDay, (int) Math.floor(MAX_SAMPLED_FRACTION * living.size));
            sampledPerDay[t] = take;
            // partial Fisher–Yates: the last `take` slots become a uniform sample without replacement
            for (int j = 0; j < take; j++) {
                int last = living.size - 1 - j;
                living.swap(rng.nextInt(last + 1), last);
            }
            for (int j = living.size - take; j < living.size; j++) {
                sampledClones.add(living.clone[j]);
                sampledState.add(new double[] {living.x[j], living.y[j]});
                sampledDay.add(sampleDays[t]);
            }
            living.size -= take;
        }

        int n = sampledClones.size();
        String[] ids = new String[n];
        double[] dayOf = new double[n];
        int[] cloneOf = new int[n];
        String[] types = new String[n];
        double[][] features = new double[n][];
        double[] growth = new double[n];
        for (int i = 0; i < n; i++) {
            double[] z = sampledState.get(i);
            ids[i] = "t" + i;
            dayOf[i] = sampledDay.get(i);
            cloneOf[i] = sampledClones.get(i);
            types[i] = cellType(landscape, z[0], z[1]);
            features[i] = BranchingSnapshotGenerator.embed(z, q, noise, embedNoise);
            growth[i] = Math.exp(divisionRate(landscape, z[0], z[1]) - deathRate);
        }
        String[] featureNames = new String[dim];
        for (int j = 0; j < dim; j++) {
            featureNames[j] = "x" + (j + 1);
        }
        return new TimeCourse(ids, dayOf, cloneOf, types, features, featureNames, growth, livingPerDay,
                sampledPerDay, sampleDays.clone());
    }

    /** One step of Δt for every living cell: move, then divide or die (daughters move from the next step on). */
    private void step(BranchingLandscape landscape, Population living, double dayStep, SplittableRandom rng) {
        int before = living.size;
        double[] z = new double[2];
        int kept = 0;
        for (int i = 0; i < before; i++) {
            z[0] = living.x[i];
            z[1] = living.y[i];
            landscape.step(z, timeStep, rng);
            double u = rng.nextDouble();
            double divide = divisionRate(landscape, z[0], z[1]) * dayStep;
            if (u < deathRate * dayStep) {
                continue; // dies: not copied back
            }
            living.x[kept] = z[0];
            living.y[kept] = z[1];
            living.clone[kept] = living.clone[i];
            kept++;
            if (u >= 1 - divide) {
                living.add(z[0], z[1], living.clone[i]);
            }
        }
        // daughters were appended after the first `before` slots; close the gap left by the dead
        int daughters = living.size - before;
        System.arraycopy(living.x, before, living.x, kept, daughters);
        System.arraycopy(living.y, before, living.y, kept, daughters);
        System.arraycopy(living.clone, before, living.clone, kept, daughters);
        living.size = kept + daughters;
        if (living.size > MAX_LIVING) {
            throw new InvalidInputException("The simulated population exceeded " + MAX_LIVING + " living cells;"
                    + " lower the division rates, the founders or the span of --days.");
        }
    }

    /** β(z): progenitor rate inside the progenitor region, the valley's rate beyond it. */
    private double divisionRate(BranchingLandscape landscape, double x, double y) {
        return Math.hypot(x, y) < PROGENITOR_RADIUS ? progenitorDivisionRate : divisionRates[landscape.valley(x, y)];
    }

    private static String cellType(BranchingLandscape landscape, double x, double y) {
        return Math.hypot(x, y) < PROGENITOR_RADIUS ? PROGENITOR : "F" + (landscape.valley(x, y) + 1);
    }

    /** Living cells as parallel growable arrays (latent x, y and clone). */
    private static final class Population {
        double[] x = new double[64];
        double[] y = new double[64];
        int[] clone = new int[64];
        int size;

        void add(double px, double py, int c) {
            if (size == x.length) {
                int cap = 2 * size;
                x = Arrays.copyOf(x, cap);
                y = Arrays.copyOf(y, cap);
                clone = Arrays.copyOf(clone, cap);
            }
            x[size] = px;
            y[size] = py;
            clone[size] = c;
            size++;
        }

        void swap(int i, int j) {
            double t = x[i];
            x[i] = x[j];
            x[j] = t;
            t = y[i];
            y[i] = y[j];
            y[j] = t;
            int c = clone[i];
            clone[i] = clone[j];
            clone[j] = c;
        }
    }

    /** Fluent builder with the documented defaults; founders default to 0.75·cellsPerDay. */
    public static final class Builder {
        private int cellsPerDay = DEFAULT_CELLS_PER_DAY;
        private double[] days = DEFAULT_DAYS.clone();
        private Integer founders;
        private int fates = DEFAULT_FATES;
        private int dim = DEFAULT_DIM;
        private long seed = BranchingSnapshotGenerator.DEFAULT_SEED;
        private double progenitorDivisionRate = DEFAULT_PROGENITOR_DIVISION_RATE;
        private double[] divisionRates;
        private double deathRate = DEFAULT_DEATH_RATE;
        private double diffusion = BranchingSnapshotGenerator.DEFAULT_DIFFUSION;
        private double noise = BranchingSnapshotGenerator.DEFAULT_NOISE;
        private double timeStep = BranchingSnapshotGenerator.DEFAULT_TIME_STEP;

        public Builder cellsPerDay(int v) { cellsPerDay = v; return this; }
        public Builder days(double... v) { days = v == null ? null : v.clone(); return this; }
        public Builder founders(int v) { founders = v; return this; }
        public Builder fates(int v) { fates = v; return this; }
        public Builder dim(int v) { dim = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder progenitorDivisionRate(double v) { progenitorDivisionRate = v; return this; }
        public Builder divisionRates(double... v) { divisionRates = v == null ? null : v.clone(); return this; }
        public Builder deathRate(double v) { deathRate = v; return this; }
        public Builder diffusion(double v) { diffusion = v; return this; }
        public Builder noise(double v) { noise = v; return this; }
        public Builder timeStep(double v) { timeStep = v; return this; }

        public TimeCourseGenerator build() {
            int f = founders != null ? founders
                    : Math.max(1, (int) Math.round(cellsPerDay * DEFAULT_FOUNDERS_PER_SAMPLED_CELL));
            double[] rates = divisionRates != null ? divisionRates : defaultDivisionRates(fates);
            return new TimeCourseGenerator(cellsPerDay, days, f, fates, dim, seed, progenitorDivisionRate, rates,
                    deathRate, diffusion, noise, timeStep);
        }
    }

    /** K rates evenly from {@value #DEFAULT_FASTEST_DIVISION_RATE} (F1) down to the slowest (FK). */
    public static double[] defaultDivisionRates(int fates) {
        double[] r = new double[Math.max(fates, 0)];
        for (int k = 0; k < r.length; k++) {
            double s = fates == 1 ? 0 : (double) k / (fates - 1);
            r[k] = DEFAULT_FASTEST_DIVISION_RATE + s * (DEFAULT_SLOWEST_DIVISION_RATE - DEFAULT_FASTEST_DIVISION_RATE);
        }
        return r;
    }
}
