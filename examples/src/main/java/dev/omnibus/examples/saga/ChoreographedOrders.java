package dev.omnibus.examples.saga;

import dev.omnibus.Address;
import dev.omnibus.BusBuilder;
import dev.omnibus.SendOptions;
import dev.omnibus.examples.saga.Messages.OrderAccepted;
import dev.omnibus.examples.saga.Messages.OrderCancelled;
import dev.omnibus.examples.saga.Messages.OrderExpired;
import dev.omnibus.examples.saga.Messages.OrderProcessed;
import dev.omnibus.examples.saga.Messages.OrderSubmitted;
import dev.omnibus.examples.saga.Messages.PaymentTimeout;
import dev.omnibus.examples.saga.Messages.ProcessOrder;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The same order process as {@link OrderSaga}, choreographed: no central machine, each service
 * reacts to the events it cares about. Here one "orders" service keeps each order's status in its
 * own store ({@link OrderBook}), asks for processing, and sets its own timeout; the rules of the
 * process are spread over four small consumers. Compare with the saga in {@code docs/sagas.md}.
 */
public final class ChoreographedOrders {
    /** The orders service's endpoint. */
    public static final String ORDERS = "orders-choreography";

    /** An order's status in the orders service. */
    public enum Status { PENDING, ACCEPTED, CANCELLED }

    /** One order as the orders service records it. */
    public record Order(String customer, Status status) {
    }

    /** The orders service's own store: one {@link Order} per id. Thread-safe. */
    public static final class OrderBook {
        private final Map<UUID, Order> orders = new ConcurrentHashMap<>();

        /** The order's status, if known. */
        public Optional<Status> status(UUID id) {
            return Optional.ofNullable(orders.get(id)).map(Order::status);
        }

        boolean submit(UUID id, String customer) {
            return orders.putIfAbsent(id, new Order(customer, Status.PENDING)) == null;
        }

        /**
         * Moves a pending order to {@code next}, atomically; returns it, or empty if it was not
         * pending (a late or duplicate event).
         */
        Optional<Order> settle(UUID id, Status next) {
            Order[] moved = {null};
            orders.computeIfPresent(id, (k, o) -> {
                if (o.status() != Status.PENDING) {
                    return o;
                }
                moved[0] = new Order(o.customer(), next);
                return moved[0];
            });
            return Optional.ofNullable(moved[0]);
        }
    }

    private ChoreographedOrders() {
    }

    /** Adds the orders service's consumers to {@code bus}; returns {@code bus}. */
    public static BusBuilder configure(BusBuilder bus, OrderBook book) {
        return bus.receiveEndpoint(ORDERS, e -> e.concurrency(4)
                .consumer(OrderSubmitted.class, ctx -> {
                    UUID id = ctx.message().orderId();
                    if (book.submit(id, ctx.message().customer())) {
                        ctx.publish(new ProcessOrder(id, ctx.message().total()), SendOptions.defaults().withCorrelationId(id));
                        ctx.send(Address.queue(ORDERS), new PaymentTimeout(id),
                                SendOptions.defaults().withCorrelationId(id).withDelay(OrderSaga.PAYMENT_TIMEOUT));
                    }
                })
                .consumer(OrderProcessed.class, ctx -> {
                    book.settle(ctx.message().orderId(), Status.ACCEPTED)
                            .ifPresent(o -> ctx.publish(new OrderAccepted(ctx.message().orderId(), o.customer())));
                })
                .consumer(OrderCancelled.class, ctx -> book.settle(ctx.message().orderId(), Status.CANCELLED))
                .consumer(PaymentTimeout.class, ctx -> {
                    book.settle(ctx.message().orderId(), Status.CANCELLED)
                            .ifPresent(o -> ctx.publish(new OrderExpired(ctx.message().orderId())));
                }));
    }
}
