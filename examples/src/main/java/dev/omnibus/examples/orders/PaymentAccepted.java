package dev.omnibus.examples.orders;

import java.util.UUID;

/**
 * Event: the payment for an order went through. Published; the shipping endpoint consumes it.
 *
 * @param orderId the paid order
 */
public record PaymentAccepted(UUID orderId) {
}
