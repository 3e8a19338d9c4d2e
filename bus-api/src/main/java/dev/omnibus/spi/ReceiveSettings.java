package dev.omnibus.spi;

/**
 * How a transport feeds one receive loop.
 *
 * @param prefetch the most deliveries outstanding (handed over and not yet settled)
 * @param outbox   whether the endpoint holds back what its consumers produce until the delivery is
 *                 settled ({@code ReceiveEndpointBuilder.useInMemoryOutbox()}), so successful
 *                 deliveries with output are settled through {@link Delivery#ackWith}: a transport
 *                 that settles such deliveries transactionally may prepare for it (Kafka makes the
 *                 endpoint's transactional producer)
 */
public record ReceiveSettings(int prefetch, boolean outbox) {
    public ReceiveSettings {
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be at least 1, was " + prefetch);
        }
    }

    /** Settings of an endpoint without the in-memory outbox. */
    public ReceiveSettings(int prefetch) {
        this(prefetch, false);
    }
}
