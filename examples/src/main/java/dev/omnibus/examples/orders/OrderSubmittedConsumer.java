package dev.omnibus.examples.orders;

import dev.omnibus.Address;
import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageConsumer;
import java.util.Objects;
import java.util.concurrent.ExecutionException;

/**
 * Handles a new order on the {@code orders} endpoint: asks the stock service whether the articles
 * are there, then tells the payments service to charge for them.
 *
 * <h2>Why a request from inside a consumer</h2>
 * This is how a MassTransit user writes it: the consumer awaits
 * {@code GetResponse<StockStatus>} in {@code Consume}. Here {@link ConsumeContext#request} sends the
 * request as part of this order's conversation. Java consumers are synchronous, so the wait blocks
 * one endpoint thread, and that is acceptable only because it is bounded: the request gives up
 * after {@link OrderFlow#STOCK_TIMEOUT} with a (retryable)
 * {@link dev.omnibus.RequestTimeoutException}, and then the endpoint's retry policy and, at last,
 * its error queue take over, as for any other failure. The response arrives on the bus's own
 * response queue, served by another thread, so the waiting consumer cannot starve it. When a flow
 * needs many such steps or long waits, a saga (a state machine that reacts to the response as a
 * message instead of waiting for it) is the better tool.
 *
 * <p>Stateless, so one instance can serve several threads.
 */
public final class OrderSubmittedConsumer implements MessageConsumer<OrderSubmitted> {
    /** Where payment commands go. */
    public static final Address PAYMENTS = Address.queue("payments");

    private final OrderFlowListener listener;

    public OrderSubmittedConsumer(OrderFlowListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void consume(ConsumeContext<OrderSubmitted> context) throws Exception {
        OrderSubmitted order = context.message();

        StockStatus status;
        try {
            status = context.request(null, new CheckStock(order.sku(), order.quantity()), StockStatus.class,
                    OrderFlow.STOCK_TIMEOUT).get();
        } catch (ExecutionException e) {
            // get() wraps the failure; rethrow what the bus reported (a timeout or the stock service's fault)
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        listener.stockChecked(order, status);
        if (!status.sufficient()) {
            listener.orderRejected(order, status);
            return;
        }

        // A command goes to one queue (send), an event to everyone interested (publish). Sending
        // through the context keeps the conversation: the payment carries this order's correlation
        // and conversation ids, and names this message as its initiator.
        ProcessPayment payment = new ProcessPayment(order.orderId(), order.total());
        context.send(PAYMENTS, payment);
        listener.paymentRequested(order, payment);
    }
}
