package dev.omnibus.inmemory;

import dev.omnibus.Headers;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.SerializedMessage;

/**
 * A message back on its queue after a requeue. A new message waits on its queue as the producer's
 * {@link OutgoingMessage} itself, with nothing allocated around it (the queue's elements are one or
 * the other: {@link #of}); only a requeue, which must count the deliveries, wraps it. Immutable.
 *
 * @param message    what the producer handed over (or the dead-letter copy of it)
 * @param deliveries how many times it was delivered before (at least 1)
 */
record StoredMessage(OutgoingMessage message, int deliveries) {
    /** The message of a queue element. */
    static OutgoingMessage messageOf(Object element) {
        return element instanceof StoredMessage s ? s.message : (OutgoingMessage) element;
    }

    /** How many times a queue element was delivered before: 0 for a new message. */
    static int deliveriesOf(Object element) {
        return element instanceof StoredMessage s ? s.deliveries : 0;
    }

    /** The queue element of {@code message} after {@code deliveries} deliveries. */
    static Object of(OutgoingMessage message, int deliveries) {
        return deliveries == 0 ? message : new StoredMessage(message, deliveries);
    }

    /**
     * A copy for an error or skipped queue, with {@code more} headers and no expiry. A message passed by
     * reference is written there by the producing bus's serializer ({@link dev.omnibus.spi.DecodedMessage#serialize()}),
     * with the message id and the codec's transport headers, so whoever reads that queue sees an ordinary
     * message; if it cannot be written, it keeps its reference (and no bytes), and that is logged.
     */
    static Object deadLettered(OutgoingMessage m, int deliveries, Headers more) {
        if (m.body().length > 0 || m.reference() == null) {
            return of(new OutgoingMessage(m.body(), m.headers().withAll(more), m.partitionKey(), null, null, null, null),
                    deliveries);
        }
        try {
            SerializedMessage s = m.reference().serialize();
            if (s != null) {
                Object id = m.reference().envelope().messageId();
                Headers written = m.headers().withAll(s.transportHeaders());
                if (id != null && !written.contains(OutgoingMessage.MESSAGE_ID)) {
                    written = written.with(OutgoingMessage.MESSAGE_ID, id.toString());
                }
                return of(new OutgoingMessage(s.body(), written.withAll(more), m.partitionKey(), null, null, null, null),
                        deliveries);
            }
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(InMemoryTransport.class).warn(
                    "Message {} passed by reference could not be serialized for its dead-letter queue ({}); it keeps "
                    + "its reference and has no body", m.reference().envelope().messageId(), e.toString());
        }
        return of(new OutgoingMessage(m.body(), m.headers().withAll(more), m.partitionKey(), null, null, null,
                m.reference()), deliveries);
    }
}
