package dev.omnibus.spi;

/** A running receive loop. */
public interface ReceiveHandle extends AutoCloseable {
    /** No new deliveries from now on; deliveries already handed over may still be settled. */
    void stopDeliveries();

    /** Ends the loop; every delivery still unsettled goes back to the queue. Idempotent. */
    @Override
    void close();
}
