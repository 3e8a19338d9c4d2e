package dev.omnibus.inmemory;

import dev.omnibus.Headers;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.SerializedMessage;
import java.time.Instant;

/**
 * A message held by the in-memory broker. Immutable.
 *
 * @param deliveries how many times it was delivered before (0 for a new message)
 * @param reference  the decoded message when the producer passed it by reference, else null
 */
record StoredMessage(byte[] body, Headers headers, Instant expiration, int deliveries, DecodedMessage reference) {
    StoredMessage asRedelivered() {
        return new StoredMessage(body, headers, expiration, deliveries + 1, reference);
    }

    boolean redelivered() {
        return deliveries > 0;
    }

    /**
     * A copy for an error or skipped queue, with {@code more} headers. A message passed by reference is
     * written there by the producing bus's serializer ({@link DecodedMessage#serialize()}), with the
     * message id and the codec's transport headers, so whoever reads that queue sees an ordinary
     * message; if it cannot be written, it keeps its reference (and no bytes), and that is logged.
     */
    StoredMessage deadLettered(Headers more) {
        if (body.length > 0 || reference == null) {
            return new StoredMessage(body, headers.withAll(more), null, deliveries, null);
        }
        try {
            SerializedMessage s = reference.serialize();
            if (s != null) {
                Object id = reference.envelope().messageId();
                Headers written = headers.withAll(s.transportHeaders());
                if (id != null && !written.contains(OutgoingMessage.MESSAGE_ID)) {
                    written = written.with(OutgoingMessage.MESSAGE_ID, id.toString());
                }
                return new StoredMessage(s.body(), written.withAll(more), null, deliveries, null);
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(InMemoryTransport.class).warn(
                    "Message {} passed by reference could not be serialized for its dead-letter queue ({}); it keeps "
                    + "its reference and has no body", reference.envelope().messageId(), e.toString());
        }
        return new StoredMessage(body, headers.withAll(more), null, deliveries, reference);
    }
}
