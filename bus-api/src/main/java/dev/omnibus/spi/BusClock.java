package dev.omnibus.spi;

import java.time.Duration;
import java.time.Instant;

/**
 * The bus's time: what time it is, how to wait, and how to run something later. Retry intervals,
 * request timeouts, the in-memory scheduler and TTLs all read this clock, so a test harness that
 * supplies a virtual clock controls every timer of the bus.
 *
 * <p>Implementations are thread-safe. {@link #schedule} runs tasks on a thread the clock owns (or,
 * for a test clock, on the thread that moves time); a task must not block, since it may hold up
 * every other timer. A task that throws is not run again;
 * a task should catch and log its own failures.
 */
public interface BusClock {
    /** The current instant. */
    Instant now();

    /**
     * Blocks the calling thread for {@code duration} of this clock's time.
     *
     * @throws InterruptedException if interrupted while waiting (for example on a forced stop)
     */
    void sleep(Duration duration) throws InterruptedException;

    /**
     * Runs {@code task} once after {@code delay}, on a thread of the clock's choosing.
     *
     * @return a handle that cancels the task if it has not run yet
     */
    Cancellable schedule(Duration delay, Runnable task);

    /**
     * Whether {@link #schedule} runs tasks on a timer thread of the clock's own that all its timers
     * share (the system clock does). Then a task must not block, so the bus hands work that may
     * block (a scheduled send into a full queue) to a thread of its own. False (the default) for a
     * clock that runs tasks on the thread that moves its time, as a test's virtual clock does: the
     * bus then does such work in place, so a timer's effects are complete when the clock has moved.
     * A clock with a timer thread of its own should return true.
     */
    default boolean ownsTimerThread() {
        return false;
    }

    /**
     * Says that a bus starts using this clock; a bus calls it once when it starts and calls
     * {@link #release()} once when it has stopped. A clock that owns threads keeps them only
     * between the first retain and the last release, so no thread outlives the buses that use
     * it. Default: nothing (a clock without threads of its own, a test's virtual clock).
     */
    default void retain() {
    }

    /**
     * Says that a bus that {@linkplain #retain() retained} this clock has stopped and has
     * cancelled its timers. Default: nothing.
     */
    default void release() {
    }

    /**
     * The wall clock. Its timers run on one daemon thread shared by every bus of the JVM, started
     * with the first timer and ended when the last bus using it stopped; timer tasks must not block.
     */
    static BusClock system() {
        return SystemBusClock.INSTANCE;
    }

    /** Something that can be cancelled. */
    @FunctionalInterface
    interface Cancellable {
        /** Cancels; returns false if it already ran or was cancelled. */
        boolean cancel();
    }
}
