package dev.omnibus.spi;

/**
 * What a bus gives its transport at start.
 *
 * @param clock the bus's clock (expiry, reconnect backoff)
 * @param busName a name for this bus instance, for logs and connection names
 */
public record TransportContext(BusClock clock, String busName) {
}
