package dev.omnibus.examples.saga;

import java.math.BigDecimal;
import java.util.UUID;

/** The order process's messages, shared by the saga and the choreographed version. */
public final class Messages {
    private Messages() {
    }

    /** A customer submitted an order: starts the process. */
    public record OrderSubmitted(UUID orderId, String customer, BigDecimal total) {
    }

    /** A command to the processing service (payment, picking). */
    public record ProcessOrder(UUID orderId, BigDecimal total) {
    }

    /** The processing service finished the order. */
    public record OrderProcessed(UUID orderId) {
    }

    /** The customer cancelled the order. */
    public record OrderCancelled(UUID orderId) {
    }

    /** The order was accepted: processed in time. */
    public record OrderAccepted(UUID orderId, String customer) {
    }

    /** The order was given up because payment did not come in time. */
    public record OrderExpired(UUID orderId) {
    }

    /** The one-hour timeout the process sets itself when an order is submitted. */
    public record PaymentTimeout(UUID orderId) {
    }
}
