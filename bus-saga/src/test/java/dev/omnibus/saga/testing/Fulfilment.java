package dev.omnibus.saga.testing;

import dev.omnibus.saga.Event;
import dev.omnibus.saga.Schedule;
import dev.omnibus.saga.State;
import dev.omnibus.saga.StateMachine;
import java.time.Duration;
import java.util.UUID;

/**
 * An order-fulfilment saga for the explorer's tests: charge the card when the order is placed,
 * ship once it is paid, cancel on request or when payment times out, refund a payment that comes
 * after the cancellation. Correct as built by {@code new FulfilmentSaga(Bug.NONE)}; each other
 * {@link Bug} plants one defect.
 */
final class Fulfilment {
    private Fulfilment() {
    }

    record OrderPlaced(UUID orderId) {
    }

    record PaymentCaptured(UUID orderId) {
    }

    record OrderCancelled(UUID orderId) {
    }

    record PaymentTimeout(UUID orderId) {
    }

    record ChargeCard(UUID orderId) {
    }

    record ShipOrder(UUID orderId) {
    }

    record RefundPayment(UUID orderId) {
    }

    /** The planted defects. */
    enum Bug {
        NONE,
        /** Cancelled does not handle a payment that arrives after the cancellation: it faults. */
        LATE_PAYMENT_UNHANDLED,
        /** A second OrderPlaced while awaiting payment charges the card again instead of being ignored. */
        DUPLICATE_CHARGES_AGAIN
    }

    static final class OrderState {
        int charges;
    }

    static final class FulfilmentSaga extends StateMachine<OrderState> {
        final State awaitingPayment = state("AwaitingPayment");
        final State cancelled = state("Cancelled");
        final State refunded = state("Refunded");
        final Event<OrderPlaced> placed = event(OrderPlaced.class, OrderPlaced::orderId);
        final Event<PaymentCaptured> captured = event(PaymentCaptured.class, PaymentCaptured::orderId);
        final Event<OrderCancelled> cancel = event(OrderCancelled.class, OrderCancelled::orderId);
        final Schedule<PaymentTimeout> paymentTimeout =
                schedule("PaymentTimeout", PaymentTimeout.class, PaymentTimeout::orderId, Duration.ofHours(1));

        FulfilmentSaga(Bug bug) {
            super(OrderState.class);
            initially(when(placed)
                    .then(ctx -> ctx.instance().charges++)
                    .send(dev.omnibus.Address.queue("payments"), ctx -> new ChargeCard(ctx.id()))
                    .schedule(paymentTimeout, ctx -> new PaymentTimeout(ctx.id()))
                    .transitionTo(awaitingPayment));
            during(awaitingPayment,
                    when(captured)
                            .unschedule(paymentTimeout)
                            .send(dev.omnibus.Address.queue("shipping"), ctx -> new ShipOrder(ctx.id()))
                            .finalizeInstance(),
                    when(cancel).unschedule(paymentTimeout).transitionTo(cancelled),
                    when(paymentTimeout.received()).transitionTo(cancelled),
                    bug == Bug.DUPLICATE_CHARGES_AGAIN
                            ? when(placed).send(dev.omnibus.Address.queue("payments"), ctx -> new ChargeCard(ctx.id()))
                            : ignore(placed));
            if (bug == Bug.LATE_PAYMENT_UNHANDLED) {
                during(cancelled, ignore(placed), ignore(cancel));
            } else {
                during(cancelled,
                        when(captured)
                                .send(dev.omnibus.Address.queue("payments"), ctx -> new RefundPayment(ctx.id()))
                                .transitionTo(refunded),
                        ignore(placed), ignore(cancel));
            }
            during(refunded, ignore(placed), ignore(captured), ignore(cancel));
            during(State.FINAL, ignore(placed), ignore(captured), ignore(cancel));
        }
    }
}
