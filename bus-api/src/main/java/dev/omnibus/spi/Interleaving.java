package dev.omnibus.spi;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The hook a deterministic simulation uses to run a bus under its control. Not for applications:
 * a test harness implements {@link Control} and hands it to {@code BusBuilder.executionControl};
 * library code (the bus, saga repositories, the inbox) calls {@link #point(String)} where a
 * consumer meets the bus or the outside world, so that the simulation can switch to another
 * delivery there. Each read of the clock application code gets from the bus
 * ({@link dev.omnibus.ConsumeContext#clock()}, {@link dev.omnibus.Bus#clock()}) is the point
 * {@code "clock"}; the bus's own reads of its {@link BusClock} are not points (they happen under
 * locks, where a task must not park).
 *
 * <h2>What the bus does with a control</h2>
 * <ul>
 *   <li>each endpoint's worker executor is the control's {@link Workers} instead of the bus's own
 *       threads, so the control decides which delivery starts and when;</li>
 *   <li>futures handed to application code complete in place, on the thread that completes them,
 *       instead of on the bus's callback pool;</li>
 *   <li>retry and redelivery jitter is drawn from {@link Control#random()};</li>
 *   <li>ids made on a thread the control {@linkplain #bind bound} come from {@link Control#nextIdHigh()} and
 *       {@link Control#nextIdLow()}, not the wall clock and a thread-local random source.</li>
 * </ul>
 *
 * <h2>Cost when no simulation runs</h2>
 * {@link #point(String)} and the id hook cost one volatile read while no control is
 * {@linkplain #activate() active} in the JVM; a bus built without a control allocates nothing
 * more per message.
 *
 * <p>Thread-safe. {@link #point(String)} may throw whatever the control throws to unwind a task it
 * abandons (a simulated crash); callers must not catch {@link Error}s.
 */
public final class Interleaving {
    private static final ThreadLocal<Binding> BOUND = new ThreadLocal<>();
    private static volatile int active;

    private Interleaving() {
    }

    /** What a simulation provides. Implementations are called from the threads they run or bind. */
    public interface Control {
        /**
         * The executor for one endpoint's deliveries (and the tasks the endpoint schedules for itself),
         * replacing the bus's own worker threads.
         *
         * @param endpoint    the endpoint's name
         * @param concurrency how many of its tasks may be in flight at once
         */
        Workers workers(String endpoint, int concurrency);

        /**
         * Called by a task thread bound with a non-null task at an interleaving point; returns when the
         * simulation lets the task go on.
         */
        void point(String what);

        /**
         * Like {@link #point}, for a task that cannot go on until {@code ready} holds (a lock another
         * task holds, a confirm not yet arrived): the simulation resumes it only once {@code ready} is
         * true, and reports a deadlock when no task can go on. {@code ready} is evaluated while every
         * task is parked. The default parks at {@link #point} until it holds.
         */
        default void pointUntil(String what, java.util.function.BooleanSupplier ready) {
            while (!ready.getAsBoolean()) {
                point(what);
            }
        }

        /**
         * Offers to run a component's background loop (an outbox relay) as turns of the simulation
         * instead of a thread: when it returns true, the caller starts no thread, and the simulation
         * calls {@code pass} (one pass of the loop) as one of its steps whenever {@code due} holds,
         * until the bus stops. The default declines.
         *
         * @param name a name for the schedule ("outbox-relay")
         * @param due  whether a pass has work (evaluated by the simulation between steps)
         * @param pass one pass of the loop; it must not block waiting for other tasks
         */
        default boolean adoptBackground(String name, java.util.function.BooleanSupplier due, Runnable pass) {
            return false;
        }

        /** The source of retry and redelivery jitter. Called only from the thread the control lets run. */
        RandomGenerator random();

        /**
         * The 64 high bits of a new version 7 id (time, version, counter), from the simulation's clock
         * and a counter of its own, so ids repeat from run to run.
         */
        long nextIdHigh();

        /** The 64 low bits of a new id (variant and random bits), from a seeded source. */
        long nextIdLow();
    }

    /** An endpoint's executor under a {@link Control}: the same contract as the bus's own. */
    public interface Workers {
        /** Runs {@code task} after every earlier task of {@code key}; tasks of other keys (or null) may interleave. */
        void execute(Object key, Runnable task);

        /** The tasks submitted and not started, which stay queued; a stop claims them. */
        List<Runnable> waiting();

        /** Whether the calling thread runs one of these workers' tasks. */
        boolean isWorkerThread();

        /** Drops the tasks not started and unwinds those in flight. */
        void shutdownNow();

        /** Waits up to {@code millis} until no task runs after {@link #shutdownNow}. */
        boolean awaitTermination(long millis) throws InterruptedException;
    }

    /** What the current thread is bound to. */
    private record Binding(Control control, Object task) {
    }

    /**
     * Counts a control as live: from now on {@link #point} and the id hook look up the current
     * thread's binding. Pair with {@link #deactivate()}.
     */
    public static synchronized void activate() {
        active++;
    }

    /** Ends one {@link #activate()}. */
    public static synchronized void deactivate() {
        if (active > 0) {
            active--;
        }
    }

    /**
     * Binds the calling thread to {@code control}: ids it makes come from the control, and, when
     * {@code task} is not null, its {@link #point} calls go to the control. Null control unbinds.
     */
    public static void bind(Control control, Object task) {
        if (control == null) {
            BOUND.remove();
        } else {
            BOUND.set(new Binding(control, task));
        }
    }

    /** The task the calling thread is bound to, or null. */
    public static Object boundTask() {
        if (active == 0) {
            return null;
        }
        Binding b = BOUND.get();
        return b == null ? null : b.task();
    }

    /**
     * An interleaving point: {@code what} (a short word: "publish", "settle", "saga-load", …) the
     * calling task is about to do. Under a simulation the task may be parked here while others run;
     * otherwise a no-op.
     */
    public static void point(String what) {
        if (active == 0) {
            return;
        }
        Binding b = BOUND.get();
        if (b != null && b.task() != null) {
            b.control().point(what);
        }
    }

    /**
     * Takes {@code lock} the way a simulated task must: under a simulation, a task that finds the
     * lock held by another task (parked at a point while holding it) parks at the point {@code what}
     * and tries again when resumed, instead of blocking the thread the simulation waits for. Without
     * a simulation, {@link java.util.concurrent.locks.Lock#lock()}.
     */
    public static void lock(java.util.concurrent.locks.ReentrantLock lock, String what) {
        if (active == 0 || boundTask() == null) {
            lock.lock();
            return;
        }
        Control c = current();
        while (!lock.tryLock()) {
            c.pointUntil(what, () -> !lock.isLocked());
        }
    }

    /**
     * Before a simulated task blocks on {@code future}: parks at the point {@code what} until it is
     * done, so the simulation can run the step that completes it. Without a simulation, nothing.
     */
    public static void awaitDone(java.util.concurrent.Future<?> future, String what) {
        if (active == 0 || boundTask() == null) {
            return;
        }
        if (!future.isDone()) {
            current().pointUntil(what, future::isDone);
        }
    }

    /** The control the calling thread is bound to, or null (one volatile read when none is active). */
    public static Control current() {
        if (active == 0) {
            return null;
        }
        Binding b = BOUND.get();
        return b == null ? null : b.control();
    }
}
