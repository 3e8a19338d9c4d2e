package dev.omnibus.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnibus.Envelope;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * An envelope read from JSON (or CBOR) and its message: already bound (the JSON reader bound it in
 * place, its type known during the pass), the message's byte range in the JSON body, or an
 * unbound tree (CBOR, or a scalar message). {@link #message(Type)} returns the in-place binding
 * when the type matches, else binds the range or tree (never the whole body again), and
 * remembers the last binding, so consumers of the same type share one instance; a binding from
 * the range teaches the reader's {@link JsonEnvelopeReader.TypeHints} the type for next time. A
 * body that is a byte string (a CBOR envelope embeds its message as encoded CBOR) is bound
 * straight from those bytes. Safe to use from several threads: a race binds twice, harmlessly.
 */
final class JsonDecodedMessage implements DecodedMessage {
    private final Envelope envelope;
    private final JsonNode body;
    private final byte[] bytes;
    private final int from;
    private final int to;
    private final JsonEnvelopeReader.TypeHints hints;
    private final JsonCodec codec;
    private final String whenAbsent;
    private volatile Bound last;

    /**
     * @param body       the message tree, or null when there is none
     * @param whenAbsent why there is no body, for the error when binding is asked for
     */
    JsonDecodedMessage(Envelope envelope, JsonNode body, JsonCodec codec, String whenAbsent) {
        this.envelope = envelope;
        this.body = body == null || body.isNull() || body.isMissingNode() ? null : body;
        this.bytes = null;
        this.from = 0;
        this.to = 0;
        this.hints = null;
        this.codec = codec;
        this.whenAbsent = whenAbsent;
    }

    /**
     * A message at {@code json[from, to)}, an object or array.
     *
     * @param bound the in-place binding, or null
     * @param hints where to remember which type the first URN was bound to
     */
    JsonDecodedMessage(Envelope envelope, byte[] json, int from, int to, Bound bound,
            JsonEnvelopeReader.TypeHints hints, JsonCodec codec) {
        this.envelope = envelope;
        this.body = null;
        this.bytes = json;
        this.from = from;
        this.to = to;
        this.hints = hints;
        this.codec = codec;
        this.whenAbsent = "envelope has no message";
        this.last = bound;
    }

    @Override
    public Envelope envelope() {
        return envelope;
    }

    @Override
    public Object message(Type type) {
        Objects.requireNonNull(type, "type");
        Bound b = last;
        if (b != null && b.type.equals(type)) {
            return b.value;
        }
        if (bytes != null) {
            Object value = codec.bind(bytes, from, to - from, type);
            hints.learn(envelope.messageType(), type);
            last = new Bound(type, value);
            return value;
        }
        if (body == null) {
            throw new SerializationException(whenAbsent + ": nothing to bind to " + type.getTypeName()
                    + " (messageId " + envelope.messageId() + ")");
        }
        Object value = body.isBinary() ? codec.bind(binary(body), type) : codec.bind(body, type);
        last = new Bound(type, value);
        return value;
    }

    private static byte[] binary(JsonNode node) {
        try {
            return node.binaryValue();
        } catch (java.io.IOException e) {
            throw new SerializationException("message bytes cannot be read: " + e, e);
        }
    }

    @Override
    public String toString() {
        return "DecodedMessage[messageId=" + envelope.messageId() + ", messageType=" + envelope.messageType() + "]";
    }

    /** A message bound to a type. */
    record Bound(Type type, Object value) {
    }
}
