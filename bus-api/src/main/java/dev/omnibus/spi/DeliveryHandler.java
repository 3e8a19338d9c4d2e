package dev.omnibus.spi;

import java.util.List;

/**
 * Receives deliveries from a transport. Called from the transport's thread: implementations hand
 * deliveries off quickly (they never block on a consumer) and settle them later from any thread.
 */
@FunctionalInterface
public interface DeliveryHandler {
    /** One delivery. */
    void onDelivery(Delivery delivery);

    /**
     * Several deliveries at once, in the order the broker gave them (a Kafka poll, an SQS receive of
     * up to ten). The default hands them over one by one.
     */
    default void onDeliveries(List<Delivery> deliveries) {
        for (Delivery d : deliveries) {
            onDelivery(d);
        }
    }

    /**
     * The transport lost {@code scope} (a Kafka partition revoked in a rebalance): deliveries of that
     * scope ({@link Delivery#scope()}) not yet started are dropped without settling, and those running
     * are no longer settled (the next owner gets them again). Called on the transport's thread; the
     * handler returns when no delivery of the scope will be settled any more, or a bounded time passed.
     */
    default void onRevoked(String scope) {
    }
}
