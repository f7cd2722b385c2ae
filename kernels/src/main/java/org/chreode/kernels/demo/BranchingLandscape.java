package org.chreode.kernels.demo;

import java.util.SplittableRandom;

import org.chreode.kernels.common.InvalidInputException;

/**
 * The latent 2-D landscape of {@link BranchingSnapshotGenerator}: a hilltop progenitor state at the origin from which
 * K straight valleys (rays at angles θ_k = 2πk/K) run downhill, each ending in a basin. Stateless apart from its
 * constants; one instance is shared by all worker threads.
 *
 * <p>With r = |z|, e_k = (cos θ_k, sin θ_k), n_k = (−sin θ_k, cos θ_k), the tilt profile g(r) = r²/(2b) for
 * r &lt;= b, r − b/2 beyond (C¹), and valley walls that stiffen down the slope, c(r) = c₀·(1 + r²/w²) with
 * c₀ = σ/sin²(π/K),
 * <pre>
 *   U(z) = min_k c(r)/2·(z·n_k)² − v·g(r) + κ/2·max(0, r − L)²
 * </pre>
 * The minimum picks the valley nearest in angle, so U is continuous and piecewise C¹ (its gradient jumps across the
 * watersheds half-way between valleys, which the Euler–Maruyama discretisation handles without special care). Near
 * the origin the valleys merge into a plateau (the walls are low and the tilt is flat), where cells linger and stay
 * multipotent; once out, the tilt drives them along their valley at speed v and the barrier to the neighbouring
 * valley, c(r)/2·r²·sin²(π/K) = σ/2·r²·(1 + r²/w²) whatever K, grows until the choice is final (about 10·D at
 * r ≈ 0.9 with the defaults). The wall at r = L makes the end basin of each valley, centred at r = L + v/κ on its
 * ray; there the valleys are sqrt(D/c(L)) wide. The landscape is symmetric under rotation by 2π/K, so cells at the
 * origin have every fate with probability 1/K.
 */
final class BranchingLandscape {
    /** b: radius of the progenitor plateau (the tilt is quadratic inside, linear outside). */
    static final double PLATEAU = 0.3;
    /** L: radius of the end-basin wall; {@code r >= L} is the end basin of the nearest valley. */
    static final double BRANCH_END = 1.5;
    /** v: tilt of the landscape, i.e. drift speed along a valley outside the plateau. */
    static final double SPEED = 1.0;
    /** κ: stiffness of the end wall. */
    static final double STIFFNESS = 20.0;
    /** σ: growth of the barrier between neighbouring valleys near the plateau, σ/2·r² at radius r. */
    static final double SEPARATION = 0.25;
    /** w: radius over which the valley walls stiffen (tenfold at r = L). */
    static final double WALL_SCALE = 0.5;
    /** The most fates for which the valleys stay narrower than their spacing and steps stay stable. */
    static final int MAX_FATES = 12;
    /** Largest Euler–Maruyama step allowed: half the stability bound 2/stiffness of the stiffest direction. */
    static final double MAX_TIME_STEP = 1.0 / Math.max(STIFFNESS, wallStiffness(MAX_FATES) * stiffening(BRANCH_END));

    private final int fates;
    private final double angleStep;
    private final double[] cos;
    private final double[] sin;
    private final double wall;
    private final double diffusion;

    BranchingLandscape(int fates, double diffusion) {
        this.fates = fates;
        this.wall = wallStiffness(fates);
        this.angleStep = 2 * Math.PI / fates;
        this.cos = new double[fates];
        this.sin = new double[fates];
        for (int k = 0; k < fates; k++) {
            cos[k] = Math.cos(k * angleStep);
            sin[k] = Math.sin(k * angleStep);
        }
        this.diffusion = diffusion;
    }

    /** The fate count both generators accept: 2 ≤ K ≤ {@value #MAX_FATES}. */
    static void requireFates(int fates) {
        InvalidInputException.requireAtLeast("fates", fates, 2);
        if (fates > MAX_FATES) {
            throw InvalidInputException.parameter("fates", fates, "must be <= " + MAX_FATES);
        }
    }

    /**
     * The simulation settings both generators share: diffusion D &gt; 0, a finite noise ≥ 0 and an Euler–Maruyama
     * step 0 &lt; Δt ≤ {@link #MAX_TIME_STEP}; a bad value fails naming its parameter.
     */
    static void requireDynamics(double diffusion, double noise, double timeStep) {
        InvalidInputException.requirePositive("diffusion", diffusion);
        if (!(noise >= 0) || Double.isInfinite(noise)) {
            throw InvalidInputException.parameter("noise", noise, "must be a finite number >= 0");
        }
        InvalidInputException.requirePositive("time-step", timeStep);
        if (timeStep > MAX_TIME_STEP) {
            throw InvalidInputException.parameter("time-step", timeStep,
                    "must be <= " + MAX_TIME_STEP + " for a stable Euler-Maruyama step");
        }
    }

    /** c₀ = σ/sin²(π/K), the stiffness of the valley walls at the origin. */
    static double wallStiffness(int fates) {
        double s = Math.sin(Math.PI / fates);
        return SEPARATION / (s * s);
    }

    /** c(r)/c₀ = 1 + r²/w². */
    static double stiffening(double r) {
        return 1 + r * r / (WALL_SCALE * WALL_SCALE);
    }

    /** Index of the valley nearest in angle (the k attaining the minimum in U). */
    int valley(double x, double y) {
        int best = 0;
        double bestDot = x;
        for (int k = 1; k < fates; k++) {
            double dot = x * cos[k] + y * sin[k];
            if (dot > bestDot) {
                bestDot = dot;
                best = k;
            }
        }
        return best;
    }

    /** Centre of the end basin of fate k (the minimum of U along valley k). */
    double[] basinCentre(int k) {
        double r = BRANCH_END + SPEED / STIFFNESS;
        return new double[] {r * cos[k], r * sin[k]};
    }

    /** Whether z lies in an end basin (then the basin is {@link #valley}). */
    static boolean inEndBasin(double x, double y) {
        return x * x + y * y >= BRANCH_END * BRANCH_END;
    }

    /** The progress coordinate r = |z|: 0 at the progenitor, about L + v/κ in the basins. */
    static double progress(double x, double y) {
        return Math.hypot(x, y);
    }

    /**
     * One Euler–Maruyama step of dX = −∇U(X) dt + sqrt(2D) dW, in place on {@code z = {x, y}}.
     *
     * @param dt time step (may be shorter than the generator's step for the last partial step)
     */
    void step(double[] z, double dt, SplittableRandom rng) {
        double x = z[0];
        double y = z[1];
        int k = valley(x, y);
        double nx = -sin[k];
        double ny = cos[k];
        double d = x * nx + y * ny;
        double r2 = x * x + y * y;
        double r = Math.sqrt(r2);
        double across = wall * stiffening(r) * d;
        // radial part of the gradient divided by r: c'(r)/(2r)·d² − v·g'(r)/r + κ·max(0, r − L)/r
        double radial = wall * d * d / (WALL_SCALE * WALL_SCALE)
                + (r <= PLATEAU ? -SPEED / PLATEAU : (-SPEED + STIFFNESS * Math.max(0, r - BRANCH_END)) / r);
        double gradX = across * nx + radial * x;
        double gradY = across * ny + radial * y;
        double s = Math.sqrt(2 * diffusion * dt);
        z[0] = x - gradX * dt + s * rng.nextGaussian();
        z[1] = y - gradY * dt + s * rng.nextGaussian();
    }
}
