package dev.omnibus;

/**
 * In-process messaging without a transport: {@link #send}, {@link #publish} and {@link #request}
 * call the consumers of a message's type on the caller's thread, with no serialization, no queue
 * and no thread hop. Consumers and filters are the bus's own ({@link MessageConsumer},
 * {@link dev.omnibus.spi.Filter}): a consumer written for a receive endpoint runs under the mediator
 * unchanged, and one written for the mediator moves to an endpoint when it needs a broker.
 *
 * <pre>{@code
 * Mediator mediator = Mediator.builder()
 *         .consumer(SubmitOrder.class, new SubmitOrderConsumer())
 *         .consumer(CheckStock.class, ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 3)))
 *         .filter(new AuditFilter())
 *         .build();
 *
 * mediator.send(new SubmitOrder(id, "ada"));                               // exactly one consumer
 * StockStatus s = mediator.request(new CheckStock("sku-1"), StockStatus.class);
 * mediator.publish(new OrderSubmitted(id));                                // zero or more consumers
 * }</pre>
 *
 * <h2>Routing</h2>
 * A message reaches every consumer of its class and of each interface it implements, in the order
 * the consumers were added. Routes are worked out once per message class (at build for the
 * consumed types, on first use for others) and cached.
 *
 * <h2>What a consume context does here</h2>
 * {@code ctx.publish(m)} publishes to the mediator; {@code ctx.send(address, m)} sends {@code m} to its
 * type's consumer (the address is not used: there is one process); {@code ctx.respond(r)} answers the
 * {@link #request} that runs the consumer; {@code ctx.request(...)} is a mediator request. All of them
 * run before they return, and their futures are complete. {@code envelope()} is made on first use
 * (a new message id, the time of that call); {@code endpoint()} is {@code "mediator"}.
 *
 * <h2>Failures</h2>
 * What a consumer or filter throws reaches the caller: an unchecked exception or error as it is, a
 * checked exception wrapped in a {@link java.util.concurrent.CompletionException}. There is no retry,
 * no error queue and no {@code Fault<T>}: the caller decides. {@link #publish} stops at the first
 * consumer that throws.
 *
 * <p>Thread-safe: any number of threads may call it at once; consumers must then be thread-safe too.
 */
public interface Mediator {
    /** A builder for a mediator. */
    static MediatorBuilder builder() {
        return new MediatorBuilder();
    }

    /**
     * Runs the one consumer of {@code message}'s type.
     *
     * @throws ConfigurationException if its type has no consumer, or more than one (use {@link #publish})
     */
    void send(Object message);

    /** Runs every consumer of {@code message}'s type and interfaces, in the order added; none is fine. */
    void publish(Object message);

    /**
     * Runs the one consumer of {@code message}'s type and returns what it passed to
     * {@link ConsumeContext#respond}.
     *
     * @throws ConfigurationException if its type has no consumer or more than one
     * @throws IllegalStateException  if the consumer returned without responding
     * @throws ClassCastException     if the response is not a {@code responseType}
     */
    <R> R request(Object message, Class<R> responseType);
}
