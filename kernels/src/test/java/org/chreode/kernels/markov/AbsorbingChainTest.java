package org.chreode.kernels.markov;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.common.IterationListener;
import org.chreode.kernels.common.NumericalInstabilityException;
import org.junit.jupiter.api.Test;

class AbsorbingChainTest {

    private static final int L = 20;
    private static final double P = 0.6;
    private static final double Q = 0.4;

    /** Gambler's ruin on 0..L: transient states 1..L-1 (index i-1), up with p, down with q. */
    private static LinearOperator ruinQ() {
        return new LinearOperator() {
            @Override
            public int dimension() {
                return L - 1;
            }

            @Override
            public void apply(double[] x, double[] y) {
                for (int t = 0; t < y.length; t++) {
                    y[t] = (t + 1 < y.length ? P * x[t + 1] : 0) + (t > 0 ? Q * x[t - 1] : 0);
                }
            }
        };
    }

    /** R per absorbing class: row 0 = ruin (state 0), row 1 = win (state L). */
    private static double[][] ruinR() {
        double[][] r = new double[2][L - 1];
        r[0][0] = Q;
        r[1][L - 2] = P;
        return r;
    }

    @Test
    void dimensionMismatchAndEmptyClassesThrow() {
        AbsorbingChain chain = new AbsorbingChain();
        assertThrows(InvalidInputException.class,
                () -> chain.absorptionProbabilities(ruinQ(), new double[][] {new double[3]}, IterationListener.NONE));
        assertThrows(InvalidInputException.class,
                () -> chain.absorptionProbabilities(ruinQ(), new double[0][], IterationListener.NONE));
        assertThrows(InvalidInputException.class, () -> new AbsorbingChain(null));
    }

    @Test
    void nonAbsorbingChainThrowsAfterRetry() {
        LinearOperator identity = new LinearOperator() {
            @Override
            public int dimension() {
                return 3;
            }

            @Override
            public void apply(double[] x, double[] y) {
                System.arraycopy(x, 0, y, 0, x.length);
            }
        };
        AbsorbingChain chain = new AbsorbingChain(new Gmres().withMaxIterations(20));
        NumericalInstabilityException e = assertThrows(NumericalInstabilityException.class,
                () -> chain.absorptionProbabilities(identity, new double[][] {{1, 0, 0}}, IterationListener.NONE));
        assertTrue(e.getMessage().contains("did not converge"), e.getMessage());
    }

    @Test
    void gamblersRuinAbsorptionProbabilitiesMatchClosedForm() {
        AbsorbingChain.Result z = new AbsorbingChain(new Gmres().withRestart(5))
                .absorptionProbabilities(ruinQ(), ruinR(), IterationListener.NONE);
        assertTrue(z.converged());
        double rho = Q / P;
        double rhoL = Math.pow(rho, L);
        for (int i = 1; i < L; i++) {
            double ruin = (Math.pow(rho, i) - rhoL) / (1 - rhoL);
            assertEquals(ruin, z.values()[i - 1][0], 1e-10, "ruin from " + i);
            assertEquals(1 - ruin, z.values()[i - 1][1], 1e-10, "win from " + i);
        }
        assertTrue(z.residuals()[0] <= 1e-12 && z.residuals()[1] <= 1e-12);
        assertEquals(z.column(1)[L - 2], z.values()[L - 2][1]);
    }

    @Test
    void gamblersRuinMeanAbsorptionTimeMatchesClosedForm() {
        AbsorbingChain.Result m = new AbsorbingChain().meanAbsorptionTimes(ruinQ(), IterationListener.NONE);
        double rho = Q / P;
        for (int i = 1; i < L; i++) {
            double expected = i / (Q - P) - (L / (Q - P)) * (1 - Math.pow(rho, i)) / (1 - Math.pow(rho, L));
            assertEquals(expected, m.values()[i - 1][0], 1e-10 * Math.max(1, expected), "time from " + i);
        }
    }

    @Test
    void jacobiPreconditionedChainAgrees() {
        double[] diag = new double[L - 1];
        java.util.Arrays.fill(diag, 1.0);
        AbsorbingChain.Result z = new AbsorbingChain(new Gmres().withRestart(3)
                .withPreconditioner(Gmres.jacobi(diag), Gmres.Side.LEFT))
                .absorptionProbabilities(ruinQ(), ruinR(), IterationListener.NONE);
        double rho = Q / P;
        double ruin1 = (rho - Math.pow(rho, L)) / (1 - Math.pow(rho, L));
        assertEquals(ruin1, z.values()[0][0], 1e-10);
    }
}
