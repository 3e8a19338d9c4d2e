package dev.omnibus.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import dev.omnibus.spi.Serializer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.UUID;

/**
 * The Omnibus envelope in CBOR (RFC 8949), {@value #CONTENT_TYPE}: the same fields as
 * {@link JsonEnvelopeSerializer}'s MassTransit envelope, in a binary encoding that is smaller on the
 * wire. Use it between Omnibus services that do not need to share queues with .NET
 * MassTransit (which does not read it):
 *
 * <pre>{@code
 * Bus bus = Bus.builder()
 *         .transport(transport)
 *         .serializer(CborEnvelopeSerializer.create())         // writes and reads CBOR
 *         .deserializer(JsonEnvelopeSerializer.create())       // still reads JSON envelopes
 *         .receiveEndpoint("orders", e -> e.consumer(SubmitOrder.class, new SubmitOrderConsumer()))
 *         .start();
 * }</pre>
 *
 * A bus reads each delivery with the serializer registered for its {@code Content-Type}, so
 * services can move from JSON to CBOR one at a time: add
 * {@code .deserializer(CborEnvelopeSerializer.create())} to the readers first, then switch the
 * writers.
 *
 * <h2>Writing</h2>
 * One CBOR map with the JSON envelope's keys in the same order: {@code messageId, requestId,
 * correlationId, conversationId, initiatorId, sourceAddress, destinationAddress, responseAddress,
 * faultAddress, messageType, message, expirationTime, sentTime, headers, host}; absent values are
 * CBOR {@code null}. Ids are 16-byte byte strings (big-endian, as {@link UUID} holds them), times
 * UTC ISO-8601 text as in the JSON envelope, addresses and URNs text. The message is encoded on its
 * own with the same mapper settings as the JSON envelope (record components by name, decimals as
 * strings, instants as ISO-8601 text) and embedded as a byte string tagged 24 ("encoded CBOR data
 * item"), so a reader binds it straight from its bytes once the bus has picked the type.
 *
 * <h2>Reading</h2>
 * As tolerant as the JSON envelope: keys match case-insensitively, unknown keys are ignored, every
 * field may be missing (a missing {@code messageType} is an empty list), ids may also be text in any .NET GUID form, and
 * {@code message} may also be an inline CBOR map. The message type is resolved only through the
 * bus's registry: no class name is read from the bytes.
 *
 * <h2>Failures</h2>
 * Every failure is a {@link SerializationException} (never retryable) saying what is wrong: "body
 * is not CBOR: …", "envelope is not a CBOR map …", "messageId is
 * not a GUID: …", "message does not fit com.acme.SubmitOrder: …", or nesting deeper than 200
 * levels.
 *
 * <h2>Threading and cost</h2>
 * Instances are immutable and thread-safe; make one per bus and share it. It holds one configured
 * Jackson CBOR mapper, its readers and its writer. docs/benchmarks.md compares its cost with the
 * JSON envelope's.
 */
public final class CborEnvelopeSerializer implements Serializer {
    /** The content type of a CBOR Omnibus envelope. */
    public static final String CONTENT_TYPE = "application/vnd.omnibus+cbor";

    private static final int INITIAL_BUFFER = 512;
    private static final int UUID_BYTES = 16;

    private final JsonCodec codec;

    private CborEnvelopeSerializer(JsonCodec codec) {
        this.codec = codec;
    }

    /**
     * A serializer with Omnibus's own mapper configuration, the one {@link JsonEnvelopeSerializer#create()}
     * uses, over CBOR.
     *
     * @return a new serializer; share it
     */
    public static CborEnvelopeSerializer create() {
        return new CborEnvelopeSerializer(JsonCodec.cbor());
    }

    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }

    /**
     * Writes the envelope with {@code message} embedded as encoded CBOR.
     *
     * @throws SerializationException if the mapper cannot write {@code message}
     * @throws NullPointerException   if either argument is null
     */
    @Override
    public SerializedMessage serialize(Envelope envelope, Object message) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(message, "message");
        ObjectWriter writer = codec.writer();
        ByteArrayBuilder out = new ByteArrayBuilder(INITIAL_BUFFER);
        try {
            byte[] body = writer.writeValueAsBytes(message);
            try (JsonGenerator g = writer.createGenerator(out, JsonEncoding.UTF8)) {
                EnvelopeWriter.CBOR.write(g, writer, envelope, body);
            }
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot write message " + message.getClass().getName()
                    + " (messageId " + envelope.messageId() + ") as CBOR: " + JsonCodec.reasonOf(e), e);
        }
        return new SerializedMessage(out.toByteArray(), CONTENT_TYPE, Headers.empty());
    }

    /**
     * Reads the envelope; the message stays unbound bytes until
     * {@link DecodedMessage#message(java.lang.reflect.Type)}.
     *
     * @param transportHeaders not used: everything is in the body
     * @throws SerializationException if the body is not a CBOR envelope; the message says why
     */
    @Override
    public DecodedMessage deserialize(byte[] body, Headers transportHeaders) {
        JsonNode root = codec.parse(body, "body");
        if (!root.isObject()) {
            throw new SerializationException("envelope is not a CBOR map but " + EnvelopeNodes.kind(root)
                    + ": an Omnibus CBOR envelope is {\"messageType\": [\"urn:message:…\"], \"message\": h'…', …}");
        }
        return JsonEnvelopeSerializer.read(root, codec, CborEnvelopeSerializer::id);
    }

    @Override
    public String toString() {
        return "CborEnvelopeSerializer[" + CONTENT_TYPE + "]";
    }

    /** An id: a 16-byte byte string (what we write) or text in any .NET GUID form. */
    private static UUID id(JsonNode v, String field) {
        if (v != null && v.isBinary()) {
            byte[] b;
            try {
                b = v.binaryValue();
            } catch (IOException e) {
                throw new SerializationException(field + " cannot be read: " + e, e);
            }
            if (b.length != UUID_BYTES) {
                throw new SerializationException(field + " is not a GUID: a byte string of " + b.length
                        + " bytes (expected 16)");
            }
            ByteBuffer buffer = ByteBuffer.wrap(b);
            return new UUID(buffer.getLong(), buffer.getLong());
        }
        return EnvelopeNodes.id(v, field);
    }
}
