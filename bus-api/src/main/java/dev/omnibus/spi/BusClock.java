package dev.omnibus.spi;

import java.time.Duration;
import java.time.Instant;

/**
 * The bus's time: what time it is, how to wait, and how to run something later. Retry intervals,
 * request timeouts, the in-memory scheduler and TTLs all read this clock, so a test harness that
 * supplies a virtual clock controls every timer of the bus.
 *
 * <p>Implementations are thread-safe.
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

    /** The wall clock. */
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
