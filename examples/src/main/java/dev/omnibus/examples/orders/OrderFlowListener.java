package dev.omnibus.examples.orders;

import dev.omnibus.Fault;
import java.util.UUID;

/**
 * What the order flow's consumers report as they work. {@link OrderFlowDemo} prints it as a story
 * and waits on it; {@code OrderFlowTest} records it and asserts on it. In a real service these
 * would be log lines, metrics or database writes.
 *
 * <p>Called on the bus's endpoint threads, several at once: implementations must be thread-safe.
 * Every method does nothing by default.
 */
public interface OrderFlowListener {
    /** The audit consumer recorded an order event (message {@code messageId}). */
    default void audited(UUID messageId, OrderEvent event) {
    }

    /** The orders consumer asked the stock service about {@code order} and got {@code status} back. */
    default void stockChecked(OrderSubmitted order, StockStatus status) {
    }

    /** The orders consumer turned {@code order} down: not enough stock. */
    default void orderRejected(OrderSubmitted order, StockStatus status) {
    }

    /** The orders consumer sent {@code payment} to the payments queue. */
    default void paymentRequested(OrderSubmitted order, ProcessPayment payment) {
    }

    /**
     * The payments consumer is trying to charge {@code payment} (message {@code messageId});
     * {@code attempt} is 1 the first time and grows with each retry.
     */
    default void paymentAttempted(UUID messageId, ProcessPayment payment, int attempt) {
    }

    /** The shipping consumer got the news that an order was paid (message {@code messageId}). */
    default void paymentAccepted(UUID messageId, PaymentAccepted accepted) {
    }

    /** The fault consumer got the {@link Fault} of a payment that failed after every retry. */
    default void paymentFaulted(Fault<ProcessPayment> fault) {
    }
}
