package dev.omnibus.testing;

import dev.omnibus.testing.HarnessEvent.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The assertions of {@link TestHarness}, the same in both of its modes: in the deterministic mode
 * each first runs the simulation until idle, then checks once; in the threaded mode each polls the
 * recorded events until its condition holds or the timeout passes.
 */
abstract class HarnessAssertions {
    HarnessAssertions() {
    }

    /** Every event so far, in order. */
    public abstract List<HarnessEvent> events();

    /** Runs (deterministic) or waits (threaded) until the bus is idle; false when it is not within the timeout. */
    public abstract boolean runUntilIdle();

    abstract boolean simulated();

    abstract Duration timeout();

    abstract AssertionError failure(String expected);

    /** Messages of {@code type} (or a subtype) seen with {@code kind} so far. */
    public <T> List<T> messages(Kind kind, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (HarnessEvent e : events()) {
            if (e.kind() == kind && type.isInstance(e.message())) {
                out.add(type.cast(e.message()));
            }
        }
        return out;
    }


    /** Asserts a message of {@code type} was published; returns the first. */
    public <T> T assertPublished(Class<T> type) {
        return assertPublished(type, m -> true);
    }

    /** Asserts a message of {@code type} matching {@code match} was published; returns the first. */
    public <T> T assertPublished(Class<T> type, Predicate<? super T> match) {
        return expect("a " + type.getSimpleName() + " published", Kind.PUBLISHED, type, match, null, null);
    }

    /** Asserts a message of {@code type} was sent; returns the first. */
    public <T> T assertSent(Class<T> type) {
        return assertSent(type, m -> true);
    }

    public <T> T assertSent(Class<T> type, Predicate<? super T> match) {
        return expect("a " + type.getSimpleName() + " sent", Kind.SENT, type, match, null, null);
    }

    /** Asserts a message of {@code type} was consumed (by any consumer); returns the first. */
    public <T> T assertConsumed(Class<T> type) {
        return assertConsumed(type, m -> true);
    }

    public <T> T assertConsumed(Class<T> type, Predicate<? super T> match) {
        return expect("a " + type.getSimpleName() + " consumed", Kind.CONSUMED, type, match, null, null);
    }

    /** Asserts a message of {@code type} was consumed by a consumer of class {@code consumer}. */
    public <T> T assertConsumed(Class<T> type, Class<?> consumer) {
        return expect("a " + type.getSimpleName() + " consumed by " + consumer.getSimpleName(), Kind.CONSUMED, type,
                m -> true, consumer.getName(), null);
    }

    /** Asserts a message of {@code type} ended in an error queue after a consumer threw {@code exception}. */
    public <T> T assertFaulted(Class<T> type, Class<? extends Throwable> exception) {
        expect("a " + type.getSimpleName() + " failing with " + exception.getSimpleName(), Kind.CONSUME_FAILED, type,
                m -> true, null, exception);
        return expect("a " + type.getSimpleName() + " moved to an error queue", Kind.FAULTED, type, m -> true, null, null);
    }

    /**
     * Asserts a message of {@code type} ended in a skipped queue (no consumer on its endpoint, or a type
     * the bus does not know). A skipped message is often never bound (the bus may not even know its
     * type), so it is recognised by the type list of its envelope ({@code urn:message:…} of {@code type});
     * returns it when the bus bound it, else null.
     */
    public <T> T assertSkipped(Class<T> type) {
        String urn = dev.omnibus.MessageTypeRegistry.urnOf(type);
        HarnessEvent e = expectEvent("a " + type.getSimpleName() + " skipped", ev -> ev.kind() == Kind.SKIPPED
                && (type.isInstance(ev.message()) || ev.envelope() != null && ev.envelope().messageType().contains(urn)));
        return type.isInstance(e.message()) ? type.cast(e.message()) : null;
    }

    /** Waits until the bus is idle, then asserts that no message of {@code type} was published. */
    public void assertNotPublished(Class<?> type) {
        assertIdle();
        List<?> found = messages(Kind.PUBLISHED, type);
        if (!found.isEmpty()) {
            throw failure("no " + type.getSimpleName() + " published, but found " + found.size());
        }
    }

    /** Asserts the bus becomes idle: no message in flight or waiting in a consumed queue. */
    public void assertIdle() {
        if (!runUntilIdle()) {
            throw failure("the bus idle within " + timeout());
        }
    }

    private <T> T expect(String what, Kind kind, Class<T> type, Predicate<? super T> match, String consumer,
            Class<? extends Throwable> error) {
        return type.cast(expectEvent(what, e -> e.kind() == kind && type.isInstance(e.message())
                && match.test(type.cast(e.message()))
                && (consumer == null || consumer.equals(e.consumer()))
                && (error == null || error.isInstance(e.error()))).message());
    }

    /** The first recorded event that matches: once the simulation is idle, or within the timeout (threaded). */
    private HarnessEvent expectEvent(String what, Predicate<HarnessEvent> match) {
        long deadline = System.nanoTime() + timeout().toNanos();
        while (true) {
            if (simulated()) {
                runUntilIdle();
            }
            for (HarnessEvent e : events()) {
                if (match.test(e)) {
                    return e;
                }
            }
            if (simulated() || System.nanoTime() > deadline) {
                throw failure(what + (simulated() ? " (the simulation ran until idle)" : " within " + timeout()));
            }
            pause();
        }
    }

    static void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(2); // polling interval of a deadline wait, not synchronization
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
