package dev.omnibus.testing;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Waits for a condition with a deadline, by polling: the one way Omnibus tests wait for something
 * that happens on another thread. A test never sleeps to let time pass; it states what it waits
 * for, and how long that may take at most.
 *
 * <pre>{@code
 * Await await = Await.atMost(Duration.ofSeconds(20));
 * await.until("3 orders consumed", () -> consumed.size() >= 3);
 * Order last = await.until("the last order", () -> consumed.peekLast(), o -> o != null && o.paid());
 * await.untilAsserted("every id consumed once", () -> assertThat(counts).allSatisfy((id, n) -> assertThat(n).hasValue(1)));
 * await.done("the request is answered", future);
 * }</pre>
 *
 * <h2>Behaviour</h2>
 * The condition is checked at once, then every {@linkplain #pollingEvery poll interval} (default
 * 5 ms) until it holds or the deadline passes. Each method returns as soon as the condition holds,
 * so a generous deadline costs nothing when things work. When the deadline passes the method
 * throws an {@link AssertionError} naming what was awaited, how long, and the last value observed
 * (or, for {@link #untilAsserted}, the last assertion failure, also attached as the cause). An
 * exception other than {@code AssertionError} thrown by a condition ends the wait at once and
 * propagates: a broken condition is a bug in the test, not something to wait out. An interrupt
 * ends the wait with an {@code AssertionError}, and the thread's interrupt flag stays set.
 *
 * <h2>Threading</h2>
 * Instances are immutable and thread-safe; conditions run on the calling thread and must read
 * state that other threads publish safely (atomics, concurrent collections, volatile fields).
 */
public final class Await {
    /** The default poll interval. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(5);

    private static final int MAX_VALUE_TEXT = 2_000;

    private final Duration timeout;
    private final Duration pollInterval;

    private Await(Duration timeout, Duration pollInterval) {
        this.timeout = timeout;
        this.pollInterval = pollInterval;
    }

    /**
     * Waits of at most {@code timeout} each, polling every {@link #DEFAULT_POLL_INTERVAL}.
     *
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public static Await atMost(Duration timeout) {
        return new Await(checkNotNegative(timeout, "timeout"), DEFAULT_POLL_INTERVAL);
    }

    /**
     * A copy polling every {@code interval}.
     *
     * @throws IllegalArgumentException if {@code interval} is not positive
     */
    public Await pollingEvery(Duration interval) {
        if (checkNotNegative(interval, "interval").isZero()) {
            throw new IllegalArgumentException("poll interval must be positive, was " + interval);
        }
        return new Await(timeout, interval);
    }

    /** The longest each wait takes. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Waits until {@code condition} is true.
     *
     * @param description what is awaited, in words ("3 orders consumed"), for the failure message
     * @throws AssertionError if it is still false at the deadline
     */
    public void until(String description, BooleanSupplier condition) {
        Objects.requireNonNull(condition, "condition");
        until(description, condition::getAsBoolean, Boolean.TRUE::equals);
    }

    /**
     * Waits until the value {@code value} supplies satisfies {@code condition}, and returns that value.
     *
     * @param description what is awaited, in words, for the failure message
     * @throws AssertionError if no supplied value satisfied the condition by the deadline; the
     *                        message shows the last value supplied
     */
    public <T> T until(String description, Supplier<? extends T> value, Predicate<? super T> condition) {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(condition, "condition");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T observed = value.get();
            if (condition.test(observed)) {
                return observed;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + description
                        + "; last observed value: " + text(observed));
            }
            pause(description, deadline);
        }
    }

    /**
     * Waits until {@code assertion} runs without throwing an {@link AssertionError}.
     *
     * @param description what is awaited, in words, for the failure message
     * @throws AssertionError if the assertion still fails at the deadline; its last failure is the cause
     */
    public void untilAsserted(String description, Runnable assertion) {
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(assertion, "assertion");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            AssertionError last;
            try {
                assertion.run();
                return;
            } catch (AssertionError e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("Timed out after " + timeout + " waiting for " + description
                        + "; last failure: " + text(last.getMessage()), last);
            }
            pause(description, deadline);
        }
    }

    /**
     * Waits until {@code future} is done (normally, exceptionally or cancelled) and returns it, for
     * the caller to check how it ended.
     *
     * @throws AssertionError if it is not done by the deadline
     */
    public <F extends Future<?>> F done(String description, F future) {
        Objects.requireNonNull(future, "future");
        until(description, future::isDone);
        return future;
    }

    private void pause(String description, long deadline) {
        long left = deadline - System.nanoTime();
        long nanos = Math.max(0, Math.min(pollInterval.toNanos(), left));
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("Interrupted while waiting for " + description, e);
        }
    }

    private static String text(Object value) {
        String s = String.valueOf(value);
        return s.length() <= MAX_VALUE_TEXT ? s : s.substring(0, MAX_VALUE_TEXT) + "… (" + s.length() + " chars)";
    }

    private static Duration checkNotNegative(Duration d, String what) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(what + " must be zero or positive, was " + d);
        }
        return d;
    }
}
