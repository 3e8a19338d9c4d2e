package dev.omnibus.inmemory;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Broker-wide counters for idle detection: messages taken and not yet settled, and a change count.
 *
 * <p>Both live in one {@code AtomicLong} (the change count in the high 32 bits, the messages in flight in
 * the low 32), so a hand-over and a settlement are one atomic update each of a line the publishing and
 * the consuming threads share, not two. The count in flight never goes below zero (a settlement follows
 * its hand-over), so it never borrows from the change count; the change count wraps at 2<sup>32</sup>,
 * harmless for {@link InMemoryBroker#isIdle}, which only compares two readings a moment apart.
 */
final class Activity {
    private static final long CHANGE = 1L << 32;
    private static final long IN_FLIGHT = 1L;

    private final AtomicLong state = new AtomicLong();

    void changed() {
        state.addAndGet(CHANGE);
    }

    void taken() {
        state.addAndGet(CHANGE + IN_FLIGHT);
    }

    void settled() {
        state.addAndGet(CHANGE - IN_FLIGHT);
    }

    int inFlight() {
        return (int) state.get();
    }

    long version() {
        return state.get() >>> 32;
    }
}
