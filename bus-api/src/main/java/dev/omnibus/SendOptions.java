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
 * }</pre>
 *
 * @param messageId     the id to use instead of a fresh UUIDv7 (for idempotent re-sends), or null
 * @param correlationId the correlation id, or null to carry the consumed message's forward
 * @param headers       headers to add
 * @param timeToLive    how long the message stays valid, or null for ever
 * @param delay         deliver no sooner than this from now (through the bus's scheduler), or null
 * @param partitionKey  the ordering key, or null to use the correlation id
 */
public record SendOptions(
        UUID messageId, UUID correlationId, Headers headers, Duration timeToLive, Duration delay, String partitionKey) {

    private static final SendOptions DEFAULTS = new SendOptions(null, null, Headers.empty(), null, null, null);

    public SendOptions {
        headers = headers == null ? Headers.empty() : headers;
        if (timeToLive != null && (timeToLive.isNegative() || timeToLive.isZero())) {
            throw new ConfigurationException("timeToLive must be positive, was " + timeToLive);
        }
        if (delay != null && delay.isNegative()) {
            throw new ConfigurationException("delay must not be negative, was " + delay);
        }
    }

    /** No options: a fresh message id, the correlation carried forward, no headers, no expiry. */
    public static SendOptions defaults() {
        return DEFAULTS;
    }

    public SendOptions withMessageId(UUID id) {
        return new SendOptions(id, correlationId, headers, timeToLive, delay, partitionKey);
    }

    public SendOptions withCorrelationId(UUID id) {
        return new SendOptions(messageId, id, headers, timeToLive, delay, partitionKey);
    }

    public SendOptions withHeader(String name, Object value) {
        return new SendOptions(messageId, correlationId, headers.with(name, value), timeToLive, delay, partitionKey);
    }

    public SendOptions withHeaders(Headers more) {
        return new SendOptions(messageId, correlationId, headers.withAll(more), timeToLive, delay, partitionKey);
    }

    public SendOptions withTimeToLive(Duration ttl) {
        return new SendOptions(messageId, correlationId, headers, ttl, delay, partitionKey);
    }

    public SendOptions withDelay(Duration d) {
        return new SendOptions(messageId, correlationId, headers, timeToLive, d, partitionKey);
    }

    public SendOptions withPartitionKey(String key) {
        return new SendOptions(messageId, correlationId, headers, timeToLive, delay, key);
    }
}
