package dev.omnibus.examples.orders;

import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageConsumer;
import java.util.Objects;

/**
 * Reacts to {@link PaymentAccepted} on the {@code shipping} endpoint: a paid order can be shipped.
 *
 * <p>Stateless, so one instance can serve several threads.
 */
public final class ShippingConsumer implements MessageConsumer<PaymentAccepted> {
    private final OrderFlowListener listener;

    public ShippingConsumer(OrderFlowListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void consume(ConsumeContext<PaymentAccepted> context) {
        listener.paymentAccepted(context.messageId(), context.message());
    }
}
