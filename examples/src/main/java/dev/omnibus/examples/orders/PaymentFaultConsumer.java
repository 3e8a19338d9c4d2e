package dev.omnibus.examples.orders;

import dev.omnibus.ConsumeContext;
import dev.omnibus.Fault;
import dev.omnibus.MessageConsumer;
import java.util.Objects;

/**
 * Consumes {@code Fault<ProcessPayment>} on the {@code payment-faults} endpoint. When the payments
 * consumer has failed on a message after every retry, the bus moves the message to
 * {@code payments_error} and publishes this fault, which carries the failed message, its id and
 * what was thrown. Here is where a real service would cancel the order or tell the customer.
 *
 * <p>Stateless, so one instance can serve several threads.
 */
public final class PaymentFaultConsumer implements MessageConsumer<Fault<ProcessPayment>> {
    private final OrderFlowListener listener;

    public PaymentFaultConsumer(OrderFlowListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void consume(ConsumeContext<Fault<ProcessPayment>> context) {
        listener.paymentFaulted(context.message());
    }
}
