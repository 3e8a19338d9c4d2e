package dev.omnibus.spi;

import dev.omnibus.Headers;
import java.time.Instant;
import java.util.UUID;

/**
 * A message ready for a transport: bytes and headers, plus the fields a broker may carry natively.
 * Everything a transport needs is a field here; nothing travels in side channels.
 *
 * @param body            the serialized message (never null)
 * @param headers         transport headers, including {@link #CONTENT_TYPE}, {@link #MESSAGE_ID} and,
 *                        when set, {@link #CORRELATION_ID}
 * @param partitionKey    the ordering key (record key, message group, routing hash), or null
 * @param expiration      after this instant the message may be dropped, or null
 * @param deduplicationId the id a broker may deduplicate on (SQS FIFO, an outbox row), normally the
 *                        message id; null when unknown
 * @param due             when the message is to be delivered, for a scheduled message; null for now
 * @param reference       for in-process transports that pass messages by reference: the decoded
 *                        message the body encodes, so the receiving bus can skip decoding; null otherwise.
 *                        A transport that crosses a process boundary ignores it.
 */
public record OutgoingMessage(byte[] body, Headers headers, String partitionKey, Instant expiration, UUID deduplicationId,
        Instant due, DecodedMessage reference) {
    /** Header holding the body's content type. */
    public static final String CONTENT_TYPE = "Content-Type";
    /** Header holding the message id. */
    public static final String MESSAGE_ID = "MessageId";
    /** Header holding the correlation id. */
    public static final String CORRELATION_ID = "CorrelationId";
    /**
     * Delivery header a transport sets when the broker names where replies go (AMQP {@code reply_to}):
     * the bus answers there when the envelope names no response address, or names one this header
     * refines (the broker's placeholder plus a token, as RabbitMQ's direct reply-to does).
     */
    public static final String RESPONSE_ADDRESS = "MT-Response-Address";
    /** Header holding the partition key when it is not the correlation id. */
    public static final String PARTITION_KEY = "Omnibus-Partition-Key";

    public OutgoingMessage {
        java.util.Objects.requireNonNull(body, "body");
        headers = headers == null ? Headers.empty() : headers;
        if (deduplicationId == null) {
            deduplicationId = idFrom(headers);
        }
    }

    /** A message to deliver now, deduplicated by its {@link #MESSAGE_ID} header. */
    public OutgoingMessage(byte[] body, Headers headers, String partitionKey, Instant expiration) {
        this(body, headers, partitionKey, expiration, null, null, null);
    }

    /** A copy with more headers. */
    public OutgoingMessage withHeaders(Headers more) {
        return new OutgoingMessage(body, headers.withAll(more), partitionKey, expiration, deduplicationId, due, reference);
    }

    /** A copy due at {@code due} (null: now). */
    public OutgoingMessage withDue(Instant due) {
        return new OutgoingMessage(body, headers, partitionKey, expiration, deduplicationId, due, reference);
    }

    /** A copy with another deduplication id. */
    public OutgoingMessage withDeduplicationId(UUID id) {
        return new OutgoingMessage(body, headers, partitionKey, expiration, id, due, reference);
    }

    /** A copy carrying (or, with null, no longer carrying) the decoded message by reference. */
    public OutgoingMessage withReference(DecodedMessage reference) {
        return new OutgoingMessage(body, headers, partitionKey, expiration, deduplicationId, due, reference);
    }

    private static UUID idFrom(Headers headers) {
        Object id = headers.get(MESSAGE_ID);
        if (id == null) {
            return null;
        }
        if (id instanceof UUID u) {
            return u;
        }
        try {
            return UUID.fromString(id.toString());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
