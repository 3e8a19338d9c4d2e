package dev.omnibus.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Raw JSON ({@value #CONTENT_TYPE}): the body is the message alone, and the envelope travels in
 * transport headers, as MassTransit's {@code UseRawJsonSerializer} does with its default options
 * ({@code AddTransportHeaders | CopyHeaders}). Use it for producers and consumers that know
 * nothing of envelopes: webhooks, other languages' clients, MassTransit endpoints configured for
 * raw JSON.
 *
 * <pre>{@code
 * Serializer raw = RawJsonSerializer.create();
 * SerializedMessage out = raw.serialize(envelope, order);   // body: {"orderId":"…",…}
 * transport.send(out.body(), out.transportHeaders());       // MessageId, MT-MessageType, …
 * }</pre>
 *
 * <h2>Headers</h2>
 * Written, each only when the envelope has the value: {@code MessageId}, {@code CorrelationId},
 * {@code ConversationId}, {@code RequestId} (lowercase {@code D} GUIDs), {@code MT-InitiatorId},
 * {@code MT-Source-Address}, {@code MT-Response-Address}, {@code MT-Fault-Address},
 * {@code MT-MessageType} (the URNs joined by {@code ;}) and {@code MT-Host-Info} (the host as
 * JSON with PascalCase names, as MassTransit writes it); the envelope's own headers are copied
 * beside them. As in MassTransit there is no header for the destination, sent time or
 * expiration: a transport carries time-to-live its own way.
 *
 * <p>On reading, header names match case-insensitively. Those headers fill the envelope (absent
 * ones are null); every other transport header except {@code Content-Type} becomes an envelope
 * header. Without {@code MT-MessageType} the envelope's message types are empty and the bus
 * decides what the body is. The sent time is recovered from the message id when it embeds one (a
 * UUIDv7 or a MassTransit {@code NewId}), as MassTransit does; destination and expiration are null.
 *
 * <p>A body that is a whole MassTransit envelope (a JSON object with a {@code messageType} array
 * and a {@code message} object) is read as {@link JsonEnvelopeSerializer} reads it, whatever the
 * headers say: a producer that labels envelopes {@code application/json} is common, and binding
 * the envelope as the message would silently give a message of nulls.
 *
 * <p>Enums are written as numbers and {@code Duration}s as .NET {@code TimeSpan}s, as MassTransit's
 * raw serializer (System.Text.Json) writes them; {@link #builder()} chooses names and ISO-8601.
 *
 * <h2>Failures</h2>
 * {@link SerializationException} (never retryable) when the body is not JSON ("body is not JSON:
 * …"), when an id header is not a GUID or an address header not a URI (the message names the
 * header), when {@code MT-Host-Info} is not a JSON object, or when the body does not fit the type
 * asked for. The body may be any JSON value, not only an object.
 *
 * <h2>Threading and defaults</h2>
 * Immutable and thread-safe; share one. The mapper is configured as for
 * {@link JsonEnvelopeSerializer#create(ObjectMapper)}, which documents the settings imposed.
 */
public final class RawJsonSerializer implements Serializer {
    /** The content type of a raw JSON body. */
    public static final String CONTENT_TYPE = "application/json";

    private static final String MESSAGE_ID = "MessageId";
    private static final String CORRELATION_ID = "CorrelationId";
    private static final String CONVERSATION_ID = "ConversationId";
    private static final String REQUEST_ID = "RequestId";
    private static final String INITIATOR_ID = "MT-InitiatorId";
    private static final String SOURCE_ADDRESS = "MT-Source-Address";
    private static final String RESPONSE_ADDRESS = "MT-Response-Address";
    private static final String FAULT_ADDRESS = "MT-Fault-Address";
    private static final String MESSAGE_TYPE = "MT-MessageType";
    private static final String HOST_INFO = "MT-Host-Info";
    private static final String CONTENT_TYPE_HEADER = "Content-Type";

    private static final int INITIAL_BUFFER = 512;

    private final JsonCodec codec;

    private RawJsonSerializer(JsonCodec codec) {
        this.codec = codec;
    }

    /**
     * A raw serializer with Omnibus's own mapper configuration.
     *
     * @return a new serializer; share it
     */
    public static RawJsonSerializer create() {
        return new RawJsonSerializer(JsonCodec.create());
    }

    /**
     * A raw serializer over a copy of {@code mapper}, configured as
     * {@link JsonEnvelopeSerializer#create(ObjectMapper)} describes; {@code mapper} is not changed.
     *
     * @param mapper the mapper to copy; it is not changed
     * @return a new serializer; share it
     * @throws ConfigurationException if {@code mapper} is not a JSON mapper
     */
    public static RawJsonSerializer create(ObjectMapper mapper) {
        return new RawJsonSerializer(JsonCodec.create(mapper));
    }

    /**
     * A builder for a RawJsonSerializer with other formats or a mapper of its own:
     *
     * <pre>{@code
     * RawJsonSerializer javaOnly = RawJsonSerializer.builder()
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

    /** Configures a {@link RawJsonSerializer}; see {@link #builder()}. Not thread-safe. */
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
        public RawJsonSerializer build() {
            return new RawJsonSerializer(codec("RawJsonSerializer builder"));
        }
    }

    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }

    /**
     * Writes {@code message} alone as the body and the envelope as transport headers.
     *
     * @throws SerializationException if the mapper cannot write {@code message}
     * @throws NullPointerException   if either argument is null
     */
    @Override
    public SerializedMessage serialize(Envelope envelope, Object message) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(message, "message");
        ByteArrayBuilder out = new ByteArrayBuilder(INITIAL_BUFFER);
        try (JsonGenerator g = codec.writer().createGenerator(out, JsonEncoding.UTF8)) {
            codec.writer().writeValue(g, message);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot write message " + message.getClass().getName()
                    + " (messageId " + envelope.messageId() + ") as JSON: " + JsonCodec.reasonOf(e), e);
        }
        Map<String, Object> headers = new LinkedHashMap<>(envelope.headers().asMap());
        putText(headers, MESSAGE_ID, envelope.messageId());
        putText(headers, CORRELATION_ID, envelope.correlationId());
        putText(headers, CONVERSATION_ID, envelope.conversationId());
        putText(headers, REQUEST_ID, envelope.requestId());
        putText(headers, INITIATOR_ID, envelope.initiatorId());
        putText(headers, SOURCE_ADDRESS, envelope.sourceAddress());
        putText(headers, RESPONSE_ADDRESS, envelope.responseAddress());
        putText(headers, FAULT_ADDRESS, envelope.faultAddress());
        if (!envelope.messageType().isEmpty()) {
            headers.put(MESSAGE_TYPE, String.join(";", envelope.messageType()));
        }
        if (envelope.host() != null) {
            headers.put(HOST_INFO, hostJson(envelope.host()));
        }
        return new SerializedMessage(out.toByteArray(), CONTENT_TYPE, Headers.of(headers));
    }

    /**
     * Reads the envelope from {@code transportHeaders} and parses the body; the message stays an
     * unbound tree until {@link DecodedMessage#message(java.lang.reflect.Type)}.
     *
     * @param transportHeaders the headers delivered with the body; null is no headers
     * @throws SerializationException if the body is not JSON or an envelope header is malformed
     */
    @Override
    public DecodedMessage deserialize(byte[] body, Headers transportHeaders) {
        JsonNode root = codec.parse(body, "body");
        if (isEnvelope(root)) {
            // a MassTransit envelope sent as application/json: binding it whole as the message would give
            // a message of nulls, silently
            return JsonEnvelopeSerializer.read(root, codec, EnvelopeNodes::id);
        }
        UUID messageId = null;
        UUID requestId = null;
        UUID correlationId = null;
        UUID conversationId = null;
        UUID initiatorId = null;
        URI sourceAddress = null;
        URI responseAddress = null;
        URI faultAddress = null;
        List<String> messageType = List.of();
        HostInfo host = null;
        Map<String, Object> rest = new LinkedHashMap<>();
        Headers headers = transportHeaders == null ? Headers.empty() : transportHeaders;
        for (Map.Entry<String, Object> e : headers.asMap().entrySet()) {
            String name = e.getKey();
            Object value = e.getValue();
            Header header = Header.of(name);
            if (header == null) {
                rest.put(name, value);
                continue;
            }
            switch (header) {
                case MESSAGE_ID -> messageId = id(value, name);
                case CORRELATION_ID -> correlationId = id(value, name);
                case CONVERSATION_ID -> conversationId = id(value, name);
                case REQUEST_ID -> requestId = id(value, name);
                case INITIATOR_ID -> initiatorId = id(value, name);
                case SOURCE_ADDRESS -> sourceAddress = address(value, name);
                case RESPONSE_ADDRESS -> responseAddress = address(value, name);
                case FAULT_ADDRESS -> faultAddress = address(value, name);
                case MESSAGE_TYPE -> messageType = messageTypes(text(value));
                case HOST_INFO -> host = host(value, name);
                case CONTENT_TYPE -> {
                    // transport-level; the bus already used it to pick this serializer
                }
                default -> throw new AssertionError(header);
            }
        }
        Envelope envelope = new Envelope(messageId, requestId, correlationId, conversationId, initiatorId,
                sourceAddress, null, responseAddress, faultAddress, messageType,
                messageId == null ? null : WireValues.timestampOf(messageId), null, Headers.of(rest), host);
        return new JsonDecodedMessage(envelope, root, codec, "body is JSON null");
    }

    @Override
    public String toString() {
        return "RawJsonSerializer[" + CONTENT_TYPE + "]";
    }

    /**
     * Whether {@code root} is a MassTransit envelope rather than a message: an object with a
     * {@code messageType} array and a {@code message} object (names in any case).
     */
    static boolean isEnvelope(JsonNode root) {
        if (!root.isObject()) {
            return false;
        }
        boolean types = false;
        boolean message = false;
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equalsIgnoreCase("messageType")) {
                types = e.getValue().isArray();
            } else if (e.getKey().equalsIgnoreCase("message")) {
                message = e.getValue().isObject();
            }
        }
        return types && message;
    }

    private static void putText(Map<String, Object> headers, String name, Object value) {
        if (value != null) {
            headers.put(name, value.toString());
        }
    }

    private String hostJson(HostInfo host) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = codec.factory().createGenerator(out, JsonEncoding.UTF8)) {
            EnvelopeWriter.writeHost(g, host, true);
        } catch (IOException e) {
            throw new SerializationException("Cannot write " + HOST_INFO + ": " + e, e);
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }

    private static String text(Object value) {
        if (value instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return value.toString();
    }

    private static UUID id(Object value, String header) {
        if (value instanceof UUID uuid) {
            return uuid;
        }
        return EnvelopeNodes.id(text(value), "header " + header);
    }

    private static URI address(Object value, String header) {
        if (value instanceof URI uri) {
            return uri;
        }
        return EnvelopeNodes.address(text(value), "header " + header);
    }

    private static List<String> messageTypes(String joined) {
        List<String> urns = new ArrayList<>(2);
        for (String urn : joined.split(";")) {
            String u = urn.trim();
            if (!u.isEmpty()) {
                urns.add(u);
            }
        }
        return urns;
    }

    private HostInfo host(Object value, String header) {
        String json = text(value);
        if (json.isBlank()) {
            return null;
        }
        JsonNode node = codec.parse(json.getBytes(StandardCharsets.UTF_8), "header " + header);
        return EnvelopeNodes.host(node, "header " + header);
    }

    /** The headers this serializer maps onto envelope fields, by name in any case. */
    private enum Header {
        MESSAGE_ID(RawJsonSerializer.MESSAGE_ID),
        CORRELATION_ID(RawJsonSerializer.CORRELATION_ID),
        CONVERSATION_ID(RawJsonSerializer.CONVERSATION_ID),
        REQUEST_ID(RawJsonSerializer.REQUEST_ID),
        INITIATOR_ID(RawJsonSerializer.INITIATOR_ID),
        SOURCE_ADDRESS(RawJsonSerializer.SOURCE_ADDRESS),
        RESPONSE_ADDRESS(RawJsonSerializer.RESPONSE_ADDRESS),
        FAULT_ADDRESS(RawJsonSerializer.FAULT_ADDRESS),
        MESSAGE_TYPE(RawJsonSerializer.MESSAGE_TYPE),
        HOST_INFO(RawJsonSerializer.HOST_INFO),
        CONTENT_TYPE(RawJsonSerializer.CONTENT_TYPE_HEADER);

        private static final Map<String, Header> EXACT = new HashMap<>();
        private static final Map<String, Header> FOLDED = new HashMap<>();

        static {
            for (Header h : values()) {
                EXACT.put(h.headerName, h);
                FOLDED.put(h.headerName.toLowerCase(Locale.ROOT), h);
            }
        }

        private final String headerName;

        Header(String headerName) {
            this.headerName = headerName;
        }

        static Header of(String name) {
            Header h = EXACT.get(name);
            return h != null ? h : FOLDED.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
