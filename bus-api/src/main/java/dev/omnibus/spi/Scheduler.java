package dev.omnibus.spi;

import dev.omnibus.Address;
import java.time.Instant;
import java.util.UUID;

/**
 * Delivers a message later: scheduled sends and delayed redelivery go through it, so they work on
 * every transport. The in-memory scheduler holds messages in memory and loses them when the bus
 * stops; the outbox module has a durable one.
 *
 * <p>Thread-safe.
 */
public interface Scheduler {
    /** Binds the scheduler to the transport it sends with. Called once by the bus at start. */
    void start(Transport transport, BusClock clock);

    /**
     * Sends {@code message} to {@code destination} at {@code due} (at once when due has passed).
     *
     * @return a token for {@link #cancel}: where the scheduler can, the message's id (its
     *         {@link OutgoingMessage#MESSAGE_ID} header), so that
     *         {@link dev.omnibus.ConsumeContext#cancelScheduledSend} can name it; any other value
     *         when the message has no id or one with that id is pending already
     */
    UUID schedule(Instant due, Address destination, OutgoingMessage message);

    /** Cancels a scheduled message; false if it was already sent, is unknown, or cannot be withdrawn. */
    boolean cancel(UUID token);

    /** Stops; scheduled messages not yet due are dropped (in-memory) or kept (durable). */
    void stop();
}
