package dev.omnibus.saga;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;

/** Messages and a saga for the tests: the seed's order process with a payment timeout. */
final class Orders {
    private Orders() {
    }

    record OrderSubmitted(UUID orderId, String customer, BigDecimal total) {
    }

    record ProcessOrder(UUID orderId) {
    }

    record ReviewOrder(UUID orderId) {
    }

    record OrderProcessed(UUID orderId) {
    }

    record OrderCancelled(UUID orderId) {
    }

    record PaymentTimeout(UUID orderId) {
    }

    record OrderAccepted(UUID orderId, String customer) {
    }

    record OrderRejected(UUID orderId, String reason) {
    }

    /** The saga's state: a plain class Jackson can read and write. */
    static final class OrderState {
        String customer;
        BigDecimal total;
        int enteredPending;
        int leftPending;
    }

    static final class OrderSaga extends StateMachine<OrderState> {
        final State pending = state("Pending");
        final State accepted = state("Accepted");
        final State cancelled = state("Cancelled");
        final Event<OrderSubmitted> submitted = event(OrderSubmitted.class, OrderSubmitted::orderId);
        final Event<OrderProcessed> processed = event(OrderProcessed.class, OrderProcessed::orderId);
        final Event<OrderCancelled> cancel = event(OrderCancelled.class, OrderCancelled::orderId);
        final Schedule<PaymentTimeout> paymentTimeout =
                schedule("PaymentTimeout", PaymentTimeout.class, PaymentTimeout::orderId, Duration.ofHours(1));

        OrderSaga() {
            this(false);
        }

        OrderSaga(boolean remove) {
            super(OrderState.class);
            if (remove) {
                removeWhenFinalized();
            }
            initially(when(submitted)
                    .then(ctx -> {
                        ctx.instance().customer = ctx.message().customer();
                        ctx.instance().total = ctx.message().total();
                    })
                    .publish(ctx -> new ProcessOrder(ctx.id()))
                    .ifThen(ctx -> ctx.message().total().compareTo(new BigDecimal("1000")) > 0,
                            b -> b.publish(ctx -> new ReviewOrder(ctx.id())))
                    .schedule(paymentTimeout, ctx -> new PaymentTimeout(ctx.id()))
                    .transitionTo(pending));
            during(pending,
                    when(processed).unschedule(paymentTimeout).transitionTo(accepted).finalizeInstance(),
                    when(cancel).unschedule(paymentTimeout).transitionTo(cancelled).finalizeInstance(),
                    when(paymentTimeout.received())
                            .publish(ctx -> new OrderRejected(ctx.id(), "payment timed out"))
                            .transitionTo(cancelled).finalizeInstance(),
                    ignore(submitted));
            whenEnter(pending, b -> b.then(ctx -> ctx.instance().enteredPending++));
            whenLeave(pending, b -> b.then(ctx -> ctx.instance().leftPending++));
            whenEnter(accepted, b -> b.publish(ctx -> new OrderAccepted(ctx.id(), ctx.instance().customer)));
        }
    }
}
