package dev.omnibus;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The service bus: publishes, sends and requests messages, and runs the receive endpoints
 * configured on its {@link BusBuilder}.
 *
 * <pre>{@code
 * try (Bus bus = Bus.builder()
 *         .transport(InMemoryTransport.create())
 *         .receiveEndpoint("orders", e -> e
 *             .consumer(OrderSubmitted.class, new OrderSubmittedConsumer())
 *             .concurrency(8)
 *             .retry(Retry.exponential(5, Duration.ofMillis(100), Duration.ofSeconds(5))))
 *         .start()) {
 *     bus.publish(new OrderSubmitted(UUID.randomUUID(), "ada", new BigDecimal("12.50"))).join();
 * }
 * }</pre>
 *
 * <h2>Futures</h2>
 * {@code publish} and {@code send} return futures that complete when the transport has the
 * message (for a broker: when it confirmed it), and fail with {@link TransportException} when it
 * could not take it, or {@link SerializationException} when the message cannot be written.
 * A future the transport has completed by the time it is returned (the in-memory transport's)
 * is returned as it is, and its continuations run on the calling thread. Any other future the bus
 * returns, a request's always, completes on one of the bus's own threads
 * ({@code omnibus-<bus name>-callback-N}), never on a transport's I/O thread nor the clock's timer
 * thread, so a continuation may wait for another of the bus's futures
 * ({@code bus.publish(a).thenRun(() -> bus.publish(b).join())}). Those threads end at stop.
 *
 * <h2>Life cycle</h2>
 * {@link #start} once (the builder's {@code start()} does it), {@link #stop} once. Stopping stops
 * new deliveries, lets deliveries in flight finish within the stop timeout (default 30 s), and
 * leaves everything else queued. Starting twice, stopping twice, or producing messages on a bus
 * that is not running throw {@link BusStateException}. {@link #close} stops a running bus and does
 * nothing otherwise, so try-with-resources is always safe; a {@code close} while another thread is
 * in {@code start} waits for it and then stops the bus. A consumer may stop or close its own bus:
 * the call then begins the stop and returns at once (the stop waits for deliveries in flight, the
 * consumer's own among them), and the consumer's message is settled as usual when it returns.
 * No thread the bus started outlives its stop.
 *
 * <p>Thread-safe.
 */
public interface Bus extends AutoCloseable {
    /** A builder for a new bus. */
    static BusBuilder builder() {
        return new BusBuilder();
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
     * Publishes a request and waits for one response of {@code responseType}. The future fails
     * with {@link RequestTimeoutException} when no response arrives in time, and with
     * {@link RequestFaultException} when the responder's consumer faulted.
     */
    default <R> CompletableFuture<R> request(Object message, Class<R> responseType, Duration timeout) {
        return request(null, message, responseType, timeout, SendOptions.defaults());
    }

    /** Sends a request to {@code destination}, or publishes it when destination is null. */
    <R> CompletableFuture<R> request(
            Address destination, Object message, Class<R> responseType, Duration timeout, SendOptions options);

    /**
     * A producer that encodes messages exactly as this bus does (envelope, serializer, transport
     * headers) and hands them to {@code outbound} instead of the transport: the way a transactional
     * outbox writes messages into a database transaction. The bus must be running, as for
     * {@link #publish}. Messages produced this way are not reported to
     * {@link dev.omnibus.spi.BusObserver}s (they may still be rolled back).
     *
     * <p>The returned publisher is as thread-safe as {@code outbound}; it keeps no state of its own.
     */
    MessagePublisher producer(dev.omnibus.spi.Outbound outbound);

    /**
     * The bus's time as a {@link java.time.Clock} in UTC, for code that is not a consumer (a
     * consumer has {@link ConsumeContext#clock()}, the same clock): the clock the bus was built with
     * ({@link BusBuilder#clock}), the wall clock by default, the virtual clock in a test harness. In
     * a deterministic simulation each read by a delivery's code is an interleaving point named
     * {@code clock}; outside one a read costs one volatile read more than the bus clock's own.
     * Usable in any state of the bus; thread-safe. The default (a bus not made by a builder) answers
     * the wall clock.
     */
    default java.time.Clock clock() {
        return dev.omnibus.internal.ApplicationClock.system();
    }

    /** The registry of message types this bus knows. */
    MessageTypeRegistry messageTypes();

    /**
     * The receive pipeline of endpoint {@code endpoint}, outermost stage first: the built-in stages
     * ({@code log-context}, {@code settlement}, {@code size-limit}, {@code decode}, {@code expiry},
     * {@code resolve-type}, {@code tracing}, {@code bind}, {@code fault}, {@code redelivery} and
     * {@code retry} when configured, then {@code filter:<Class>} for each of the bus's filters and the
     * endpoint's filters in the order added, then {@code consumers}). Filters added with
     * {@link BusBuilder#filter} and {@link ReceiveEndpointBuilder#filter} run at that position.
     *
     * @throws IllegalArgumentException if the bus has no such endpoint
     */
    java.util.List<String> pipeline(String endpoint);

    /** The bus's own address (where responses to its requests arrive). */
    Address address();

    /** Starts receiving. Throws {@link BusStateException} if started before. */
    Bus start();

    /**
     * Whether the bus and each of its endpoints receive: an endpoint whose receive loop stopped (a
     * consumer cancelled by the broker, a closed channel, a failed loop) reports
     * {@link EndpointHealth.Status#RECOVERING} while it subscribes again, and its last error. Cheap;
     * callable from any thread, at any time.
     */
    BusHealth health();

    /** Stops as described above. Throws {@link BusStateException} if not running. */
    void stop();

    /** Stops if running; otherwise does nothing. */
    @Override
    void close();
}
