package dev.omnibus.examples.orders;

import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageConsumer;
import java.util.Objects;

/**
 * Consumes the {@link OrderEvent} interface on the {@code audit} endpoint, so it receives every
 * published record that implements it ({@link OrderSubmitted} here), with no consumer per type.
 *
 * <p>Stateless, so one instance can serve several threads.
 */
public final class AuditConsumer implements MessageConsumer<OrderEvent> {
    private final OrderFlowListener listener;

    public AuditConsumer(OrderFlowListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void consume(ConsumeContext<OrderEvent> context) {
        listener.audited(context.messageId(), context.message());
    }
}
