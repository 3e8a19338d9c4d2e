package dev.omnibus.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the futures a bus hands to application code complete. A transport may complete its
 * futures on an I/O thread (RabbitMQ delivers every publisher confirm of a connection on one
 * thread), and a response arrives on the response queue's receive thread; a continuation that
 * runs there and waits for another of the bus's futures waits for the very thread it holds. So a
 * future that is not yet complete when the bus returns it completes on a thread of this bus
 * instead. One already complete is returned as it is: the in-memory transport confirms before it
 * returns, and its hot path gets no thread hop.
 *
 * <h2>Threads</h2>
 * A {@link ForkJoinPool} created on first use, threads named {@code omnibus-<bus>-callback-N}: a
 * continuation that blocks on another {@link CompletableFuture} (with {@code join} or
 * {@code get}) is compensated with a spare thread, so chains of continuations that wait for each
 * other cannot run out of threads. Idle threads end after a while, and all of them end at
 * {@link #shutdown} (at the bus's stop), after what was handed over before it has run. After
 * shutdown, futures complete on the thread that completed the transport's future.
 *
 * <p>Thread-safe. Never throws; a continuation's exception stays in its own future.
 */
final class Completions {
    private static final int PARALLELISM = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private final String busName;
    private final AtomicInteger threads = new AtomicInteger();
    private volatile ForkJoinPool pool; // created on first use, under this
    private volatile boolean shutdown;
    /** Under a simulation's control every completion runs in place, on the thread the simulation lets run. */
    private final boolean inPlace;

    Completions(String busName, boolean inPlace) {
        this.busName = busName;
        this.inPlace = inPlace;
    }

    /**
     * {@code future} itself when it is complete already; otherwise a future that completes as it
     * does, on one of this bus's threads.
     */
    <T> CompletableFuture<T> detach(CompletableFuture<T> future) {
        if (future.isDone() || inPlace) {
            return future;
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        future.whenComplete((value, error) -> execute(() -> {
            if (error != null) {
                out.completeExceptionally(error);
            } else {
                out.complete(value);
            }
        }));
        return out;
    }

    /** Runs {@code task} on one of this bus's threads (on the caller's after {@link #shutdown}). */
    void execute(Runnable task) {
        ForkJoinPool p = inPlace ? null : pool();
        if (p == null) {
            task.run();
            return;
        }
        try {
            p.execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // shut down meanwhile
        }
    }

    /** Lets what was handed over run, then ends the threads; later completions run on the completing thread. */
    void shutdown() {
        synchronized (this) {
            shutdown = true;
            if (pool != null) {
                pool.shutdown();
            }
        }
    }

    private ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p != null || shutdown) {
            return p;
        }
        synchronized (this) {
            if (pool == null && !shutdown) {
                pool = new ForkJoinPool(PARALLELISM, fj -> {
                    ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(fj);
                    t.setName("omnibus-" + busName + "-callback-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, null, true, 0, PARALLELISM + 256, 1, null, 30, TimeUnit.SECONDS);
            }
            return pool;
        }
    }
}
