package org.chreode.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.hadoop.conf.Configuration;
import org.chreode.kernels.common.InvalidInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {

    @TempDir
    Path dir;

    private static AtomicOutput open(Path out, boolean overwrite, boolean hadoop) {
        return AtomicOutput.open(out.toString(), overwrite, new Configuration(), hadoop);
    }

    private static void write(AtomicOutput out, String name, String text) throws IOException {
        try (OutputStream s = out.create(name)) {
            s.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private boolean onlyEntry(String name) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList().equals(java.util.List.of(name));
        }
    }

    @ParameterizedTest(name = "hadoop API = {0}")
    @ValueSource(booleans = {false, true})
    void commitRenamesTheTemporaryDirectory(boolean hadoop) throws IOException {
        Path target = dir.resolve("out");
        try (AtomicOutput out = open(target, false, hadoop)) {
            write(out, "a.txt", "hello");
            assertFalse(Files.exists(target), "nothing at the output path before commit");
            out.commit();
        }
        assertEquals("hello", Files.readString(target.resolve("a.txt")));
        assertTrue(onlyEntry("out"), "no temporary sibling left");
    }

    @ParameterizedTest(name = "hadoop API = {0}")
    @ValueSource(booleans = {false, true})
    void failureBeforeCommitLeavesNothing(boolean hadoop) {
        Path target = dir.resolve("out");
        assertThrows(IllegalStateException.class, () -> {
            try (AtomicOutput out = open(target, false, hadoop)) {
                write(out, "a.txt", "partial");
                throw new IllegalStateException("solver failed");
            }
        });
        assertFalse(Files.exists(target));
        try (var entries = Files.list(dir)) {
            assertEquals(0, entries.count(), "the temporary directory is deleted");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest(name = "hadoop API = {0}")
    @ValueSource(booleans = {false, true})
    void existingNonEmptyDirectoryIsRefusedWithoutOverwrite(boolean hadoop) throws IOException {
        Path target = dir.resolve("out");
        Files.createDirectories(target);
        Files.writeString(target.resolve("old.txt"), "old");
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> open(target, false, hadoop));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
        assertThrows(InvalidInputException.class,
                () -> AtomicOutput.checkTarget(target.toString(), false, new Configuration()));
        assertEquals("old", Files.readString(target.resolve("old.txt")));
        assertTrue(onlyEntry("out"));
    }

    @ParameterizedTest(name = "hadoop API = {0}")
    @ValueSource(booleans = {false, true})
    void overwriteReplacesTheOldDirectory(boolean hadoop) throws IOException {
        Path target = dir.resolve("out");
        Files.createDirectories(target);
        Files.writeString(target.resolve("old.txt"), "old");
        try (AtomicOutput out = open(target, true, hadoop)) {
            write(out, "new.txt", "new");
            out.commit();
        }
        assertFalse(Files.exists(target.resolve("old.txt")));
        assertEquals("new", Files.readString(target.resolve("new.txt")));
        assertTrue(onlyEntry("out"), "old directory deleted");
    }

    @ParameterizedTest(name = "hadoop API = {0}")
    @ValueSource(booleans = {false, true})
    void failedOverwriteKeepsTheOldDirectory(boolean hadoop) throws IOException {
        Path target = dir.resolve("out");
        Files.createDirectories(target);
        Files.writeString(target.resolve("old.txt"), "old");
        try (AtomicOutput out = open(target, true, hadoop)) {
            write(out, "new.txt", "new");
        }
        assertEquals("old", Files.readString(target.resolve("old.txt")));
        assertTrue(onlyEntry("out"));
    }

    @ParameterizedTest(name = "hadoop API = {0}")
    @ValueSource(booleans = {false, true})
    void emptyExistingDirectoryIsReplaced(boolean hadoop) throws IOException {
        Path target = dir.resolve("out");
        Files.createDirectories(target);
        try (AtomicOutput out = open(target, false, hadoop)) {
            write(out, "a.txt", "x");
            out.commit();
        }
        assertTrue(Files.exists(target.resolve("a.txt")));
    }

    @ParameterizedTest(name = "hadoop API = {0}")
    @ValueSource(booleans = {false, true})
    void existingFileIsRefusedEvenWithOverwrite(boolean hadoop) throws IOException {
        Path target = dir.resolve("out");
        Files.writeString(target, "a file");
        assertThrows(InvalidInputException.class, () -> open(target, true, hadoop));
        assertEquals("a file", Files.readString(target));
    }

    @ParameterizedTest(name = "hadoop API = {0}")
    @ValueSource(booleans = {false, true})
    void missingParentsAreCreated(boolean hadoop) throws IOException {
        Path target = dir.resolve("a/b/out");
        try (AtomicOutput out = open(target, false, hadoop)) {
            write(out, "x.txt", "x");
            out.commit();
        }
        assertTrue(Files.exists(target.resolve("x.txt")));
    }
}
