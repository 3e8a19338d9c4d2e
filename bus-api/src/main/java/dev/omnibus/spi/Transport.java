package dev.omnibus.spi;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A connection to a message broker (or to the in-memory one). A transport declares topology,
 * moves bytes and headers, and runs receive loops that hand each delivery to a
 * {@link DeliveryHandler}; everything else (serialization, retry, faults, requests, dedupe) is
 * shared code above this interface.
 *
 * <h2>Topology</h2>
 * Every message type URN has a topic. A receive endpoint {@code name} has a queue {@code name}
 * and the queues {@code name_error} and {@code name_skipped}. Where the broker routes
 * ({@link TransportCapabilities.Routing#BROKER}), a type's topic forwards to the topics of its
 * message interfaces and an endpoint's topic is bound to the topics of
 * {@link EndpointTopology#consumedUrns()}; where the bus routes ({@link TransportCapabilities.Routing#BUS})
 * an endpoint subscribes to the topic of each of {@link EndpointTopology#concreteUrns()}. Either way a
 * published message reaches each endpoint that consumes it once, whatever number of paths lead there.
 *
 * <h2>Capabilities</h2>
 * {@link #capabilities()} says what the broker does natively; the bus checks the configuration
 * against it when it is built and fills every gap above this interface (see docs/ARCHITECTURE.md,
 * "Transport SPI v2", for how RabbitMQ, Kafka and SQS each carry out every method).
 *
 * <h2>Life cycle and threads</h2>
 * A bus calls {@link #start} once before anything else and {@link #close} once at the end; every
 * other method is thread-safe. Futures complete when the broker has the message (confirmed), and
 * fail with {@link dev.omnibus.TransportException} otherwise; a message is never silently dropped.
 * Futures may complete on a transport I/O thread: the bus moves every continuation the application
 * sees off those threads, so transports need not.
 */
public interface Transport extends AutoCloseable {
    /** What this transport does natively. */
    TransportCapabilities capabilities();

    /** Connects. Called once, before any other call. */
    void start(TransportContext context);

    /** The full transport URI of {@code address}, as written in envelopes ({@code loopback://localhost/orders}). */
    URI resolve(Address address);

    /**
     * The address of the topic a message of {@code messageType} is published to, as written in the
     * envelope's {@code destinationAddress} (MassTransit writes the type's exchange there, e.g.
     * {@code rabbitmq://host/vhost/Acme:SubmitOrder}); null when the transport has no such address.
     */
    default URI publishAddress(MessageType messageType) {
        return null;
    }

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
     * Sends a response or a fault to an address that came from a consumed message (its response or
     * fault address). Unlike {@link #send}, the transport creates nothing for it (no queue, no
     * exchange, no topic: a message must not make the bus declare what it names); if the address names
     * nothing that exists, the future fails with a non-retryable {@code TransportException}. Default:
     * {@link #send}, for transports where sending creates nothing anyway.
     */
    default CompletableFuture<Void> reply(Address destination, OutgoingMessage message) {
        return send(destination, message);
    }

    /**
     * Publishes several messages of one type, in order, in as few broker calls as the broker allows
     * (batches of at most {@link TransportCapabilities#maxBatchSize()}). Each message has its own
     * future, so one refused entry fails only itself. The default publishes them one by one.
     */
    default List<CompletableFuture<Void>> publishAll(MessageType messageType, List<OutgoingMessage> messages) {
        List<CompletableFuture<Void>> out = new ArrayList<>(messages.size());
        for (OutgoingMessage m : messages) {
            out.add(publish(messageType, m));
        }
        return out;
    }

    /** Sends several messages to one destination, in order; as {@link #publishAll}. */
    default List<CompletableFuture<Void>> sendAll(Address destination, List<OutgoingMessage> messages) {
        List<CompletableFuture<Void>> out = new ArrayList<>(messages.size());
        for (OutgoingMessage m : messages) {
            out.add(send(destination, m));
        }
        return out;
    }

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
