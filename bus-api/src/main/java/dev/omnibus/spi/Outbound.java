package dev.omnibus.spi;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
import java.time.Instant;

/**
 * Where produced messages go instead of the transport: a transactional outbox writes each one as
 * a row of the caller's database transaction. The bus encodes a message exactly as it would for
 * the transport (envelope, serializer, transport headers, partition key, size limit) and then
 * calls one of these methods, so what a delivery service later hands to
 * {@link Transport#publish} / {@link Transport#send} is byte for byte what the bus would have sent.
 *
 * <p>Obtain a producer over an outbound with {@link dev.omnibus.Bus#producer(Outbound)}, or
 * redirect a consume context with {@link ConsumeContexts#redirect}.
 *
 * <h2>Threading and failures</h2>
 * Calls are synchronous and come from the producing thread (an outbound is usually bound to one
 * database connection, so it is used by one thread at a time). A method that cannot store the
 * message throws (any {@link RuntimeException}); the caller's transaction should then roll back.
 * A transport reads only {@link MessageType#urn()} and {@link MessageType#messageTypes()} when it
 * publishes, so an outbound may store those two and rebuild the type later.
 */
public interface Outbound {
    /** Stores a message to publish to the topic of {@code type}. */
    void publish(MessageType type, OutgoingMessage message);

    /** Stores a message to send to {@code destination}. */
    void send(Address destination, OutgoingMessage message);

    /**
     * Stores a response or fault to an address that came from a consumed message: when it leaves it
     * must go through {@link Transport#reply}, which never creates what the address names. The default
     * stores it as a {@link #send} (an outbound that cannot tell them apart relays it as a send).
     */
    default void reply(Address destination, OutgoingMessage message) {
        send(destination, message);
    }

    /**
     * Stores a message to send to {@code destination} at {@code due} (a send with
     * {@link dev.omnibus.SendOptions#delay()}); the message's id is its handle for cancelling.
     */
    void schedule(Instant due, Address destination, OutgoingMessage message);

    /**
     * Withdraws a scheduled message by its message id, as part of the outbound's unit of work (an
     * outbox: in the same transaction, so a message scheduled earlier in it can be withdrawn too).
     * A redirected context's {@code cancelScheduledSend} asks the outbound first, then the bus's
     * scheduler.
     *
     * @return true if a pending message was withdrawn; false (the default) if none was found or
     *         the outbound cannot withdraw messages
     */
    default boolean cancelScheduled(java.util.UUID messageId) {
        return false;
    }
}
