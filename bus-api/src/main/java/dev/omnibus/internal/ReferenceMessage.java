package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.SendOptions;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.SerializedMessage;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URI;
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
 * <p>One object per message on the producing side: it is the production itself (made by
 * {@link MessageProducer#production}), then filled in by the producer's encode step ({@link #encoded}),
 * and its message id stays two longs until someone asks for it.
 *
 * <p>The envelope is made once ({@link #envelope()}, from the same inputs as a serialized message's:
 * {@link MessageProducer#envelope}), on whichever thread asks first, and every consumer of a
 * fanned-out message sees that one. The receive pipeline reads what it needs without it (the type
 * list, the expiry, the headers), so a consumer that never reads its envelope never pays for it
 * (72 bytes, a conversation id and a time). {@link #serialize()} writes the message with the producing
 * bus's serializer when bytes are needed after all (an error queue, a reader below the bus).
 *
 * <p>Thread-safe: immutable once encoded (the producer fills it in before handing it to the transport,
 * which publishes it to the consumer's thread), but for the envelope, published once by a compare-and-set.
 */
final class ReferenceMessage extends MessageProducer.Production implements MessageProducer.Encoded, DecodedMessage {
    private static final AtomicReferenceFieldUpdater<ReferenceMessage, Envelope> ENVELOPE =
            AtomicReferenceFieldUpdater.newUpdater(ReferenceMessage.class, Envelope.class, "envelope");

    private final MessageProducer producer;
    // set once by encoded(), before the message is handed to the transport (and the resolved type, in type())
    private long idHigh;
    private long idLow;
    private long sentMicros; // the send time, in microseconds since the epoch (the envelope keeps no more)
    private Headers headers;
    private OutgoingMessage outgoing;
    private volatile Envelope envelope;

    ReferenceMessage(MessageProducer producer, Address destination, Object message, MessageType type, SendOptions options,
            Envelope parent, URI source, UUID requestId, URI responseAddress, boolean reply) {
        super(destination, message, type, options, parent, source, requestId, responseAddress, reply);
        this.producer = producer;
    }

    /** Whether {@link #encoded} ran. */
    boolean encoded() {
        return outgoing != null;
    }

    /** Fills in what encoding decided: the resolved type, the send time, the envelope headers, what the transport carries. */
    void encoded(MessageType type, Instant sentAt, Headers envelopeHeaders, OutgoingMessage out) {
        UUID given = options().messageId();
        if (given != null) {
            idHigh = given.getMostSignificantBits();
            idLow = given.getLeastSignificantBits();
        } else {
            idHigh = Uuid7.nextHigh();
            idLow = Uuid7.randomLow();
        }
        resolved(type);
        this.sentMicros = Math.addExact(Math.multiplyExact(sentAt.getEpochSecond(), 1_000_000L), sentAt.getNano() / 1000);
        this.headers = envelopeHeaders;
        this.outgoing = out;
    }

    @Override
    public Envelope envelope() {
        Envelope e = envelope;
        if (e == null) {
            e = producer.envelope(this, type(), messageId(),
                    Instant.ofEpochSecond(Math.floorDiv(sentMicros, 1_000_000L), Math.floorMod(sentMicros, 1_000_000L) * 1000L),
                    headers);
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
        return new UUID(idHigh, idLow);
    }

    /** The envelope's type list, without making the envelope. */
    List<String> messageTypes() {
        return type().messageTypes();
    }

    /** The envelope's correlation id, without making the envelope. */
    UUID correlationId() {
        return options().correlationId();
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
        Object message = message();
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
        return producer.serializer().serialize(envelope(), message());
    }
}
