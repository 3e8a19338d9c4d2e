package dev.omnibus.spi;

import dev.omnibus.Address;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Envelope;

/**
 * Watches what a bus does: every message it produces, every consumer call and its outcome, every
 * message that ends in an error or skipped queue. Test harnesses record with it; metrics and audit
 * logs can too. Add one with {@code BusBuilder.observer(...)}.
 *
 * <p>Methods are called synchronously on the thread doing the work (a producer's thread, an
 * endpoint thread), so keep them quick and thread-safe. An exception thrown by an observer is
 * logged and otherwise ignored: observing never changes what the bus does.
 */
public interface BusObserver {
    /**
     * A message was handed to the transport, or to the scheduler when delayed.
     *
     * @param envelope    its envelope
     * @param message     the message
     * @param destination where it was sent, or null when published
     */
    default void produced(Envelope envelope, Object message, Address destination) {
    }

    /**
     * As {@link #produced(Envelope, Object, Address)}, with the envelope of the consumed message whose
     * consumer produced it ({@code cause}), or null when it was produced outside a consumer. The
     * envelope's {@code initiatorId} is the cause's correlation id (MassTransit's rule), so this is the
     * way to link a message to the one that caused it. The bus calls this one; the default calls the
     * three-argument method.
     */
    default void produced(Envelope envelope, Object message, Address destination, Envelope cause) {
        produced(envelope, message, destination);
    }

    /** {@code consumer} returned normally for the message of {@code context}. */
    default void consumed(ConsumeContext<?> context, String consumer) {
    }

    /** {@code consumer} threw; retry or redelivery may follow. */
    default void consumeFailed(ConsumeContext<?> context, String consumer, Throwable error) {
    }

    /**
     * A message ended in {@code <endpoint>_error} or {@code <endpoint>_skipped}.
     *
     * @param endpoint the endpoint
     * @param queue    which of the two
     * @param envelope its envelope, or null when the body could not be read
     * @param message  the message, or null when it could not be bound
     * @param reason   why, in words
     */
    default void deadLettered(String endpoint, Delivery.DeadLetterQueue queue, Envelope envelope, Object message,
            String reason) {
    }

    /**
     * A message reached {@code endpoint} after its {@code expirationTime}: it was acknowledged without
     * being consumed (and logged at INFO).
     */
    default void expired(String endpoint, Envelope envelope) {
    }

    /**
     * The broker could not take a settlement ({@code "ack"}, {@code "requeue"}, {@code "move to
     * orders_error"}): the message will be delivered again. Also logged at WARN.
     *
     * @param envelope the message's envelope, or null when it could not be read
     */
    default void settlementFailed(String endpoint, Envelope envelope, String settlement, Throwable error) {
    }
}
