package org.chreode.kernels.baselines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.chreode.kernels.common.InvalidInputException;
import org.chreode.kernels.snapshot.Role;
import org.junit.jupiter.api.Test;

class FateLabelsTest {

    private static final Role[] ROLES = {Role.INITIAL, Role.TERMINAL, Role.INTERMEDIATE, Role.TERMINAL, Role.TERMINAL};

    @Test
    void failures() {
        assertThrows(InvalidInputException.class, () -> FateLabels.of(new Role[0], new String[0]));
        assertThrows(InvalidInputException.class, () -> FateLabels.of(ROLES, new String[2]));
        assertEquals("Cell at row 1 has no role.", assertThrows(InvalidInputException.class,
                () -> FateLabels.of(new Role[] {Role.INITIAL, null}, new String[2])).getMessage());
        assertEquals("Terminal cell at row 3 has no fate label.", assertThrows(InvalidInputException.class,
                () -> FateLabels.of(ROLES, new String[] {"", "b", "", null, "a"})).getMessage());
        assertThrows(InvalidInputException.class,
                () -> FateLabels.of(new Role[] {Role.INITIAL, Role.INTERMEDIATE}, new String[2]));
        assertThrows(InvalidInputException.class,
                () -> FateLabels.of(new Role[] {Role.TERMINAL}, new String[] {"a"}).requireInitialCells("X"));
    }

    @Test
    void sortedUniqueLabelsAndIndices() {
        FateLabels f = FateLabels.of(ROLES, new String[] {"ignored", " b ", null, "a", "b"});
        assertArrayEquals(new String[] {"a", "b"}, f.labels());
        assertEquals(2, f.count());
        assertArrayEquals(new int[] {-1, 1, -1, 0, 1},
                java.util.stream.IntStream.range(0, 5).map(f::fateOf).toArray());
        assertEquals(1, f.initialCount());
        assertEquals(3, f.terminalCount());
        assertEquals(5, f.cellCount());
    }
}
