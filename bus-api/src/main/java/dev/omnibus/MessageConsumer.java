package dev.omnibus;

/**
 * Consumes messages of one type. Implement it as a class, or pass a lambda:
 *
 * <pre>{@code
 * final class OrderSubmittedConsumer implements MessageConsumer<OrderSubmitted> {
 *     public void consume(ConsumeContext<OrderSubmitted> ctx) {
 *         ctx.send(Address.queue("payments"), new ProcessPayment(ctx.message().orderId()));
 *     }
 * }
 * }</pre>
 *
 * <p>Returning normally means done: the message is acknowledged once every message the consumer
 * published or sent through its context is confirmed. Throwing means failed: the endpoint's retry
 * and redelivery policies apply, then the message moves to the error queue and a {@link Fault} is
 * published. One instance is called from several threads at once when the endpoint's concurrency
 * is above one, so keep it stateless or thread-safe.
 *
 * @param <T> the message type, a record or a message interface
 */
@FunctionalInterface
public interface MessageConsumer<T> {
    void consume(ConsumeContext<T> context) throws Exception;
}
