package dev.omnibus.internal;

import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.SerializedMessage;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;

/**
 * A message passed by reference ({@code InMemoryTransport.builder().byReference(true)}): the
 * producer's object, what the producer knew when it produced it, and the envelope made from that
 * when first asked for. The receiving bus binds the very object the producer gave, so messages must
 * be immutable (the user's contract under by reference).
 *
 * <p>The envelope is made once ({@link #envelope()}, from the same inputs as a serialized message's:
 * {@link MessageProducer#envelope}), on whichever thread asks first, and every consumer of a
 * fanned-out message sees that one. The receive pipeline reads what it needs without it (the type
 * list, the message id, the expiry), so a consumer that never reads its envelope never pays for it
 * (72 bytes, a conversation id and a time). {@link #serialize()} writes the message with the producing
 * bus's serializer when bytes are needed after all (an error queue, a reader below the bus).
 *
 * <p>Thread-safe: immutable but for the envelope, published once by a compare-and-set.
 */
final class ReferenceMessage implements MessageProducer.Encoded, DecodedMessage {
    private static final AtomicReferenceFieldUpdater<ReferenceMessage, Envelope> ENVELOPE =
            AtomicReferenceFieldUpdater.newUpdater(ReferenceMessage.class, Envelope.class, "envelope");

    private final MessageProducer producer;
    private final MessageProducer.Production production;
    private final MessageType type;
    private final UUID messageId;
    private final Instant now;
    private final Headers headers;
    /** What the transport carries; set once by the producer right after construction, before publication. */
    OutgoingMessage outgoing;
    private volatile Envelope envelope;

    ReferenceMessage(MessageProducer producer, MessageProducer.Production production, MessageType type, UUID messageId,
            Instant now, Headers headers) {
        this.producer = producer;
        this.production = production;
        this.type = type;
        this.messageId = messageId;
        this.now = now;
        this.headers = headers;
    }

    @Override
    public Envelope envelope() {
        Envelope e = envelope;
        if (e == null) {
            e = producer.envelope(production, type, messageId, now, headers);
            if (!ENVELOPE.compareAndSet(this, null, e)) {
                e = envelope; // another thread made it first: everyone sees that one
            }
        }
        return e;
    }

    @Override
    public OutgoingMessage outgoing() {
        return outgoing;
    }

    @Override
    public UUID messageId() {
        return messageId;
    }

    /** The envelope's type list, without making the envelope. */
    List<String> messageTypes() {
        return type.messageTypes();
    }

    /** The envelope's correlation id, without making the envelope. */
    UUID correlationId() {
        return production.options().correlationId();
    }

    /** The envelope's expiration time, without making the envelope. */
    Instant expirationTime() {
        return outgoing.expiration();
    }

    /** The envelope's headers, without making the envelope. */
    Headers headers() {
        return headers;
    }

    @Override
    public Object message(Type bindTo) {
        Object message = production.message();
        Class<?> raw = bindTo instanceof Class<?> c ? c
                : bindTo instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> c ? c
                : Object.class;
        if (!raw.isInstance(message)) {
            throw new SerializationException("the message passed by reference is a " + message.getClass().getName()
                    + ", not a " + bindTo.getTypeName());
        }
        return message;
    }

    @Override
    public SerializedMessage serialize() {
        return producer.serializer().serialize(envelope(), production.message());
    }
}
