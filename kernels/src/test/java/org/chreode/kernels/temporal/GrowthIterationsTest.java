package org.chreode.kernels.temporal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.CostNormalization;
import org.junit.jupiter.api.Test;

/** Growth priors (spec unbalanced_temporal_ot.md §4.1–4.3) and WOT growth iterations. */
class GrowthIterationsTest {

    private static final String[] IDS = {"a", "b", "c", "d", "e"};

    /** 5 source and 4 target points in the plane, mean-normalised squared-Euclidean cost. */
    private static double[][] cost() {
        Random rng = new Random(7);
        double[][] x = new double[5][2];
        double[][] y = new double[4][2];
        for (double[] p : x) {
            p[0] = rng.nextGaussian();
            p[1] = rng.nextGaussian();
        }
        for (double[] p : y) {
            p[0] = rng.nextGaussian() + 0.5;
            p[1] = rng.nextGaussian();
        }
        return TemporalCost.squaredEuclidean(x, y, CostNormalization.MEAN).matrix();
    }

    private static double[] rowSums(double[][] p) {
        double[] s = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            for (double v : p[i]) {
                s[i] += v;
            }
        }
        return s;
    }

    @Test
    void birthDeathPriorFollowsTheGeneralisedLogistic() {
        // At the centres β = δ = (sup + inf)/2 = 1, so G = 1; β(0.5) = 0.3 + 1.4/(1 + e^{-2}).
        assertEquals(1.0, GrowthPrior.birthRate(0.25), 1e-15);
        assertEquals(1.0, GrowthPrior.deathRate(0.1), 1e-15);
        assertEquals(0.3 + 1.4 / (1 + Math.exp(-2)), GrowthPrior.birthRate(0.5), 1e-15);
        GrowthPrior prior = GrowthPrior.fromBirthDeath(new String[] {"x", "y"}, new double[] {0.25, 0.5},
                new double[] {0.1, 0.1}, 2.0, "scores");
        double beta = 0.3 + 1.4 / (1 + Math.exp(-2));
        assertArrayEquals(new double[] {1.0, Math.exp((beta - 1.0) * 2.0)}, prior.budget(), 1e-14);
        assertArrayEquals(new double[] {1.0, Math.exp(beta - 1.0)}, prior.rates(), 1e-14);
        // only apoptosis given: proliferation score 0
        GrowthPrior onlyDeath = GrowthPrior.fromBirthDeath(new String[] {"x"}, null, new double[] {0.1}, 1.0, "q");
        assertEquals(Math.exp(GrowthPrior.birthRate(0) - 1.0), onlyDeath.budget()[0], 1e-15);
    }

    @Test
    void ratePriorGivesBudgetAndMoscotMarginals() {
        GrowthPrior prior = GrowthPrior.fromRates(IDS, new double[] {1, 2, 0.5, 4, 1}, 0.5, "column 'g'");
        assertArrayEquals(new double[] {1, Math.sqrt(2), Math.sqrt(0.5), 2, 1}, prior.budget(), 1e-15);
        assertArrayEquals(new double[] {1, 2, 0.5, 4, 1}, prior.rates(), 1e-14);
        double total = 1 + Math.sqrt(2) + Math.sqrt(0.5) + 2 + 1;
        assertEquals(2 / total, prior.sourceMarginal()[3], 1e-15);
        assertArrayEquals(new double[] {0.2, 0.2, 0.2, 0.2}, prior.targetMarginal(4), 0.0); // 1/n, n = 5
        GrowthPrior none = GrowthPrior.uniform(5, 1.0);
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0.25}, none.targetMarginal(4), 0.0); // 1/m
    }

    @Test
    void negativeOrNonFiniteGrowthNamesTheCell() {
        InvalidInputException neg = assertThrows(InvalidInputException.class, () -> GrowthPrior.fromRates(IDS,
                new double[] {1, 1, -0.5, 1, 1}, 1.0, "column 'g'"));
        assertTrue(neg.getMessage().contains("Cell 'c' has a negative growth prior -0.5 in column 'g'"),
                neg.getMessage());
        InvalidInputException nan = assertThrows(InvalidInputException.class, () -> GrowthPrior.fromRates(IDS,
                new double[] {1, Double.NaN, 1, 1, 1}, 1.0, "column 'g'"));
        assertTrue(nan.getMessage().contains("Cell 'b' has a non-finite growth prior"), nan.getMessage());
        assertThrows(InvalidInputException.class, () -> GrowthPrior.fromRates(IDS, new double[5], 1.0, "g"));
        assertThrows(InvalidInputException.class, () -> new GrowthIterations(new UnbalancedSinkhorn(0.1, 1, 1), 0));
    }

    @Test
    void hardSourceMarginalKeepsRowSumsEqualToThePrior() {
        double[][] c = cost();
        GrowthPrior prior = GrowthPrior.fromRates(IDS, new double[] {1, 2, 0.5, 4, 1}, 1.0, "g");
        GrowthIterations.Result result = new GrowthIterations(new UnbalancedSinkhorn(0.1, 1.0, 0.9), 3)
                .solve(c, prior, null);
        assertEquals(3, result.rounds().size());
        for (GrowthIterations.Round round : result.rounds()) {
            double[] rows = rowSums(round.solution().potentials().coupling(c));
            assertArrayEquals(prior.sourceMarginal(), rows, 1e-12);
            assertArrayEquals(prior.budget(), round.learnedBudget(), 1e-10);
            assertArrayEquals(prior.rates(), round.learnedRates(), 1e-10);
        }
    }

    @Test
    void growthIterationsEqualRepeatedSolvesWithUpdatedBudgets() {
        double[][] c = cost();
        double deltaT = 0.5;
        GrowthPrior prior = GrowthPrior.fromRates(IDS, new double[] {1, 2, 0.5, 4, 1}, deltaT, "g");
        UnbalancedSinkhorn solver = new UnbalancedSinkhorn(0.2, 0.7, 0.95);
        GrowthIterations.Result result = new GrowthIterations(solver, 3).solve(c, prior, null);

        // Direct: a_r = G_r/ΣG_r, b = 1/n, G_{r+1} = rowsums(P_r)·ΣG (ΣG of the prior).
        double[] budget = prior.budget();
        double[] b = {0.2, 0.2, 0.2, 0.2};
        double priorTotal = 0;
        for (double g : budget) {
            priorTotal += g;
        }
        for (int r = 0; r < 3; r++) {
            double total = 0;
            for (double g : budget) {
                total += g;
            }
            double[] a = new double[5];
            for (int i = 0; i < 5; i++) {
                a[i] = budget[i] / total;
            }
            double[][] p = solver.solve(c, a, b, null).coupling(c);
            double[] rows = rowSums(p);
            double[] next = new double[5];
            double[] rates = new double[5];
            for (int i = 0; i < 5; i++) {
                next[i] = rows[i] * priorTotal;
                rates[i] = Math.pow(next[i], 1 / deltaT);
            }
            GrowthIterations.Round round = result.rounds().get(r);
            assertArrayEquals(a, round.sourceMarginal(), 1e-15);
            assertArrayEquals(next, round.learnedBudget(), 1e-12);
            assertArrayEquals(rates, round.learnedRates(), 1e-12);
            double[][] ours = round.solution().potentials().coupling(c);
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(p[i], ours[i], 0.0);
            }
            budget = next;
        }
        // The relaxed source lets learning move the budget away from the prior.
        double moved = 0;
        for (int i = 0; i < 5; i++) {
            moved = Math.max(moved, Math.abs(result.last().learnedBudget()[i] - prior.budget()[i]));
        }
        assertTrue(moved > 1e-3, "learned budget equals the prior: " + moved);
    }

    @Test
    void onlineRoundsEqualStoredRounds() {
        Random rng = new Random(11);
        double[][] x = new double[40][3];
        double[][] y = new double[30][3];
        for (double[] p : x) {
            for (int k = 0; k < 3; k++) {
                p[k] = rng.nextGaussian();
            }
        }
        for (double[] p : y) {
            for (int k = 0; k < 3; k++) {
                p[k] = rng.nextGaussian() + (k == 0 ? 0.7 : 0);
            }
        }
        double[] rates = new double[40];
        for (int i = 0; i < rates.length; i++) {
            rates[i] = 0.5 + rng.nextDouble();
        }
        String[] ids = new String[40];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = "c" + i;
        }
        GrowthPrior prior = GrowthPrior.fromRates(ids, rates, 2.0, "g");
        double[][] dense = TemporalCost.squaredEuclidean(x, y, CostNormalization.MEAN).matrix();
        GrowthIterations rounds = new GrowthIterations(3);
        GrowthIterations.Result stored = rounds.solve(CouplingSolver.stored(dense,
                new UnbalancedSinkhorn(0.1, 0.8, 0.9, 1e-12, 100_000)), prior, null);
        GrowthIterations.Result online = rounds.solve(CouplingSolver.online(
                new PointCloudCost(x, y, CostNormalization.MEAN),
                new OnlineUnbalancedSinkhorn(0.1, 0.8, 0.9, 1e-12, 100_000, 2)), prior, null);
        for (int r = 0; r < 3; r++) {
            assertArrayEquals(stored.rounds().get(r).learnedRates(), online.rounds().get(r).learnedRates(), 1e-9,
                    "round " + (r + 1));
        }
        double[] v = new double[30];
        for (int j = 0; j < v.length; j++) {
            v[j] = j % 3 == 0 ? 1 : 0;
        }
        assertArrayEquals(stored.last().solution().coupling().apply(v), online.last().solution().coupling().apply(v),
                1e-10);
        assertThrows(InvalidInputException.class, () -> rounds.solve(CouplingSolver.stored(dense,
                new UnbalancedSinkhorn(0.1, 0.8, 0.9)), GrowthPrior.uniform(39, 1.0), null));
    }
}
