package dev.omnibus.inmemory;

import dev.omnibus.Headers;
import java.time.Instant;

/** A message held by the in-memory broker. Immutable. */
record StoredMessage(byte[] body, Headers headers, Instant expiration, boolean redelivered) {
    StoredMessage asRedelivered() {
        return redelivered ? this : new StoredMessage(body, headers, expiration, true);
    }

    StoredMessage withHeaders(Headers more) {
        return new StoredMessage(body, headers.withAll(more), null, redelivered);
    }
}
