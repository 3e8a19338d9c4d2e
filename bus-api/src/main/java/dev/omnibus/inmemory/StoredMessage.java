package dev.omnibus.inmemory;

import dev.omnibus.Headers;
import dev.omnibus.spi.DecodedMessage;
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

    /** A copy for an error or skipped queue; a message passed by reference keeps it, having no bytes to read. */
    StoredMessage withHeaders(Headers more) {
        return new StoredMessage(body, headers.withAll(more), null, deliveries, body.length == 0 ? reference : null);
    }
}
