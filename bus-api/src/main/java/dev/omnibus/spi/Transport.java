package dev.omnibus.spi;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * A connection to a message broker (or to the in-memory one). A transport declares topology,
 * moves bytes and headers, and runs receive loops that hand each delivery to a
 * {@link DeliveryHandler}; everything else (serialization, retry, faults, requests, dedupe) is
 * shared code above this interface.
 *
 * <h2>Topology</h2>
 * Every message type URN has a fan-out topic (an exchange); a type's topic forwards to the topics of
 * its message interfaces. A receive endpoint {@code name} has a queue {@code name}, a topic of the
 * same name bound to it, the topics of its consumed types bound to that, and the queues
 * {@code name_error} and {@code name_skipped}. Publishing a message reaches each bound queue once,
 * whatever number of paths lead there.
 *
 * <h2>Life cycle and threads</h2>
 * A bus calls {@link #start} once before anything else and {@link #close} once at the end; every
 * other method is thread-safe. Futures complete when the broker has the message (confirmed), and
 * fail with {@link dev.omnibus.TransportException} otherwise; a message is never silently dropped.
 */
public interface Transport extends AutoCloseable {
    /** What this transport does natively. */
    TransportCapabilities capabilities();

    /** Connects. Called once, before any other call. */
    void start(TransportContext context);

    /** The full transport URI of {@code address}, as written in envelopes ({@code loopback://localhost/orders}). */
    URI resolve(Address address);

    /** Declares a receive endpoint's queue, its error and skipped queues, and its bindings. Idempotent. */
    void declareEndpoint(EndpointTopology topology);

    /**
     * Publishes to the topic of {@code messageType}'s own URN, declaring that topic and its
     * bindings to the message's interface topics the first time. Routes by
     * {@link MessageType#urn()} and {@link MessageType#messageTypes()} only (an outbox rebuilds the
     * type from those two, without its Java class).
     */
    CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message);

    /** Sends to one endpoint (or named topic). */
    CompletableFuture<Void> send(Address destination, OutgoingMessage message);

    /**
     * Starts consuming {@code queue}. The transport calls {@code handler} for each delivery, keeping
     * at most {@code settings.prefetch()} deliveries unsettled, until the handle is stopped.
     */
    ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler);

    /**
     * A scheduler that uses the broker's own delay (a delayed-message exchange, per-delay wait
     * queues, SQS {@code DelaySeconds}), if the transport has one. The bus uses it when the
     * application configured no scheduler; otherwise the in-memory scheduler.
     */
    default java.util.Optional<Scheduler> nativeScheduler() {
        return java.util.Optional.empty();
    }

    /** Disconnects. Unsettled deliveries go back to their queues. */
    @Override
    void close();
}
