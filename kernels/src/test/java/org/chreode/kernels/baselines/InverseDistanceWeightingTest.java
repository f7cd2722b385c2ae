package org.chreode.kernels.baselines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;
import org.junit.jupiter.api.Test;

class InverseDistanceWeightingTest {

    /** x̄₀ = (0,0), x̄_A = (2,0) (D_A = 2), x̄_B = (0,1) (D_B = 1); cell 3 at (1,1). */
    private static final double[][] X = {{0, 0}, {2, 0}, {0, 1}, {1, 1}};
    private static final Role[] ROLES = {Role.INITIAL, Role.TERMINAL, Role.TERMINAL, Role.INTERMEDIATE};
    private static final String[] FATES = {"", "A", "B", null};

    @Test
    void invalidInputsThrow() {
        assertThrows(InvalidInputException.class,
                () -> InverseDistanceWeighting.fit(X, ROLES, FATES, -1, null));
        assertThrows(InvalidInputException.class,
                () -> InverseDistanceWeighting.fit(X, ROLES, FATES, Double.NaN, null));
        InvalidInputException missing = assertThrows(InvalidInputException.class,
                () -> InverseDistanceWeighting.fit(X, ROLES, FATES, 2, Map.of("A", 1.0)));
        assertEquals("IDW has no prior weight for fate 'B'.", missing.getMessage());
        assertThrows(InvalidInputException.class,
                () -> InverseDistanceWeighting.fit(X, ROLES, FATES, 2, Map.of("A", 1.0, "B", 1.0, "C", 1.0)));
        assertThrows(InvalidInputException.class,
                () -> InverseDistanceWeighting.fit(X, ROLES, FATES, 2, Map.of("A", -1.0, "B", 1.0)));
        assertThrows(InvalidInputException.class,
                () -> InverseDistanceWeighting.fit(X, ROLES, FATES, 2, Map.of("A", 0.0, "B", 0.0)));
        Role[] noInitial = {Role.INTERMEDIATE, Role.TERMINAL, Role.TERMINAL, Role.INTERMEDIATE};
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> InverseDistanceWeighting.fit(X, noInitial, FATES, 2, null));
        assertTrue(e.getMessage().startsWith("IDW needs at least one initial cell"), e.getMessage());
        String[] unlabeled = {"", "A", "", ""};
        assertEquals("Terminal cell at row 2 has no fate label.", assertThrows(InvalidInputException.class,
                () -> InverseDistanceWeighting.fit(X, ROLES, unlabeled, 2, null)).getMessage());
        double[][] atInitial = {{0, 0}, {0, 0}, {0, 1}, {1, 1}};
        assertThrows(InvalidInputException.class, () -> InverseDistanceWeighting.fit(atInitial, ROLES, FATES, 2, null));
    }

    @Test
    void gammaZeroReturnsWeights() {
        InverseDistanceWeighting.Result r = InverseDistanceWeighting.fit(X, ROLES, FATES, 0,
                Map.of("A", 3.0, "B", 1.0));
        assertArrayEquals(new double[] {0.75, 0.25}, r.weights());
        for (double[] row : r.fateProbabilities()) {
            assertArrayEquals(new double[] {0.75, 0.25}, row);
        }
    }

    /** Cell (1,1): d_A = √2/2, d_B = 1; γ = 2 → weights 2 and 1. */
    @Test
    void handComputedExample() {
        InverseDistanceWeighting.Result uniform = InverseDistanceWeighting.fit(X, ROLES, FATES, 2, null);
        assertArrayEquals(new String[] {"A", "B"}, uniform.fateLabels());
        double[][] p = uniform.fateProbabilities();
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 3}, p[3], 1e-15);
        assertArrayEquals(new double[] {0.5, 0.5}, p[0], 1e-15);          // initial cell: d_A = d_B = 1
        assertArrayEquals(new double[] {1, 0}, p[1]);                       // guard: at the mean of A
        assertArrayEquals(new double[] {0, 1}, p[2]);
        double[][] q = InverseDistanceWeighting.fit(X, ROLES, FATES, 2, Map.of("A", 0.25, "B", 0.75))
                .fateProbabilities();
        assertArrayEquals(new double[] {0.4, 0.6}, q[3], 1e-15);
    }

    @Test
    void largeGammaIsOneHotOnNearestNormalisedFate() {
        InverseDistanceWeighting.Result r = InverseDistanceWeighting.fit(X, ROLES, FATES, 5000,
                Map.of("A", 0.01, "B", 0.99));
        assertArrayEquals(new double[] {1, 0}, r.fateProbabilities()[3]);
        assertEquals(5000, r.gamma());
    }

    @Test
    void rowsSumToOne() {
        java.util.Random rnd = new java.util.Random(9);
        int n = 200;
        double[][] x = new double[n][3];
        Role[] roles = new Role[n];
        String[] fates = new String[n];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 3; c++) {
                x[i][c] = rnd.nextGaussian();
            }
            roles[i] = i < 5 ? Role.INITIAL : i < 20 ? Role.TERMINAL : Role.INTERMEDIATE;
            fates[i] = roles[i] == Role.TERMINAL ? "F" + (i % 3) : "";
        }
        for (double gamma : new double[] {0, 1, 20, 300}) {
            double[][] p = InverseDistanceWeighting.fit(x, roles, fates, gamma, null).fateProbabilities();
            for (double[] row : p) {
                assertEquals(1.0, Arrays.stream(row).sum(), 1e-12);
                assertTrue(Arrays.stream(row).allMatch(v -> v >= 0 && v <= 1));
            }
        }
    }
}
