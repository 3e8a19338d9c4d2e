package dev.omnibus;

import java.util.UUID;

/**
 * Publishes and sends messages into something other than the transport, synchronously: the
 * producer that {@link Bus#producer(dev.omnibus.spi.Outbound)} returns, for example the
 * publisher a transactional outbox hands to the code running in a database transaction.
 * Messages are encoded exactly as {@link Bus#publish} and {@link Bus#send} encode them; a
 * {@link SendOptions#delay()} makes a send scheduled.
 *
 * <p>Each method returns when the outbound has stored the message, with the message's id (for a
 * delayed send it is also the handle to cancel it with, where the outbound supports that). It
 * throws {@link SerializationException} when the message cannot be written, and whatever the
 * outbound throws when it cannot store it. Thread-safety is the outbound's: a publisher bound to
 * one database connection is used by one thread at a time.
 */
public interface MessagePublisher {
    /** Publishes {@code message} to every endpoint that consumes its type or one of its interfaces. */
    default UUID publish(Object message) {
        return publish(message, SendOptions.defaults());
    }

    /** Publishes with options; a delay is not allowed on a publish (use {@link #send}). */
    UUID publish(Object message, SendOptions options);

    /** Sends {@code message} to one endpoint. */
    default UUID send(Address destination, Object message) {
        return send(destination, message, SendOptions.defaults());
    }

    /** Sends with options; with a delay, the message is scheduled for then. */
    UUID send(Address destination, Object message, SendOptions options);
}
