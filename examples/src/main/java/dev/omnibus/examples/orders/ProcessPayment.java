package dev.omnibus.examples.orders;

import java.math.BigDecimal;
import java.util.UUID;

/**
 * Command: charge the customer for an order. Sent (point to point) to the {@code payments} queue,
 * because exactly one service should act on it.
 *
 * @param orderId the order to charge for
 * @param amount  how much to charge
 */
public record ProcessPayment(UUID orderId, BigDecimal amount) {
}
