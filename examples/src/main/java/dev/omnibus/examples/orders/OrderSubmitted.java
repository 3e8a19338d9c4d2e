package dev.omnibus.examples.orders;

import java.math.BigDecimal;
import java.util.UUID;

/**
 * Event: a customer submitted an order. Published, so every interested endpoint gets a copy: the
 * orders endpoint (as an {@code OrderSubmitted}) and the audit endpoint (as an {@link OrderEvent}).
 *
 * @param orderId  the order
 * @param customer who ordered
 * @param sku      the article ordered
 * @param quantity how many
 * @param total    what the order costs
 */
public record OrderSubmitted(UUID orderId, String customer, String sku, int quantity, BigDecimal total)
        implements OrderEvent {
}
