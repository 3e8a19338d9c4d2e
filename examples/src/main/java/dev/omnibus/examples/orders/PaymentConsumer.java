package dev.omnibus.examples.orders;

import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageConsumer;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * Charges for orders on the {@code payments} endpoint and publishes {@link PaymentAccepted}.
 * A payment above {@link #CARD_LIMIT} is declined with an {@link IllegalArgumentException}: the
 * endpoint retries it (the demo configures {@code Retry.immediate(2)}, so three attempts), then
 * moves it to {@code payments_error} and publishes a {@code Fault<ProcessPayment>}.
 *
 * <p>A declined card will not succeed on a second try; a real service would say so with
 * {@code Retry.immediate(2).ignore(IllegalArgumentException.class)} and keep retries for transient
 * failures such as timeouts. The demo retries it anyway, to show retries happening.
 *
 * <p>Stateless, so one instance can serve several threads.
 */
public final class PaymentConsumer implements MessageConsumer<ProcessPayment> {
    /** The largest amount a card accepts. */
    public static final BigDecimal CARD_LIMIT = new BigDecimal("1000.00");

    private final OrderFlowListener listener;

    public PaymentConsumer(OrderFlowListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public void consume(ConsumeContext<ProcessPayment> context) {
        ProcessPayment payment = context.message();
        listener.paymentAttempted(context.messageId(), payment, context.retryAttempt() + 1);
        if (payment.amount().compareTo(CARD_LIMIT) > 0) {
            throw new IllegalArgumentException("card declined: " + payment.amount() + " is over the limit of " + CARD_LIMIT);
        }
        context.publish(new PaymentAccepted(payment.orderId()));
    }
}
