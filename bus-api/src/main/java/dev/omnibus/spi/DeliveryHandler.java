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

    /**
     * The receive loop behind this handler's handle stopped on its own and delivers nothing more: the
     * broker cancelled the consumer (a deleted queue, a failover), closed its channel, or the loop
     * failed. Deliveries received before can still be settled where the transport allows. The bus
     * closes the handle and subscribes again with backoff (declaring the endpoint again first). Called
     * at most once per handle, from any thread; must not block.
     *
     * @param cause what stopped it
     */
    default void onReceiveStopped(Throwable cause) {
    }

    /**
     * The transport lost its connection and is recovering it by itself: no deliveries until
     * {@link #onReceiveResumed()}. For the endpoint's health only; must not block.
     *
     * @param cause the connection's failure
     */
    default void onReceiveInterrupted(Throwable cause) {
    }

    /** The transport recovered the connection of an {@linkplain #onReceiveInterrupted interrupted} handle. */
    default void onReceiveResumed() {
    }
}
