package dev.omnibus;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A message being consumed, with its envelope, and the way to produce messages from it.
 * Messages produced through the context carry the flow forward: the same correlationId (unless
 * set in {@link SendOptions}) and conversationId, initiatorId set to this message's id, and this
 * message's application headers (those not starting with {@code MT-}).
 *
 * <p>A context belongs to one delivery and one thread; do not keep it after the consumer returns.
 * Its futures complete as {@link Bus}'s do: on the calling thread when the transport has the
 * message before they are returned, else on one of the bus's threads, never a transport's.
 *
 * @param <T> the message type
 */
public interface ConsumeContext<T> {
    /** The message. */
    T message();

    /** Every envelope field as received. */
    Envelope envelope();

    /** The registered type the message was bound to. */
    MessageType messageType();

    /** The receive endpoint's name. */
    String endpoint();

    /** Whether the broker delivered this message before. */
    boolean redelivered();

    /** 0 on the first attempt, then the number of the in-process retry running now. */
    int retryAttempt();

    /** How many times the message was redelivered later (second-level retry) before this delivery. */
    int redeliveryCount();

    default UUID messageId() {
        return envelope().messageId();
    }

    default UUID correlationId() {
        return envelope().correlationId();
    }

    default UUID conversationId() {
        return envelope().conversationId();
    }

    default UUID requestId() {
        return envelope().requestId();
    }

    default Headers headers() {
        return envelope().headers();
    }

    /**
     * A value a filter attached to this delivery, looked up by type (the first attached value that
     * is an instance of {@code type}): for example the {@code java.sql.Connection} of the
     * transaction the outbox's inbox filter opened. Empty when nothing of that type is attached
     * (the default).
     */
    default <A> java.util.Optional<A> attribute(Class<A> type) {
        return java.util.Optional.empty();
    }

    /**
     * The bus's time as a {@link java.time.Clock} in UTC: read it instead of {@code Instant.now()},
     * and hand it to domain code that takes a clock, so that tests control what your consumer sees.
     * On a bus built with a clock ({@link BusBuilder#clock}) it reads that clock: the wall clock by
     * default, the virtual clock of a test harness (which moves only when the test advances it).
     * The same clock as {@link Bus#clock()}.
     *
     * <p>In a deterministic simulation each read ({@code instant()}, {@code millis()}) is an
     * interleaving point named {@code clock}: another delivery may run between your check and your
     * act around it, so the simulation finds races that hinge on a read of the time. Outside a
     * simulation a read costs one volatile read more than the bus clock's own. Thread-safe; the
     * clock may be kept after the consumer returns. Contexts not made by a bus (the default) answer
     * the wall clock.
     */
    default java.time.Clock clock() {
        return dev.omnibus.internal.ApplicationClock.system();
    }

    /** Publishes {@code message} to every endpoint that consumes its type or one of its interfaces. */
    default CompletableFuture<Void> publish(Object message) {
        return publish(message, SendOptions.defaults());
    }

    CompletableFuture<Void> publish(Object message, SendOptions options);

    /** Sends {@code message} to one endpoint. */
    default CompletableFuture<Void> send(Address destination, Object message) {
        return send(destination, message, SendOptions.defaults());
    }

    CompletableFuture<Void> send(Address destination, Object message, SendOptions options);

    /**
     * Answers a request: sends {@code response} to the request's response address with its
     * requestId. Without a response address, the response is published.
     */
    default CompletableFuture<Void> respond(Object response) {
        return respond(response, SendOptions.defaults());
    }

    CompletableFuture<Void> respond(Object response, SendOptions options);

    /**
     * Sends a request as part of this message's flow (correlation, conversation and initiator
     * carried forward), or publishes it when {@code destination} is null. Fails as
     * {@link Bus#request} does. Blocking a consumer on the result holds one of the endpoint's
     * threads until the response or the timeout, so keep the timeout short; a saga suits long waits.
     */
    <R> CompletableFuture<R> request(Address destination, Object message, Class<R> responseType, Duration timeout);

    /**
     * Withdraws a message this bus scheduled with a delayed send ({@link SendOptions#withDelay}),
     * named by its message id (choose it with {@link SendOptions#withMessageId} to know it). Works
     * for scheduled messages of any consumer or process that share the bus's scheduler instance;
     * thread-safe; never throws for an unknown id.
     *
     * <p>Not every scheduler can withdraw a message: a broker's native delay (RabbitMQ's wait
     * queues) cannot, and a scheduler may fall back to another handle when two pending messages
     * share an id. So treat a cancellation as an optimization and make the receiver recognise a
     * message it no longer expects (a saga compares the id with the one it keeps).
     *
     * @return true if the message was pending and will not be sent; false if it was sent already,
     *         is unknown, or the scheduler cannot withdraw it (the default for contexts not made by the bus)
     */
    default boolean cancelScheduledSend(UUID messageId) {
        return false;
    }
}
