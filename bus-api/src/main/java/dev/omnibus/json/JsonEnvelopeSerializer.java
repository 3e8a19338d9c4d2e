package dev.omnibus.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.omnibus.ConfigurationException;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import dev.omnibus.spi.Serializer;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * MassTransit's JSON envelope ({@value #CONTENT_TYPE}): the message and everything about it in
 * one JSON object, byte-compatible with what MassTransit 8's System.Text.Json serializer writes
 * and reads, so Omnibus and .NET services share queues.
 *
 * <pre>{@code
 * Serializer json = JsonEnvelopeSerializer.create();
 * SerializedMessage out = json.serialize(envelope, new SubmitOrder(orderId, Instant.now()));
 *
 * DecodedMessage in = json.deserialize(out.body(), out.transportHeaders());
 * MessageType type = registry.resolve(in.envelope().messageType().get(0)).orElseThrow();
 * SubmitOrder order = (SubmitOrder) in.message(type.javaType());
 * }</pre>
 *
 * <h2>Writing</h2>
 * Fields are written in MassTransit's order: {@code messageId, requestId, correlationId,
 * conversationId, initiatorId, sourceAddress, destinationAddress, responseAddress, faultAddress,
 * messageType, message, expirationTime, sentTime, headers, host}; absent ones as JSON
 * {@code null}. Ids are lowercase {@code D} GUIDs, times UTC ISO-8601 with {@code Z} and trailing
 * fraction zeros dropped, addresses strings, header names as given. The message body is written
 * by the mapper: record components under their own (camelCase) names, {@code BigDecimal} as a
 * string, enums as numbers and {@code Duration}s as .NET {@code TimeSpan}s (what System.Text.Json
 * writes; {@link #builder()} chooses names and ISO-8601 instead, see {@link EnumFormat} and
 * {@link DurationFormat}), an {@code OffsetDateTime} with its offset. Output is compact, where MassTransit indents; a mapper with
 * {@code INDENT_OUTPUT} indents too. {@link SerializedMessage#transportHeaders()} is empty: the
 * bus adds {@code MessageId}, {@code CorrelationId} and {@code Content-Type} itself.
 *
 * <h2>Reading</h2>
 * The body is read in one streaming pass, with no tree ({@code JsonEnvelopeReader}). When
 * {@code messageType} comes before the message and its first URN was bound before, the message is
 * bound to that type during the pass and {@link DecodedMessage#message(java.lang.reflect.Type)}
 * returns it; otherwise (message first, a URN not seen yet, another type asked for) the message's
 * byte range is bound when asked. Writing copies pre-encoded fragments (addresses, the URN list,
 * the host) and writes ids and times as bytes ({@code JsonEnvelopeWriter}). Like MassTransit
 * the reader is tolerant: property names match case-insensitively (in the envelope and the
 * message), unknown properties are ignored, comments and trailing commas are allowed, ids may be
 * {@code D}, {@code N}, {@code B} or {@code P} GUIDs and an empty string is an absent id, and
 * every field may be missing (then it is null). A missing {@code messageType} is an empty list, as
 * MassTransit reads it: the bus finds no consumer and moves the message to {@code _skipped}. Header values become
 * String, Boolean, Integer/Long/BigInteger, Double, List or Map.
 *
 * <h2>Failures</h2>
 * Every failure is a {@link SerializationException} (never retryable) whose message says what is
 * wrong: "body is not JSON: …", "envelope is not a JSON object …", "messageId is not a GUID: …", "message does not fit com.acme.SubmitOrder: …" (with
 * Jackson's reason and the JSON path), or a body nesting deeper than 200 levels. Writing fails
 * the same way when the mapper cannot write the message.
 *
 * <h2>Threading and cost</h2>
 * Instances are immutable and thread-safe; make one per bus and share it. Each holds one
 * configured mapper with its reader and writer, so per message there is no reflection beyond
 * Jackson's caches, and no intermediate {@code String} of the body.
 */
public final class JsonEnvelopeSerializer implements Serializer {
    /** MassTransit's content type of a JSON envelope. */
    public static final String CONTENT_TYPE = "application/vnd.masstransit+json";

    private static final int INITIAL_BUFFER = 1024;

    private final JsonCodec codec;
    private final JsonEnvelopeReader reader;
    private final JsonEnvelopeWriter fastWriter;

    private JsonEnvelopeSerializer(JsonCodec codec) {
        this.codec = codec;
        this.reader = new JsonEnvelopeReader(codec);
        this.fastWriter = new JsonEnvelopeWriter(codec);
    }

    /**
     * A serializer with Omnibus's own mapper configuration (see {@link #create(ObjectMapper)}).
     *
     * @return a new serializer; share it
     */
    public static JsonEnvelopeSerializer create() {
        return new JsonEnvelopeSerializer(JsonCodec.create());
    }

    /**
     * A serializer that writes and binds messages with a copy of {@code mapper}, keeping its
     * modules, naming strategy, inclusion rules, mix-ins and visibility; {@code mapper} itself is
     * not changed. On the copy these settings, which MassTransit interop relies on, are imposed:
     * <ul>
     *   <li>{@code JavaTimeModule} registered; {@code WRITE_DATES_AS_TIMESTAMPS},
     *       {@code WRITE_DURATIONS_AS_TIMESTAMPS} and {@code ADJUST_DATES_TO_CONTEXT_TIME_ZONE} off;
     *       {@code WRITE_ENUMS_USING_INDEX} on (enums as numbers; {@link #builder()} for names);
     *       {@code Duration} written as a .NET TimeSpan ({@link #builder()} for ISO-8601) and read
     *       from either;</li>
     *   <li>{@code Instant} written as UTC ISO-8601 and read with or without an offset;
     *       {@code BigDecimal} written as a string and read from a string or number; {@code UUID}
     *       read in any .NET form (these replace other serializers for those three types);</li>
     *   <li>{@code ACCEPT_CASE_INSENSITIVE_PROPERTIES} and {@code ACCEPT_CASE_INSENSITIVE_ENUMS}
     *       on; {@code FAIL_ON_UNKNOWN_PROPERTIES} and {@code FAIL_ON_EMPTY_BEANS} off;</li>
     *   <li>{@code ALLOW_JAVA_COMMENTS} and {@code ALLOW_TRAILING_COMMA} on; a nesting depth limit
     *       of 200 (kept if the mapper's is lower);</li>
     *   <li>default typing deactivated: a message never names the Java class it becomes.</li>
     * </ul>
     * Record components should be camelCase (MassTransit's naming); .NET reads other names only
     * if they match case-insensitively.
     *
     * @param mapper the mapper to copy; it is not changed
     * @return a new serializer; share it
     * @throws ConfigurationException if {@code mapper} is not a JSON mapper (YAML, Smile, …)
     */
    public static JsonEnvelopeSerializer create(ObjectMapper mapper) {
        return new JsonEnvelopeSerializer(JsonCodec.create(mapper));
    }

    /**
     * A builder for a JsonEnvelopeSerializer with other formats or a mapper of its own:
     *
     * <pre>{@code
     * JsonEnvelopeSerializer javaOnly = JsonEnvelopeSerializer.builder()
     *         .enums(EnumFormat.NAME)               // "HIGH" rather than 2
     *         .durations(DurationFormat.ISO_8601)   // "PT1H" rather than "01:00:00"
     *         .build();
     * }</pre>
     *
     * Defaults: Omnibus's own mapper, {@link EnumFormat#NUMBER} and {@link DurationFormat#TIMESPAN},
     * what a .NET MassTransit service writes and expects.
     *
     * @return a new builder; not thread-safe, {@link Builder#build()} gives an immutable serializer
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link JsonEnvelopeSerializer}; see {@link #builder()}. Not thread-safe. */
    public static final class Builder extends CodecBuilder<Builder> {
        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * The serializer.
         *
         * @throws ConfigurationException naming every setting left null, or if the mapper is not a JSON mapper
         */
        public JsonEnvelopeSerializer build() {
            return new JsonEnvelopeSerializer(codec("JsonEnvelopeSerializer builder"));
        }
    }

    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }

    /**
     * Writes the envelope with {@code message} as its body.
     *
     * @throws SerializationException if the mapper cannot write {@code message}
     * @throws NullPointerException   if either argument is null
     */
    @Override
    public SerializedMessage serialize(Envelope envelope, Object message) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(message, "message");
        ObjectWriter writer = codec.writer();
        if (fastWriter.fast()) {
            try {
                return new SerializedMessage(fastWriter.write(envelope, message), CONTENT_TYPE, Headers.empty());
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("Cannot write message " + message.getClass().getName()
                        + " (messageId " + envelope.messageId() + ") as JSON: " + JsonCodec.reasonOf(e), e);
            }
        }
        ByteArrayBuilder out = new ByteArrayBuilder(INITIAL_BUFFER);
        try (JsonGenerator g = writer.createGenerator(out, JsonEncoding.UTF8)) {
            EnvelopeWriter.JSON.write(g, writer, envelope, message);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot write message " + message.getClass().getName()
                    + " (messageId " + envelope.messageId() + ") as JSON: " + JsonCodec.reasonOf(e), e);
        }
        return new SerializedMessage(out.toByteArray(), CONTENT_TYPE, Headers.empty());
    }

    /**
     * Reads the envelope; the message stays an unbound tree until
     * {@link DecodedMessage#message(java.lang.reflect.Type)}.
     *
     * @param transportHeaders not used: everything is in the body
     * @throws SerializationException if the body is not a JSON envelope; the message says why
     */
    @Override
    public DecodedMessage deserialize(byte[] body, Headers transportHeaders) {
        return reader.read(body);
    }

    /** Reads an id field of the envelope tree; the formats differ in how they write ids. */
    @FunctionalInterface
    interface IdReader {
        UUID read(JsonNode value, String field);
    }

    /**
     * Reads the envelope fields of {@code root} (an object node, from JSON or CBOR) by name, case
     * insensitively, skipping unknown ones; the message stays an unbound node.
     *
     * @throws SerializationException if a field is malformed; a missing {@code messageType} is an empty list
     */
    static DecodedMessage read(JsonNode root, JsonCodec codec, IdReader ids) {
        UUID messageId = null;
        UUID requestId = null;
        UUID correlationId = null;
        UUID conversationId = null;
        UUID initiatorId = null;
        URI sourceAddress = null;
        URI destinationAddress = null;
        URI responseAddress = null;
        URI faultAddress = null;
        List<String> messageType = null;
        JsonNode message = null;
        Instant expirationTime = null;
        Instant sentTime = null;
        Headers headers = Headers.empty();
        HostInfo host = null;
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            JsonEnvelopeReader.Field field = JsonEnvelopeReader.Field.of(e.getKey());
            if (field == null) {
                continue;
            }
            JsonNode v = e.getValue();
            switch (field) {
                case MESSAGE_ID -> messageId = ids.read(v, "messageId");
                case REQUEST_ID -> requestId = ids.read(v, "requestId");
                case CORRELATION_ID -> correlationId = ids.read(v, "correlationId");
                case CONVERSATION_ID -> conversationId = ids.read(v, "conversationId");
                case INITIATOR_ID -> initiatorId = ids.read(v, "initiatorId");
                case SOURCE_ADDRESS -> sourceAddress = EnvelopeNodes.address(v, "sourceAddress");
                case DESTINATION_ADDRESS -> destinationAddress = EnvelopeNodes.address(v, "destinationAddress");
                case RESPONSE_ADDRESS -> responseAddress = EnvelopeNodes.address(v, "responseAddress");
                case FAULT_ADDRESS -> faultAddress = EnvelopeNodes.address(v, "faultAddress");
                case MESSAGE_TYPE -> messageType = EnvelopeNodes.messageTypes(v, "messageType");
                case MESSAGE -> message = v;
                case EXPIRATION_TIME -> expirationTime = EnvelopeNodes.time(v, "expirationTime");
                case SENT_TIME -> sentTime = EnvelopeNodes.time(v, "sentTime");
                case HEADERS -> headers = EnvelopeNodes.headers(v, "headers");
                case HOST -> host = EnvelopeNodes.host(v, "host");
                default -> throw new AssertionError(field);
            }
        }
        // MassTransit reads a missing messageType as no types (EnvelopeMessageContext: SupportedMessageTypes =
        // envelope.MessageType ?? []), so no consumer matches and the bus skips the message
        if (messageType == null) {
            messageType = List.of();
        }
        Envelope envelope = new Envelope(messageId, requestId, correlationId, conversationId, initiatorId,
                sourceAddress, destinationAddress, responseAddress, faultAddress, messageType, sentTime,
                expirationTime, headers, host);
        return new JsonDecodedMessage(envelope, message, codec, "envelope has no message");
    }

    @Override
    public String toString() {
        return "JsonEnvelopeSerializer[" + CONTENT_TYPE + "]";
    }
}
