package org.chreode.jobs.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.chreode.kernels.common.InvalidInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An output directory written atomically (CONTRACT.md "Output directory": on failure nothing is left at the output
 * path). Everything goes to a temporary sibling {@code <out>.tmp-<random>}; {@link #commit()} renames it to the
 * final path, and {@link #close()} without a commit deletes it.
 *
 * <p>An existing non-empty output directory is refused unless {@code overwrite}; then it is replaced by renaming it
 * to {@code <out>.old-<random>}, renaming the new directory in and deleting the old one (restored if the second
 * rename fails). An existing empty directory is replaced silently; an existing regular file is always refused.
 *
 * <p>Plain paths and {@code file:} URIs use {@code java.nio}; other schemes ({@code hdfs://}, {@code s3a://}, ...)
 * go through the Hadoop {@link FileSystem} API, whose rename is atomic on HDFS.
 *
 * <pre>{@code
 * try (AtomicOutput out = AtomicOutput.open(path, overwrite, hadoopConf)) {
 *     try (OutputStream s = out.create("cells.csv")) { ... }
 *     df.write().parquet(out.resolve("cells.parquet"));
 *     out.commit();
 * }
 * }</pre>
 */
public final class AtomicOutput implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AtomicOutput.class);

    private final Store store;
    private final String target;
    private final String temp;
    private final boolean overwrite;
    private boolean committed;
    private boolean closed;

    private AtomicOutput(Store store, String target, boolean overwrite) {
        this.store = store;
        this.target = target;
        this.overwrite = overwrite;
        this.temp = target + ".tmp-" + shortRandom();
    }

    /**
     * Checks that {@code output} may be written (before any expensive work) without creating anything.
     *
     * @throws InvalidInputException if it exists and is a file, or a non-empty directory without {@code overwrite}
     */
    public static void checkTarget(String output, boolean overwrite, Configuration conf) {
        Store store = storeFor(output, conf, false);
        checkTarget(store, store.normalize(output), overwrite);
    }

    /** Opens a new temporary output directory beside {@code output}. */
    public static AtomicOutput open(String output, boolean overwrite, Configuration conf) {
        return open(output, overwrite, conf, false);
    }

    /** As {@link #open(String, boolean, Configuration)}; {@code forceHadoop} uses the Hadoop API on local paths too. */
    static AtomicOutput open(String output, boolean overwrite, Configuration conf, boolean forceHadoop) {
        Store store = storeFor(output, conf, forceHadoop);
        String target = store.normalize(output);
        checkTarget(store, target, overwrite);
        AtomicOutput out = new AtomicOutput(store, target, overwrite);
        try {
            store.mkdirs(out.temp);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the output directory " + out.temp + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static void checkTarget(Store store, String target, boolean overwrite) {
        try {
            if (!store.exists(target)) {
                return;
            }
            if (!store.isDirectory(target)) {
                throw new InvalidInputException("Output path '" + target + "' exists and is a file; choose another"
                        + " --output.");
            }
            if (!overwrite && !store.isEmptyDirectory(target)) {
                throw new InvalidInputException("Output directory '" + target + "' exists and is not empty; choose"
                        + " another --output or add --overwrite to replace it.");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot inspect output path " + target + ": " + e.getMessage(), e);
        }
    }

    /** The final output path (normalised: absolute for local paths). */
    public String path() {
        return target;
    }

    /** The temporary directory everything is written to until {@link #commit()}. */
    public String tempPath() {
        return temp;
    }

    /** {@code name} inside the temporary directory, as a path string Spark writers accept. */
    public String resolve(String name) {
        return store.child(temp, name);
    }

    /** Creates the file {@code name} inside the temporary directory. */
    public OutputStream create(String name) throws IOException {
        requireOpen();
        return store.create(store.child(temp, name));
    }

    /** Moves the temporary directory to the output path. */
    public void commit() {
        requireOpen();
        try {
            if (store.exists(target)) {
                if (!store.isDirectory(target)) {
                    throw new InvalidInputException("Output path '" + target + "' exists and is a file.");
                }
                if (store.isEmptyDirectory(target)) {
                    store.deleteRecursively(target);
                } else if (!overwrite) {
                    throw new InvalidInputException("Output directory '" + target + "' appeared while the job ran"
                            + " and is not empty; add --overwrite to replace it.");
                } else {
                    String old = target + ".old-" + shortRandom();
                    store.rename(target, old);
                    try {
                        store.rename(temp, target);
                    } catch (IOException e) {
                        store.rename(old, target);
                        throw e;
                    }
                    committed = true;
                    deleteQuietly(old);
                    return;
                }
            }
            store.rename(temp, target);
            committed = true;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot move the finished output to " + target + ": " + e.getMessage(), e);
        }
    }

    public boolean committed() {
        return committed;
    }

    /** Deletes the temporary directory unless committed. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!committed) {
            deleteQuietly(temp);
        }
    }

    private void requireOpen() {
        if (closed || committed) {
            throw new IllegalStateException("output " + target + " is already " + (committed ? "committed" : "closed"));
        }
    }

    private void deleteQuietly(String path) {
        try {
            store.deleteRecursively(path);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete {}: {}", path, e.getMessage());
        }
    }

    private static String shortRandom() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    static boolean isLocal(String path) {
        try {
            String scheme = new URI(path).getScheme();
            // One-letter schemes are Windows drive letters.
            return scheme == null || scheme.equalsIgnoreCase("file") || scheme.length() == 1;
        } catch (URISyntaxException e) {
            return true;
        }
    }

    private static Store storeFor(String output, Configuration conf, boolean forceHadoop) {
        if (isLocal(output) && !forceHadoop) {
            return new LocalStore();
        }
        return new HadoopStore(conf == null ? new Configuration() : conf);
    }

    /** The few file-system operations needed here. */
    private interface Store {
        String normalize(String path);

        String child(String dir, String name);

        boolean exists(String path) throws IOException;

        boolean isDirectory(String path) throws IOException;

        boolean isEmptyDirectory(String path) throws IOException;

        void mkdirs(String path) throws IOException;

        void rename(String from, String to) throws IOException;

        void deleteRecursively(String path) throws IOException;

        OutputStream create(String path) throws IOException;
    }

    private static final class LocalStore implements Store {
        private static java.nio.file.Path p(String path) {
            return path.startsWith("file:") ? Paths.get(URI.create(path)) : Paths.get(path);
        }

        @Override
        public String normalize(String path) {
            return p(path).toAbsolutePath().normalize().toString();
        }

        @Override
        public String child(String dir, String name) {
            return p(dir).resolve(name).toString();
        }

        @Override
        public boolean exists(String path) {
            return Files.exists(p(path), LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public boolean isDirectory(String path) {
            return Files.isDirectory(p(path));
        }

        @Override
        public boolean isEmptyDirectory(String path) throws IOException {
            try (Stream<java.nio.file.Path> entries = Files.list(p(path))) {
                return entries.findAny().isEmpty();
            }
        }

        @Override
        public void mkdirs(String path) throws IOException {
            Files.createDirectories(p(path));
        }

        @Override
        public void rename(String from, String to) throws IOException {
            Files.move(p(from), p(to), StandardCopyOption.ATOMIC_MOVE);
        }

        @Override
        public void deleteRecursively(String path) throws IOException {
            java.nio.file.Path root = p(path);
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(java.nio.file.Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(java.nio.file.Path dir, IOException e) throws IOException {
                    if (e != null) {
                        throw e;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        }

        @Override
        public OutputStream create(String path) throws IOException {
            java.nio.file.Path parent = p(path).getParent();
            if (parent != null) {
                Files.createDirectories(parent); // names such as "transitions/a_b.csv" (Hadoop creates parents too)
            }
            return Files.newOutputStream(p(path));
        }
    }

    private static final class HadoopStore implements Store {
        private final Configuration conf;

        HadoopStore(Configuration conf) {
            this.conf = conf;
        }

        private FileSystem fs(Path path) throws IOException {
            return path.getFileSystem(conf);
        }

        @Override
        public String normalize(String path) {
            try {
                Path p = new Path(path);
                return fs(p).makeQualified(p).toString();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot resolve output path " + path + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String child(String dir, String name) {
            return new Path(new Path(dir), name).toString();
        }

        @Override
        public boolean exists(String path) throws IOException {
            Path p = new Path(path);
            return fs(p).exists(p);
        }

        @Override
        public boolean isDirectory(String path) throws IOException {
            Path p = new Path(path);
            return fs(p).getFileStatus(p).isDirectory();
        }

        @Override
        public boolean isEmptyDirectory(String path) throws IOException {
            Path p = new Path(path);
            return fs(p).listStatus(p).length == 0;
        }

        @Override
        public void mkdirs(String path) throws IOException {
            Path p = new Path(path);
            if (!fs(p).mkdirs(p)) {
                throw new IOException("mkdirs returned false for " + path);
            }
        }

        @Override
        public void rename(String from, String to) throws IOException {
            Path f = new Path(from);
            if (!fs(f).rename(f, new Path(to))) {
                throw new IOException("rename " + from + " -> " + to + " returned false");
            }
        }

        @Override
        public void deleteRecursively(String path) throws IOException {
            Path p = new Path(path);
            FileSystem fs = fs(p);
            if (fs.exists(p)) {
                fs.delete(p, true);
            }
        }

        @Override
        public OutputStream create(String path) throws IOException {
            Path p = new Path(path);
            return fs(p).create(p, false);
        }
    }
}
