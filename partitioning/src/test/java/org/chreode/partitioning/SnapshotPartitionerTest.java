package org.chreode.partitioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.geometry.KernelPrecision;
import org.chreode.kernels.snapshot.Role;
import org.junit.jupiter.api.Test;

class SnapshotPartitionerTest {

    /** A shuffled snapshot: {@code initial} initial cells, fate i with {@code fateSizes[i]} cells, rest intermediate. */
    private static Object[] snapshot(int n, int initial, int... fateSizes) {
        Role[] roles = new Role[n];
        String[] fates = new String[n];
        Arrays.fill(roles, Role.INTERMEDIATE);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = (int) ((i * 7919L) % n); // a fixed scattering (n not divisible by 7919)
        }
        int p = 0;
        for (int i = 0; i < initial; i++) {
            roles[order[p++]] = Role.INITIAL;
        }
        for (int f = 0; f < fateSizes.length; f++) {
            for (int i = 0; i < fateSizes[f]; i++) {
                int c = order[p++];
                roles[c] = Role.TERMINAL;
                fates[c] = "F" + (char) ('A' + f);
            }
        }
        return new Object[] {roles, fates};
    }

    private static PartitionPlan plan(SnapshotPartitioner p, Object[] snap) {
        return p.partition((Role[]) snap[0], (String[]) snap[1]);
    }

    /** Checks the PartitionPlan invariants against the roles and fates. */
    private static void assertInvariants(PartitionPlan plan, Role[] roles, String[] fates) {
        int n = roles.length;
        int k = plan.subsetCount();
        assertEquals(Math.max(1, (n + plan.partitionSize() - 1) / plan.partitionSize()), k);
        String[] labels = Arrays.stream(fates).filter(f -> f != null).distinct().sorted().toArray(String[]::new);
        int initialCount = (int) Arrays.stream(roles).filter(r -> r == Role.INITIAL).count();
        int nonReplicated = (int) java.util.stream.IntStream.range(0, n).filter(c -> !plan.isReplicated(c)).count();
        for (int r = 0; r < plan.rounds(); r++) {
            int[] seen = new int[n];
            for (int s = 0; s < k; s++) {
                int[] cells = plan.subset(r, s);
                int initial = 0;
                int intermediate = 0;
                int replicated = 0;
                int[] perFate = new int[labels.length];
                for (int i = 0; i < cells.length; i++) {
                    if (i > 0) {
                        assertTrue(cells[i] > cells[i - 1], "ascending and distinct");
                    }
                    int c = cells[i];
                    seen[c]++;
                    if (plan.isReplicated(c)) {
                        replicated++;
                    }
                    switch (roles[c]) {
                        case INITIAL -> initial++;
                        case INTERMEDIATE -> intermediate++;
                        case TERMINAL -> perFate[Arrays.binarySearch(labels, fates[c])]++;
                    }
                }
                assertTrue(initial >= 1, "initial in every subset");
                assertTrue(intermediate >= 2, "two intermediate cells in every subset");
                assertWithinOne(initialCount, k, initial);
                for (int f = 0; f < labels.length; f++) {
                    String label = labels[f];
                    int m = (int) Arrays.stream(fates).filter(label::equals).count();
                    assertTrue(perFate[f] >= 1, "fate " + label + " in every subset");
                    assertWithinOne(m, k, perFate[f]);
                }
                int own = cells.length - replicated;
                assertTrue(own == nonReplicated / k || own == (nonReplicated + k - 1) / k, "balanced sizes");
            }
            int[] assignment = plan.assignment(r);
            for (int c = 0; c < n; c++) {
                if (plan.isReplicated(c)) {
                    assertEquals(PartitionPlan.REPLICATED, assignment[c]);
                    assertFalse(roles[c] == Role.INTERMEDIATE, "intermediate cells are never replicated");
                } else {
                    assertEquals(1, seen[c], "cell " + c + " in exactly one subset of round " + r);
                    assertTrue(Arrays.binarySearch(plan.subsetRef(r, assignment[c]), c) >= 0);
                }
            }
        }
    }

    /** Within ±1 of the ideal m/K; floor or ceil when m ≥ K; exactly 1 when m &lt; K. */
    private static void assertWithinOne(int m, int k, int got) {
        assertTrue(Math.abs(got - (double) m / k) < 1.0, got + " vs ideal " + m + "/" + k);
        if (m >= k) {
            assertTrue(got == m / k || got == (m + k - 1) / k);
        } else {
            assertEquals(1, got);
        }
    }

    @Test
    void stratifiedSplitHoldsInvariants() {
        Object[] snap = snapshot(1003, 31, 47, 25, 12);
        PartitionPlan plan = plan(new SnapshotPartitioner(100, 4, 7L, SnapshotPartitioner.RareStratumRule.REJECT),
                snap);
        assertEquals(11, plan.subsetCount());
        assertEquals(4, plan.rounds());
        assertTrue(plan.replicatedStrata().isEmpty());
        assertTrue(plan.maxSubsetSize() <= 92);
        assertInvariants(plan, (Role[]) snap[0], (String[]) snap[1]);
    }

    @Test
    void rareFateIsReplicatedOnePerSubset() {
        Object[] snap = snapshot(1000, 30, 40, 3);
        PartitionPlan plan = plan(new SnapshotPartitioner(100, 3, 1L, SnapshotPartitioner.RareStratumRule.REPLICATE),
                snap);
        assertEquals(10, plan.subsetCount());
        assertEquals(List.of("fate 'FB'"), plan.replicatedStrata());
        assertInvariants(plan, (Role[]) snap[0], (String[]) snap[1]);
        String[] fates = (String[]) snap[1];
        for (int r = 0; r < plan.rounds(); r++) {
            int[] uses = new int[fates.length];
            for (int s = 0; s < plan.subsetCount(); s++) {
                for (int c : plan.subsetRef(r, s)) {
                    uses[c]++;
                }
            }
            for (int c = 0; c < fates.length; c++) {
                if ("FB".equals(fates[c])) {
                    assertTrue(plan.isReplicated(c));
                    assertTrue(uses[c] == 3 || uses[c] == 4, "floor/ceil of 10/3 subsets: " + uses[c]);
                }
            }
        }
    }

    @Test
    void rareInitialStratumIsReplicatedToo() {
        Object[] snap = snapshot(500, 2, 30, 30);
        PartitionPlan plan = plan(new SnapshotPartitioner(50), snap);
        assertEquals(List.of("initial"), plan.replicatedStrata());
        assertInvariants(plan, (Role[]) snap[0], (String[]) snap[1]);
    }

    @Test
    void rareFateIsRejectedUnderRejectRuleWithClearMessage() {
        Object[] snap = snapshot(1000, 30, 40, 3);
        SnapshotPartitioner p = new SnapshotPartitioner(100, 3, 1L, SnapshotPartitioner.RareStratumRule.REJECT);
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> plan(p, snap));
        String msg = e.getMessage();
        assertTrue(msg.contains("Only 3 terminal cells of fate 'FB'"), msg);
        assertTrue(msg.contains("10 subsets"), msg);
        assertTrue(msg.contains("partitionSize to at least 334"), msg);
        // the advised size works
        assertInvariants(plan(p.withPartitionSize(334), snap), (Role[]) snap[0], (String[]) snap[1]);

        Object[] fewInitial = snapshot(500, 2, 30, 30);
        e = assertThrows(InvalidInputException.class, () -> plan(p.withPartitionSize(50), fewInitial));
        assertTrue(e.getMessage().contains("Only 2 initial cells"), e.getMessage());
    }

    @Test
    void deterministicPerSeedAndDifferentAcrossSeedsAndRounds() {
        Object[] snap = snapshot(1000, 30, 40, 25);
        SnapshotPartitioner p = new SnapshotPartitioner(100, 3, 42L, SnapshotPartitioner.RareStratumRule.REJECT);
        PartitionPlan a = plan(p, snap);
        PartitionPlan b = plan(p, snap);
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        for (int r = 0; r < a.rounds(); r++) {
            assertArrayEquals(a.assignment(r), b.assignment(r));
        }
        PartitionPlan c = plan(p.withSeed(43L), snap);
        assertNotEquals(a, c);
        assertFalse(Arrays.equals(a.assignment(0), c.assignment(0)));
        assertFalse(Arrays.equals(a.assignment(0), a.assignment(1)));
        assertFalse(Arrays.equals(a.assignment(1), a.assignment(2)));
        // fewer rounds give the same first rounds
        PartitionPlan one = plan(p.withRounds(1), snap);
        assertArrayEquals(a.assignment(0), one.assignment(0));
    }

    @Test
    void oneSubsetWhenPartitionSizeCoversAllCells() {
        Object[] snap = snapshot(200, 3, 2, 1);
        PartitionPlan plan = plan(new SnapshotPartitioner(500, 2, 0L, SnapshotPartitioner.RareStratumRule.REJECT),
                snap);
        assertEquals(1, plan.subsetCount());
        int[] all = new int[200];
        Arrays.setAll(all, i -> i);
        assertArrayEquals(all, plan.subset(1, 0));
    }

    @Test
    void tooFewIntermediateCellsAndBadInputAreRejected() {
        Object[] snap = snapshot(60, 20, 10, 10, 10, 5);
        InvalidInputException e = assertThrows(InvalidInputException.class,
                () -> plan(new SnapshotPartitioner(4), snap));
        assertTrue(e.getMessage().contains("Only 5 intermediate cells for 15 subsets"), e.getMessage());
        assertThrows(InvalidInputException.class,
                () -> new SnapshotPartitioner(100).partition(new Role[3], new String[2]));
        assertThrows(InvalidInputException.class, () -> new SnapshotPartitioner(3));
        assertThrows(InvalidInputException.class, () -> new SnapshotPartitioner(100, 0, 0L,
                SnapshotPartitioner.RareStratumRule.REPLICATE));
        Role[] roles = {Role.INITIAL, Role.INTERMEDIATE, Role.INTERMEDIATE, Role.TERMINAL};
        e = assertThrows(InvalidInputException.class, () -> new SnapshotPartitioner(100)
                .partition(new String[] {"a", "b", "c", "d"}, roles, new String[4]));
        assertTrue(e.getMessage().contains("'d'"), e.getMessage());
    }

    @Test
    void forHeapUsesSizingRule() {
        SnapshotPartitioner p = SnapshotPartitioner.forHeap(8L << 30, 10, KernelPrecision.FLOAT64);
        assertEquals(32_720, p.partitionSize());
        assertEquals(SnapshotPartitioner.DEFAULT_ROUNDS, p.rounds());
    }
}
