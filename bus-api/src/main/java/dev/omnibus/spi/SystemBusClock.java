package dev.omnibus.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The wall-clock {@link BusClock}: timers run on one daemon thread, {@code omnibus-timer}, shared
 * by every bus of the JVM. The thread exists only while it is needed: it starts with the first
 * timer, and ends when the last bus using the clock has {@linkplain #release() released} it (timers
 * still pending then, which a stopped bus has cancelled, still run first). Timers set without a
 * retaining bus also end their thread, once it has been idle for {@link #IDLE_TIMEOUT}.
 *
 * <p>Timer tasks must not block: they share the one thread. Thread-safe.
 */
final class SystemBusClock implements BusClock {
    static final SystemBusClock INSTANCE = new SystemBusClock();

    /** How long an idle timer thread waits for work before it ends. */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(10);

    private final Object lock = new Object();
    private volatile ScheduledThreadPoolExecutor timer; // written under lock
    private int users; // guarded by lock

    private SystemBusClock() {
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public void sleep(Duration duration) throws InterruptedException {
        if (!duration.isNegative() && !duration.isZero()) {
            TimeUnit.NANOSECONDS.sleep(duration.toNanos());
        }
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        long nanos = Math.max(0, delay.toNanos());
        ScheduledThreadPoolExecutor t = timer;
        if (t != null) {
            try {
                ScheduledFuture<?> f = t.schedule(task, nanos, TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            } catch (RejectedExecutionException e) {
                // released just now: take a new timer below
            }
        }
        synchronized (lock) {
            ScheduledFuture<?> f = timer().schedule(task, nanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    }

    @Override
    public boolean ownsTimerThread() {
        return true;
    }

    @Override
    public void retain() {
        synchronized (lock) {
            users++;
        }
    }

    @Override
    public void release() {
        synchronized (lock) {
            if (users == 0) {
                throw new IllegalStateException("SystemBusClock released more often than retained");
            }
            if (--users == 0 && timer != null) {
                timer.shutdown(); // pending timers still run, then the thread ends
                timer = null;
            }
        }
    }

    private ScheduledThreadPoolExecutor timer() {
        ScheduledThreadPoolExecutor t = timer;
        if (t == null) {
            t = new ScheduledThreadPoolExecutor(1, r -> {
                Thread thread = new Thread(r, "omnibus-timer");
                thread.setDaemon(true);
                return thread;
            });
            t.setRemoveOnCancelPolicy(true);
            t.setKeepAliveTime(IDLE_TIMEOUT.toNanos(), TimeUnit.NANOSECONDS);
            t.allowCoreThreadTimeOut(true);
            timer = t;
        }
        return t;
    }
}
