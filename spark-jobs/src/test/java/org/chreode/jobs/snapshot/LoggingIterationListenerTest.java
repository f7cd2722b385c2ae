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
    void secondsAreHumanReadable() {
        assertEquals("1.5s", LoggingIterationListener.seconds(1_500_000_000L));
        assertEquals("42s", LoggingIterationListener.seconds(42_000_000_000L));
        assertEquals("5min", LoggingIterationListener.seconds(300_000_000_000L));
    }
}
