package dev.omnibus.internal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs tasks on a fixed number of threads, keeping tasks with the same key in submission order
 * (one at a time per key) while tasks with other keys, or none, run in parallel. Each key with
 * work has a small mailbox, as an actor has; the mailbox leaves the map when it runs empty, so
 * memory follows the keys in flight, not every key ever seen. A slow task delays only its own
 * key.
 *
 * <p>With one thread there is nothing to run in parallel, so keys are ignored and every task goes
 * to the pool's one ordered queue: tasks run strictly first in, first out across keys (mailboxes
 * would drain one key before the next). Memory is then the tasks waiting, as with mailboxes; the
 * caller bounds those (an endpoint's prefetch).
 *
 * <p>Thread-safe. A task's {@link RuntimeException} goes to the worker's uncaught-exception
 * handler and never stalls its key.
 */
final class PartitionedExecutor implements dev.omnibus.spi.Interleaving.Workers {
    /** The executor each worker thread belongs to. */
    private static final ThreadLocal<PartitionedExecutor> OWNER = new ThreadLocal<>();

    private final ThreadPoolExecutor pool;
    private final ConcurrentHashMap<Object, Mailbox> mailboxes = new ConcurrentHashMap<>();
    private final boolean serial;

    PartitionedExecutor(String name, int threads) {
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new TaskQueue(), r -> {
            Thread t = new Thread(() -> {
                OWNER.set(this);
                r.run();
            }, "omnibus-" + name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.serial = threads == 1;
    }

    /**
     * Runs {@code task} after every earlier task of {@code key} (in parallel with others when key is null).
     *
     * @throws RejectedExecutionException after {@link #shutdownNow}
     */
    @Override
    public void execute(Object key, Runnable task) {
        if (key == null || serial) { // one thread: the pool's queue is already one order for every key
            pool.execute(task);
            return;
        }
        boolean[] schedule = new boolean[1];
        Mailbox box = mailboxes.compute(key, (k, existing) -> {
            Mailbox m = existing != null ? existing : new Mailbox(k);
            m.tasks.add(task);
            if (!m.scheduled) {
                m.scheduled = true;
                schedule[0] = true;
            }
            return m;
        });
        if (schedule[0]) {
            pool.execute(box);
        }
    }

    /**
     * A snapshot of the tasks submitted and not yet started (in the pool's queue and in the mailboxes), in
     * no particular order across keys; they stay queued. Weakly consistent: a task starting meanwhile may
     * or may not be in it. For a stop or a revocation, which then claim what they find.
     */
    @Override
    public java.util.List<Runnable> waiting() {
        java.util.List<Runnable> out = new java.util.ArrayList<>();
        for (Runnable r : pool.getQueue()) {
            if (!(r instanceof Mailbox)) {
                out.add(r);
            }
        }
        for (Object key : mailboxes.keySet()) {
            mailboxes.computeIfPresent(key, (k, m) -> { // under the key's lock, as every change of its tasks
                out.addAll(m.tasks);
                return m;
            });
        }
        return out;
    }

    /** Whether it has one thread, so every task runs in submission order and keys are ignored. */
    boolean serial() {
        return serial;
    }

    /** Whether the calling thread is one of this executor's workers (a task calling back into its owner). */
    @Override
    public boolean isWorkerThread() {
        return OWNER.get() == this;
    }

    /** Interrupts running tasks and drops the rest. */
    @Override
    public void shutdownNow() {
        pool.shutdownNow();
        mailboxes.clear();
    }

    /** Waits for the threads to end after {@link #shutdownNow}. */
    @Override
    public boolean awaitTermination(long millis) throws InterruptedException {
        return pool.awaitTermination(millis, TimeUnit.MILLISECONDS);
    }

    private final class Mailbox implements TaskQueue.Linked {
        private final Object key;
        private TaskQueue.Linked nextTask; // the pool queue's link
        private final Queue<Runnable> tasks = new ArrayDeque<>(4); // guarded by the map's compute on key
        private boolean scheduled;

        Mailbox(Object key) {
            this.key = key;
        }

        @Override
        public TaskQueue.Linked nextTask() {
            return nextTask;
        }

        @Override
        public void nextTask(TaskQueue.Linked next) {
            nextTask = next;
        }

        @Override
        public void run() {
            while (true) {
                Runnable next = take();
                if (next == null) {
                    return;
                }
                try {
                    next.run();
                } catch (RuntimeException e) {
                    // tasks handle their own failures; never let one stall its key
                    Thread t = Thread.currentThread();
                    t.getUncaughtExceptionHandler().uncaughtException(t, e);
                }
            }
        }

        /** The next task, or null after removing the empty mailbox (atomically with any concurrent add). */
        private Runnable take() {
            Runnable[] out = new Runnable[1];
            mailboxes.computeIfPresent(key, (k, m) -> {
                out[0] = m.tasks.poll();
                if (out[0] == null) {
                    m.scheduled = false;
                    return null;
                }
                return m;
            });
            return out[0];
        }
    }
}
