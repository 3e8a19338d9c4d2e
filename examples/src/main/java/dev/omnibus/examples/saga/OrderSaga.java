package dev.omnibus.examples.saga;

import dev.omnibus.examples.saga.Messages.OrderAccepted;
import dev.omnibus.examples.saga.Messages.OrderCancelled;
import dev.omnibus.examples.saga.Messages.OrderExpired;
import dev.omnibus.examples.saga.Messages.OrderProcessed;
import dev.omnibus.examples.saga.Messages.OrderSubmitted;
import dev.omnibus.examples.saga.Messages.PaymentTimeout;
import dev.omnibus.examples.saga.Messages.ProcessOrder;
import dev.omnibus.saga.Event;
import dev.omnibus.saga.Schedule;
import dev.omnibus.saga.State;
import dev.omnibus.saga.StateMachine;
import dev.omnibus.saga.model.Check;
import java.time.Duration;

/**
 * The order process as one state machine (orchestration): an order is Pending once submitted and
 * {@link ProcessOrder} is published; {@link OrderProcessed} makes it Accepted and finishes it;
 * {@link OrderCancelled} makes it Cancelled; if it is not processed within an hour, the payment
 * timeout cancels it and {@link OrderExpired} is published. Its diagram is in {@code docs/sagas.md}.
 */
public final class OrderSaga extends StateMachine<OrderState> {
    /** How long an order may wait for processing. */
    public static final Duration PAYMENT_TIMEOUT = Duration.ofHours(1);

    public final State pending = state("Pending");
    public final State accepted = state("Accepted");
    public final State cancelled = state("Cancelled");

    public final Event<OrderSubmitted> submitted = event(OrderSubmitted.class, OrderSubmitted::orderId);
    public final Event<OrderProcessed> processed = event(OrderProcessed.class, OrderProcessed::orderId);
    public final Event<OrderCancelled> cancel = event(OrderCancelled.class, OrderCancelled::orderId);
    public final Schedule<PaymentTimeout> paymentTimeout =
            schedule("PaymentTimeout", PaymentTimeout.class, PaymentTimeout::orderId, PAYMENT_TIMEOUT);

    public OrderSaga() {
        super(OrderState.class);

        initially(when(submitted)
                .then(ctx -> {
                    ctx.instance().customer = ctx.message().customer();
                    ctx.instance().total = ctx.message().total();
                    ctx.instance().submittedAt = ctx.consumeContext().envelope().sentTime();
                })
                .publish(ctx -> new ProcessOrder(ctx.id(), ctx.instance().total))
                .schedule(paymentTimeout, ctx -> new PaymentTimeout(ctx.id()))
                .transitionTo(pending));

        during(pending,
                when(processed)
                        .unschedule(paymentTimeout)
                        .publish(ctx -> new OrderAccepted(ctx.id(), ctx.instance().customer))
                        .transitionTo(accepted)
                        .finalizeInstance(),
                when(cancel)
                        .unschedule(paymentTimeout)
                        .transitionTo(cancelled),
                when(paymentTimeout.received())
                        .publish(ctx -> new OrderExpired(ctx.id()))
                        .transitionTo(cancelled),
                ignore(submitted));                       // a duplicate submission changes nothing

        // A cancelled order is kept, for the record: late news about it is dropped. So is a
        // redelivered event for an accepted (finalized) order.
        during(cancelled, ignore(submitted), ignore(processed), ignore(cancel), ignore(paymentTimeout.received()));
        during(State.FINAL, ignore(submitted), ignore(processed), ignore(cancel));
        silence(Check.NO_PATH_TO_FINAL, cancelled, null);
        silence(Check.WAITING_WITHOUT_TIMEOUT, cancelled, null);
        failOnFindings();                                  // anything else the checks find fails the build of the machine
    }
}
