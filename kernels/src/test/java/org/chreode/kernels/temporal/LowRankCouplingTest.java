package org.chreode.kernels.temporal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.lowrank.FrlcResult;
import org.chreode.kernels.lowrank.FrlcSolver;
import org.chreode.kernels.lowrank.LowRankGeometry;
import org.chreode.kernels.lowrank.LowRankProblem;
import org.junit.jupiter.api.Test;

/**
 * The low-rank coupling's reductions equal those of the dense product Q Λ Rᵀ, formed here entry by entry.
 */
class LowRankCouplingTest {

    private static final double TOL = 1e-12;

    private static double[][] random(Random rnd, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < cols; c++) {
                x[i][c] = rnd.nextDouble();
            }
        }
        return x;
    }

    /** Q Λ Rᵀ by the triple sum. */
    private static double[][] dense(double[][] q, double[][] latent, double[][] r) {
        double[][] p = new double[q.length][r.length];
        for (int i = 0; i < q.length; i++) {
            for (int j = 0; j < r.length; j++) {
                double s = 0;
                for (int k = 0; k < latent.length; k++) {
                    for (int l = 0; l < latent[k].length; l++) {
                        s += q[i][k] * latent[k][l] * r[j][l];
                    }
                }
                p[i][j] = s;
            }
        }
        return p;
    }

    private static double[][] diag(double[] g) {
        double[][] d = new double[g.length][g.length];
        for (int k = 0; k < g.length; k++) {
            d[k][k] = 1 / g[k];
        }
        return d;
    }

    private static double[] signed(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextGaussian();
        }
        return v;
    }

    private static int[] groups(Random rnd, int n, int count) {
        int[] g = new int[n];
        for (int i = 0; i < n; i++) {
            g[i] = rnd.nextInt(count);
        }
        return g;
    }

    private static void assertSameReductions(CouplingOperator expected, CouplingOperator got, double tol) {
        Random rnd = new Random(11);
        int n = expected.sourceCount();
        int m = expected.targetCount();
        assertEquals(n, got.sourceCount());
        assertEquals(m, got.targetCount());
        assertArrayEquals(expected.rowSums(), got.rowSums(), tol, "row sums");
        assertArrayEquals(expected.columnSums(), got.columnSums(), tol, "column sums");
        double[] v = signed(rnd, m);
        double[] w = signed(rnd, n);
        assertArrayEquals(expected.apply(v), got.apply(v), tol, "P v");
        assertArrayEquals(expected.applyTranspose(w), got.applyTranspose(w), tol, "P^T w");
        int[] sg = groups(rnd, n, 3);
        int[] tg = groups(rnd, m, 4);
        double[][] be = expected.blockSums(sg, 3, tg, 4);
        double[][] bg = got.blockSums(sg, 3, tg, 4);
        for (int s = 0; s < 3; s++) {
            assertArrayEquals(be[s], bg[s], tol, "block sums row " + s);
        }
        assertEquals(expected.maxEntry(), got.maxEntry(), tol, "max entry");
    }

    @Test
    void diagonalFactorisationReducesLikeTheDenseProduct() {
        Random rnd = new Random(3);
        double[][] q = random(rnd, 9, 3);
        double[][] r = random(rnd, 7, 3);
        double[] g = {0.7, 1.3, 2.1};
        LowRankCoupling p = LowRankCoupling.diagonal(q, g, r, 1);
        DenseCoupling reference = new DenseCoupling(dense(q, diag(g), r));
        assertEquals(3, p.rank());
        assertSameReductions(reference, p, TOL);
    }

    @Test
    void rectangularLatentReducesLikeTheDenseProductOnSeveralThreads() {
        Random rnd = new Random(5);
        // 150 rows: three sweep chunks, so the threaded max and export are exercised
        double[][] q = random(rnd, 150, 3);
        double[][] latent = random(rnd, 3, 4);
        double[][] r = random(rnd, 40, 4);
        LowRankCoupling p = new LowRankCoupling(q, latent, r, 2);
        assertSameReductions(new DenseCoupling(dense(q, latent, r)), p, TOL);
    }

    @Test
    void sparseExportEqualsTheDenseThreshold() {
        Random rnd = new Random(8);
        double[][] q = random(rnd, 130, 2);
        double[] g = {0.4, 0.6};
        double[][] r = random(rnd, 30, 2);
        for (int i = 0; i < 20; i++) {                   // rows far below the cut: skipped whole by the row bound
            q[i][0] *= 1e-3;
            q[i][1] *= 1e-3;
        }
        LowRankCoupling p = LowRankCoupling.diagonal(q, g, r, 2);
        DenseCoupling reference = new DenseCoupling(dense(q, diag(g), r));
        for (double threshold : new double[] {0.0, 0.3, 0.8}) {
            CouplingOperator.SparseCoupling want = reference.sparse(threshold);
            CouplingOperator.SparseCoupling got = p.sparse(threshold);
            assertArrayEquals(want.rows(), got.rows(), "rows at threshold " + threshold);
            assertArrayEquals(want.columns(), got.columns(), "columns at threshold " + threshold);
            assertArrayEquals(want.weights(), got.weights(), TOL, "weights at threshold " + threshold);
            assertEquals(want.droppedMass(), got.droppedMass(), TOL * want.droppedMass(),
                    "dropped mass at threshold " + threshold);
            assertEquals(want.maxEntry(), got.maxEntry(), TOL);
        }
        CouplingOperator.SparseCoupling mid = p.sparse(0.3);
        assertTrue(mid.size() > 0 && mid.size() < 130 * 30, "the 0.3 cut keeps some but not all entries");
        double total = 0;
        for (double s : p.rowSums()) {
            total += s;
        }
        assertEquals(total, mid.keptMass() + mid.droppedMass(), 1e-12 * total, "kept + dropped = total mass");
    }

    @Test
    void serialisationRoundTripKeepsEveryReduction() throws IOException, ClassNotFoundException {
        Random rnd = new Random(13);
        LowRankCoupling p = new LowRankCoupling(random(rnd, 200, 2), random(rnd, 2, 3), random(rnd, 150, 3), 1);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(p);
        }
        CouplingOperator back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (CouplingOperator) in.readObject();
        }
        assertSameReductions(p, back, 0.0);
        CouplingOperator.SparseCoupling a = p.sparse(0.5);
        CouplingOperator.SparseCoupling b = back.sparse(0.5);
        assertArrayEquals(a.weights(), b.weights(), 0.0);
        // the factors travel, not the n × m matrix: 350 rows of width 3 are 8.4 kB, P would be 240 kB
        assertTrue(bytes.size() < 20_000, "serialised size " + bytes.size());
    }

    @Test
    void frlcCouplingEqualsTheResultsDensePlan() {
        Random rnd = new Random(21);
        double[][] x = random(rnd, 25, 3);
        double[][] y = random(rnd, 20, 3);
        FrlcResult result = new FrlcSolver(3).withRank2(2).solve(
                LowRankProblem.uniform(LowRankGeometry.squaredEuclidean(x, y)));
        LowRankCoupling p = LowRankCoupling.fromFrlc(result, 1);
        double[][] plan = result.denseCoupling();
        DenseCoupling reference = new DenseCoupling(plan);
        assertSameReductions(reference, p, TOL);
        assertArrayEquals(result.rowMarginal(), p.rowSums(), TOL);
        assertArrayEquals(result.columnMarginal(), p.columnSums(), TOL);
    }

    @Test
    void badFactorsAreRefusedNamingTheFactor() {
        double[][] q = {{0.1, 0.2}, {0.3, 0.4}};
        double[][] r = {{0.5, 0.6}};
        InvalidInputException negative = assertThrows(InvalidInputException.class,
                () -> new LowRankCoupling(new double[][] {{0.1, -0.2}, {0.3, 0.4}}, diag(new double[] {1, 1}), r, 1));
        assertTrue(negative.getMessage().contains("q[0][1]"), negative.getMessage());
        InvalidInputException width = assertThrows(InvalidInputException.class,
                () -> new LowRankCoupling(q, diag(new double[] {1, 1}), new double[][] {{0.5, 0.6, 0.7}}, 1));
        assertTrue(width.getMessage().contains("factor r"), width.getMessage());
        InvalidInputException g = assertThrows(InvalidInputException.class,
                () -> LowRankCoupling.diagonal(q, new double[] {1, 0}, r, 1));
        assertTrue(g.getMessage().contains("g[1]"), g.getMessage());
        InvalidInputException threads = assertThrows(InvalidInputException.class,
                () -> LowRankCoupling.diagonal(q, new double[] {1, 1}, r, 0));
        assertTrue(threads.getMessage().contains("threads"), threads.getMessage());
        LowRankCoupling p = LowRankCoupling.diagonal(q, new double[] {1, 1}, r, 1);
        InvalidInputException v = assertThrows(InvalidInputException.class, () -> p.apply(new double[2]));
        assertTrue(v.getMessage().contains("Vector v"), v.getMessage());
        InvalidInputException group = assertThrows(InvalidInputException.class,
                () -> p.blockSums(new int[] {0, 2}, 2, new int[] {0}, 1));
        assertTrue(group.getMessage().contains("sourceGroups[1]"), group.getMessage());
        assertThrows(InvalidInputException.class, () -> p.sparse(1.0));
    }
}
