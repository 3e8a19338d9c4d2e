package dev.omnibus.spi;

import dev.omnibus.Address;
import java.time.Instant;
import java.util.UUID;

/**
 * Delivers a message later: scheduled sends and delayed redelivery go through it, so they work on
 * every transport. The bus composes its scheduler from the broker's native delay (up to
 * {@link TransportCapabilities#maxNativeDelay()}), the application's scheduler
 * ({@code BusBuilder.scheduler}, normally the outbox's durable one) and, on the in-memory transport
 * or with {@code BusBuilder.allowInMemoryScheduling()}, the in-memory one.
 *
 * <h2>Life cycle</h2>
 * The bus calls {@link #start} after every endpoint is declared, bound and receiving (so a backlog
 * relayed at start reaches its consumers), and {@link #stop} once the endpoints have stopped taking
 * deliveries and drained, before the receive loops and the transport close.
 *
 * <h2>The cancel contract (the same for every scheduler)</h2>
 * {@link #cancel} returns true only if the message was pending and will now never be delivered; it
 * returns false for an unknown token, for a message already sent, and always on a scheduler that
 * cannot withdraw messages (the broker's native delay where
 * {@link TransportCapabilities#cancellableDelay()} is false). The conformance kit checks it.
 *
 * <p>Thread-safe.
 */
public interface Scheduler {
    /** Binds the scheduler to the transport it sends with. Called once by the bus at start. */
    void start(Transport transport, BusClock clock);

    /**
     * Sends {@code message} to {@code destination} at {@code due} (at once when due has passed). The
     * message's {@link OutgoingMessage#due()} is {@code due} when the bus calls it.
     *
     * @return a token for {@link #cancel}: where the scheduler can, the message's id (its
     *         {@link OutgoingMessage#deduplicationId()}), so that
     *         {@link dev.omnibus.ConsumeContext#cancelScheduledSend} can name it; any other value
     *         when the message has no id or one with that id is pending already
     * @throws RuntimeException when it cannot take the message (the send's future fails with it)
     */
    UUID schedule(Instant due, Address destination, OutgoingMessage message);

    /** Cancels a scheduled message: true only if it was pending and is now never delivered (see above). */
    boolean cancel(UUID token);

    /**
     * Stops. A durable scheduler keeps what is not yet due; the in-memory one sends it at once rather
     * than lose it (a warning says how many).
     */
    void stop();
}
