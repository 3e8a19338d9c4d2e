package dev.omnibus.spi;

/**
 * What a transport does natively; shared code fills the gaps above the SPI.
 *
 * @param name             a short name ({@code loopback}, {@code rabbitmq}, …)
 * @param nativeDelay      whether the broker can delay a message itself (else the bus's scheduler does)
 * @param orderedByKey     whether the broker keeps order per partition key
 * @param maxMessageSize   the largest body the broker takes, in bytes
 */
public record TransportCapabilities(String name, boolean nativeDelay, boolean orderedByKey, int maxMessageSize) {
}
