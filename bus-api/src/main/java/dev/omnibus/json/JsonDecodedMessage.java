package dev.omnibus.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnibus.Envelope;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * An envelope read from JSON (or CBOR) and the body's still unbound tree. {@link #message(Type)}
 * binds the tree (never the bytes again) and remembers the last binding, so consumers of the same
 * type share one instance. A body that is a byte string (a CBOR envelope embeds its message as
 * encoded CBOR) is bound straight from those bytes. Safe to use from several threads: a race
 * binds twice, harmlessly.
 */
final class JsonDecodedMessage implements DecodedMessage {
    private final Envelope envelope;
    private final JsonNode body;
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
        this.codec = codec;
        this.whenAbsent = whenAbsent;
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

    private record Bound(Type type, Object value) {
    }
}
