package org.chreode.jobs.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LoggingIterationListenerTest {

    @Test
    void lineHasPhaseIterationErrorEpsilonElapsedAndEta() {
        assertEquals("[sinkhorn] iter 120/20000 error 3.2e-04 eps 0.0500 elapsed 1.2s ETA ~3.0s",
                LoggingIterationListener.line("sinkhorn", 120, 20000, 3.2e-4, 0.05, 1_200_000_000L, "3.0s"));
        assertEquals("[gmres fate A] iter 5/100 error 1.0e-02 elapsed 0.0s",
                LoggingIterationListener.line("gmres fate A", 5, 100, 1e-2, Double.NaN, 1000L, null));
    }

    @Test
    void listenerIsSerializableAndCopesWithEveryPhase() throws Exception {
        LoggingIterationListener l = new LoggingIterationListener(1e-4, 0);
        java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(new java.io.ByteArrayOutputStream());
        out.writeObject(l);
        l.onCheck("sinkhorn", 10, 100, 1e-1, 0.05, 1_000_000L);
        l.onCheck("sinkhorn", 20, 100, 1e-2, 0.05, 2_000_000L);
        l.onCheck("proximal 1/3", 10, 100, Double.NaN, 0.05, 1_000_000L);
        l.onCheck("proximal 1/3", 100, 100, 1e-5, 0.05, 9_000_000L);
    }

    @Test
    void etaExtrapolatesTheErrorDecayAndStaysSilentWithoutOne() {
        LoggingIterationListener l = new LoggingIterationListener(1e-4, 0);
        // first check of a phase: no rate yet
        assertEquals(null, l.eta(10, 10_000, 1e-1, 1_000_000_000L));
        l.onCheck("gmres fate A", 10, 10_000, 1e-1, Double.NaN, 1_000_000_000L);
        // one decade per 10 iterations at 0.1 s per iteration: 1e-2 -> 1e-4 is 20 more iterations = 2 s
        assertEquals("2.0s", l.eta(20, 10_000, 1e-2, 2_000_000_000L));
        l.onCheck("gmres fate A", 20, 10_000, 1e-2, Double.NaN, 2_000_000_000L);
        // a rising error gives no estimate rather than 9 970 iterations to the cap
        assertEquals(null, l.eta(30, 10_000, 5e-2, 3_000_000_000L));
        // converged: nothing left to estimate
        assertEquals(null, l.eta(30, 10_000, 1e-5, 3_000_000_000L));
    }

    @Test
    void secondsAreHumanReadable() {
        assertEquals("1.5s", LoggingIterationListener.seconds(1_500_000_000L));
        assertEquals("42s", LoggingIterationListener.seconds(42_000_000_000L));
        assertEquals("5min", LoggingIterationListener.seconds(300_000_000_000L));
    }
}
