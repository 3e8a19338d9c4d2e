package dev.omnibus.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time-ordered UUIDs, version 7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter
 * (method 1 of the RFC's monotonicity section) so ids made in one millisecond still sort in
 * creation order within this process, then 62 random bits. Lock-free and thread-safe.
 */
public final class Uuid7 {
    private static final AtomicLong STATE = new AtomicLong();

    private Uuid7() {
    }

    /** A new id, greater than every id this process made before (unless the clock jumps back by more than 4096 ids' worth). */
    public static UUID next() {
        return new UUID(nextHigh(), randomLow());
    }

    // Under a simulation (dev.omnibus.spi.Interleaving) on a thread it bound, ids come from the
    // simulation: its clock, its counter, its seeded random source, so a run's ids repeat.

    /** The high 64 bits of a new id ({@link #next()} without the object): time, version and counter. */
    static long nextHigh() {
        dev.omnibus.spi.Interleaving.Control c = dev.omnibus.spi.Interleaving.current();
        if (c != null) {
            return c.nextIdHigh();
        }
        long now = System.currentTimeMillis() << 12;
        long prev;
        long next;
        do {
            prev = STATE.get();
            next = Math.max(now, prev + 1);
        } while (!STATE.compareAndSet(prev, next));
        long millis = next >>> 12;
        long counter = next & 0xFFF;
        return (millis << 16) | 0x7000L | counter;
    }

    /** The low 64 bits of a new id: the variant and 62 random bits. */
    static long randomLow() {
        dev.omnibus.spi.Interleaving.Control c = dev.omnibus.spi.Interleaving.current();
        if (c != null) {
            return (c.nextIdLow() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        }
        return (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    }

    /** The Unix milliseconds in a version 7 id. */
    public static long timestampOf(UUID id) {
        if (id.version() != 7) {
            throw new IllegalArgumentException("not a version 7 UUID: " + id);
        }
        return id.getMostSignificantBits() >>> 16;
    }
}
