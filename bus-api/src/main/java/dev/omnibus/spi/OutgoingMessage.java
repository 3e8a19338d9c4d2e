package dev.omnibus.spi;

import dev.omnibus.Headers;
import java.time.Instant;

/**
 * Bytes and headers ready for a transport.
 *
 * @param body         the serialized message
 * @param headers      transport headers, including {@link #CONTENT_TYPE}, {@link #MESSAGE_ID} and,
 *                     when set, {@link #CORRELATION_ID}
 * @param partitionKey the ordering key, or null
 * @param expiration   after this instant the message may be dropped, or null
 */
public record OutgoingMessage(byte[] body, Headers headers, String partitionKey, Instant expiration) {
    /** Header holding the body's content type. */
    public static final String CONTENT_TYPE = "Content-Type";
    /** Header holding the message id. */
    public static final String MESSAGE_ID = "MessageId";
    /** Header holding the correlation id. */
    public static final String CORRELATION_ID = "CorrelationId";
    /** Header holding the partition key when it is not the correlation id. */
    public static final String PARTITION_KEY = "Omnibus-Partition-Key";

    public OutgoingMessage {
        headers = headers == null ? Headers.empty() : headers;
    }

    /** A copy with more headers. */
    public OutgoingMessage withHeaders(Headers more) {
        return new OutgoingMessage(body, headers.withAll(more), partitionKey, expiration);
    }
}
