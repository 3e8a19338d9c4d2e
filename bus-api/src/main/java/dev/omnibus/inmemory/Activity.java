package dev.omnibus.inmemory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Broker-wide counters for idle detection: messages taken and not yet settled, and a change count. */
final class Activity {
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong version = new AtomicLong();

    void changed() {
        version.incrementAndGet();
    }

    void taken() {
        inFlight.incrementAndGet();
        version.incrementAndGet();
    }

    void settled() {
        version.incrementAndGet();
        inFlight.decrementAndGet();
    }

    int inFlight() {
        return inFlight.get();
    }

    long version() {
        return version.get();
    }
}
