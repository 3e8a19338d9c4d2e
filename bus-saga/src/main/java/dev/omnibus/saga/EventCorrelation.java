package dev.omnibus.saga;

import dev.omnibus.ConsumeContext;
import java.util.UUID;

/**
 * Finds the saga instance a consumed message belongs to: returns its id. Most events use a
 * property of the message ({@code event(OrderSubmitted.class, OrderSubmitted::orderId)}); a custom
 * lookup can read headers or the envelope, or look the id up elsewhere.
 *
 * <p>Called on the consuming thread, before the instance is locked; it may be called again when a
 * message is retried. Returning null fails the message (it cannot be correlated).
 *
 * @param <T> the message type
 */
@FunctionalInterface
public interface EventCorrelation<T> {
    /** The id of the instance {@code context}'s message belongs to, or null when there is none. */
    UUID correlate(ConsumeContext<T> context);

    /** Correlates by the envelope's correlationId, which senders must set. */
    static <T> EventCorrelation<T> byCorrelationId() {
        return ConsumeContext::correlationId;
    }
}
