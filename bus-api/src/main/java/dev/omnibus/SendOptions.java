package dev.omnibus;

import java.time.Duration;
import java.util.UUID;

/**
 * Per-message options for {@code publish}, {@code send} and {@code request}. Immutable; start
 * from {@link #defaults()} and chain {@code withX} copies:
 *
 * <pre>{@code
 * bus.publish(event, SendOptions.defaults()
 *         .withCorrelationId(orderId)
 *         .withHeader("tenant", "acme")
 *         .withTimeToLive(Duration.ofMinutes(5)));
 * bus.send(Address.queue("stock"), new CheckStock(sku), SendOptions.defaults()
 *         .withCorrelationId(orderId)
 *         .withResponseAddress(Address.queue("orders")));   // the answer (or the fault) comes back here
 * }</pre>
 *
 * @param messageId     the id to use instead of a fresh UUIDv7 (for idempotent re-sends), or null
 * @param correlationId the correlation id, or null to carry the consumed message's forward
 * @param headers       headers to add
 * @param timeToLive    how long the message stays valid, or null for ever
 * @param delay         deliver no sooner than this from now (through the bus's scheduler), or null
 * @param partitionKey  the ordering key, or null to use the correlation id
 * @param responseAddress where the receiver's {@code ctx.respond(...)} and, when its consumer
 *                      fails for good, the {@code Fault<T>} go (the envelope's responseAddress),
 *                      or null (the default) for none: responses and faults are then published.
 *                      Ignored by {@code request(...)}, which sets its own response address.
 */
public record SendOptions(
        UUID messageId, UUID correlationId, Headers headers, Duration timeToLive, Duration delay, String partitionKey,
        Address responseAddress) {

    private static final SendOptions DEFAULTS = new SendOptions(null, null, Headers.empty(), null, null, null, null);

    public SendOptions {
        headers = headers == null ? Headers.empty() : headers;
        if (timeToLive != null && (timeToLive.isNegative() || timeToLive.isZero())) {
            throw new ConfigurationException("timeToLive must be positive, was " + timeToLive);
        }
        if (delay != null && delay.isNegative()) {
            throw new ConfigurationException("delay must not be negative, was " + delay);
        }
    }

    /** The options without a response address (the shape before {@code responseAddress} was added). */
    public SendOptions(UUID messageId, UUID correlationId, Headers headers, Duration timeToLive, Duration delay, String partitionKey) {
        this(messageId, correlationId, headers, timeToLive, delay, partitionKey, null);
    }

    /** No options: a fresh message id, the correlation carried forward, no headers, no expiry. */
    public static SendOptions defaults() {
        return DEFAULTS;
    }

    public SendOptions withMessageId(UUID id) {
        return new SendOptions(id, correlationId, headers, timeToLive, delay, partitionKey, responseAddress);
    }

    public SendOptions withCorrelationId(UUID id) {
        return new SendOptions(messageId, id, headers, timeToLive, delay, partitionKey, responseAddress);
    }

    public SendOptions withHeader(String name, Object value) {
        return new SendOptions(messageId, correlationId, headers.with(name, value), timeToLive, delay, partitionKey, responseAddress);
    }

    public SendOptions withHeaders(Headers more) {
        return new SendOptions(messageId, correlationId, headers.withAll(more), timeToLive, delay, partitionKey, responseAddress);
    }

    public SendOptions withTimeToLive(Duration ttl) {
        return new SendOptions(messageId, correlationId, headers, ttl, delay, partitionKey, responseAddress);
    }

    public SendOptions withDelay(Duration d) {
        return new SendOptions(messageId, correlationId, headers, timeToLive, d, partitionKey, responseAddress);
    }

    /**
     * A copy whose message carries {@code address} as its response address: the receiver's
     * {@code ctx.respond(...)} sends there, and so does the bus with the {@code Fault<T>} when the
     * receiver's consumer fails after its retries (unless a fault address is set). Use it for a
     * request whose answer comes back as an ordinary message (a saga waiting in a state) rather
     * than to a waiting {@code request(...)} future. Null clears it.
     */
    public SendOptions withResponseAddress(Address address) {
        return new SendOptions(messageId, correlationId, headers, timeToLive, delay, partitionKey, address);
    }

    public SendOptions withPartitionKey(String key) {
        return new SendOptions(messageId, correlationId, headers, timeToLive, delay, key, responseAddress);
    }
}
