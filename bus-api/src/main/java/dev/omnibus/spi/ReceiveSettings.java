package dev.omnibus.spi;

/**
 * How a transport feeds one receive loop.
 *
 * @param prefetch the most deliveries outstanding (handed over and not yet settled)
 */
public record ReceiveSettings(int prefetch) {
    public ReceiveSettings {
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be at least 1, was " + prefetch);
        }
    }
}
