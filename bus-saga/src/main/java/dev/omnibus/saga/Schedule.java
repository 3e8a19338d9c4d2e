package dev.omnibus.saga;

import java.time.Duration;
import java.util.Objects;

/**
 * A timeout a saga instance can set and clear: {@code schedule(...)} in an activity sends a message
 * to the saga's own endpoint after {@link #delay()} through the bus's {@link dev.omnibus.spi.Scheduler}
 * (so it runs on virtual time in the test harness); when it arrives, {@link #received()} is raised.
 * {@code unschedule(...)} clears it, and so does scheduling it again: an instance holds at most one
 * pending message per schedule, and a message that arrives after it was cleared or replaced is
 * dropped (recognised by its message id, kept in the instance).
 *
 * @param <M> the timeout message type
 */
public final class Schedule<M> {
    private final String name;
    private final Duration delay;
    private final Event<M> received;

    Schedule(String name, Duration delay, Event<M> received) {
        this.name = Objects.requireNonNull(name, "name");
        this.delay = Objects.requireNonNull(delay, "delay");
        this.received = Objects.requireNonNull(received, "received");
    }

    /** The schedule's name (kept in the instance with the pending message's id). */
    public String name() {
        return name;
    }

    /** How long after scheduling the message arrives. */
    public Duration delay() {
        return delay;
    }

    /** The event raised when the scheduled message arrives. */
    public Event<M> received() {
        return received;
    }

    @Override
    public String toString() {
        return name;
    }
}
