package dev.omnibus.examples.orders;

import java.util.UUID;

/**
 * Something that happened to an order. A message interface: publishing any record that implements
 * it also reaches consumers of {@code OrderEvent} itself, which is how the audit endpoint sees every
 * order event without a consumer per concrete type.
 */
public interface OrderEvent {
    /** The order this event is about. */
    UUID orderId();
}
