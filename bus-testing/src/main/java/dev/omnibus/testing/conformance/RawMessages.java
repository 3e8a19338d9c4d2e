package dev.omnibus.testing.conformance;

import dev.omnibus.SerializationException;
import dev.omnibus.json.CborEnvelopeSerializer;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Serializer;
import dev.omnibus.testing.conformance.QueueProbe.RawMessage;
import java.util.UUID;

/** Reads messages taken from a queue below the bus (by a {@link QueueProbe}) with the library's envelope serializers. */
final class RawMessages {
    private static final JsonEnvelopeSerializer ENVELOPES = JsonEnvelopeSerializer.create();
    private static final CborEnvelopeSerializer CBOR_ENVELOPES = CborEnvelopeSerializer.create();

    private RawMessages() {
    }

    /** The envelope's message id of a raw message, or null when the body is not a readable envelope. */
    static UUID messageIdOf(RawMessage m) {
        try {
            return envelopesOf(m).deserialize(m.body(), m.headers()).envelope().messageId();
        } catch (SerializationException e) {
            return null;
        }
    }

    static <T> T decode(RawMessage m, Class<T> type) {
        DecodedMessage decoded = envelopesOf(m).deserialize(m.body(), m.headers());
        return type.cast(decoded.message(type));
    }

    /** The library's envelope serializer for a raw message's content type (the bus may write either). */
    private static Serializer envelopesOf(RawMessage m) {
        Object contentType = m.headers().get(OutgoingMessage.CONTENT_TYPE);
        return contentType != null && contentType.toString().startsWith(CborEnvelopeSerializer.CONTENT_TYPE)
                ? CBOR_ENVELOPES : ENVELOPES;
    }
}
