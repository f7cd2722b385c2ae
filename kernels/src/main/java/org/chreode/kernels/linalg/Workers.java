package org.chreode.kernels.linalg;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * A fixed number of worker threads for kernel products. {@code threads == 1} runs everything on the caller's thread
 * (the usual case inside a Spark task with one core). Close it when the solve is done.
 */
public final class Workers implements AutoCloseable {

    private final int threads;
    private final ForkJoinPool pool;

    public Workers(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = this.threads == 1 ? null : new ForkJoinPool(this.threads);
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task.accept(chunk)} for chunk = 0 .. chunks-1, in parallel, and waits for all of them. */
    public void forEachChunk(int chunks, IntConsumer task) {
        if (pool == null || chunks == 1) {
            for (int c = 0; c < chunks; c++) {
                task.accept(c);
            }
            return;
        }
        List<Callable<Void>> jobs = new ArrayList<>(chunks);
        for (int c = 0; c < chunks; c++) {
            int chunk = c;
            jobs.add(() -> {
                task.accept(chunk);
                return null;
            });
        }
        try {
            for (Future<Void> f : pool.invokeAll(jobs)) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a kernel product", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
