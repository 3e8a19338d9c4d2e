package dev.omnibus.spi;

/**
 * Receives deliveries from a transport. Called from the transport's thread: implementations hand
 * the delivery off quickly and settle it later from any thread.
 */
@FunctionalInterface
public interface DeliveryHandler {
    void onDelivery(Delivery delivery);
}
