package dev.omnibus.internal;

import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Interleaving;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * The {@link Clock} application code reads ({@code Bus.clock()}, {@code ConsumeContext.clock()}): a
 * view of a {@link BusClock} whose every read is the interleaving point {@code "clock"} before it
 * reads the bus clock. The bus's own reads go to the {@link BusClock} directly and are no points:
 * they happen under locks, where a simulated task must not park.
 *
 * <p>Outside a simulation a read costs {@link Interleaving#point}'s one volatile read and the bus
 * clock's {@code now()}; nothing else is allocated. Immutable and thread-safe.
 */
public final class ApplicationClock extends Clock {
    /** The point's name in a simulation's schedule ("resume orders task 2 at clock"). */
    public static final String POINT = "clock";

    private static final ApplicationClock SYSTEM = new ApplicationClock(BusClock.system(), ZoneOffset.UTC);

    private final BusClock clock;
    private final ZoneId zone;

    private ApplicationClock(BusClock clock, ZoneId zone) {
        this.clock = clock;
        this.zone = zone;
    }

    /** A view of {@code clock} in UTC. */
    public static Clock of(BusClock clock) {
        Objects.requireNonNull(clock, "clock");
        return clock == BusClock.system() ? SYSTEM : new ApplicationClock(clock, ZoneOffset.UTC);
    }

    /** The view of the wall clock: what contexts and buses not made by a bus builder answer. */
    public static Clock system() {
        return SYSTEM;
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        Objects.requireNonNull(zone, "zone");
        return zone.equals(this.zone) ? this : new ApplicationClock(clock, zone);
    }

    @Override
    public Instant instant() {
        Interleaving.point(POINT);
        return clock.now();
    }

    @Override
    public long millis() {
        Interleaving.point(POINT);
        return clock.now().toEpochMilli();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApplicationClock other && other.clock == clock && other.zone.equals(zone);
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(clock) * 31 + zone.hashCode();
    }

    @Override
    public String toString() {
        return "ApplicationClock[" + clock + ", " + zone + "]";
    }
}
