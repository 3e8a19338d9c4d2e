package dev.omnibus.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import java.io.IOException;
import java.lang.reflect.Type;
import java.net.URI;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Reads a JSON envelope in one streaming pass over its bytes, with no tree of the envelope.
 *
 * <p>An envelope in the shape Omnibus and MassTransit write is read first by the
 * {@link EnvelopeScanner}, from its bytes with no parser for the envelope (the message still binds
 * in place through Jackson); anything it does not take, it leaves to the parser below, which gives
 * the same result for everything the scanner takes.
 *
 * <p>The message is bound in place, during the pass, when its type is known by then: the
 * {@code messageType} came before it (MassTransit and Omnibus write it first) and its first URN
 * was bound to a Java type before ({@link TypeHints}: the bus resolves URNs in its registry and
 * calls {@link DecodedMessage#message(Type)}; the answer is remembered per URN, bounded by the
 * number of registered types). Otherwise (the message comes first, a URN not seen yet) the
 * message's byte range is recorded and bound later from those bytes. A failed in-place binding
 * never fails the read: the body is read again without it, and binding then fails with the same
 * reason when {@link DecodedMessage#message(Type)} asks.
 *
 * <p>Envelope values are read from the parser's text buffer: ids and times without a
 * {@code String}; the host object is compared byte for byte with the last one read and reused.
 * Malformed values fail with the messages of {@link EnvelopeNodes}, the tree reader CBOR uses.
 *
 * <p>Thread-safe: the caches are concurrent and bounded ({@value #MAX_CACHED}).
 */
final class JsonEnvelopeReader {
    private static final int MAX_CACHED = 1024;

    private final JsonCodec codec;
    private final TypeHints hints = new TypeHints();
    private final EnvelopeScanner scanner;
    private final ConcurrentMap<String, URI> addresses = new ConcurrentHashMap<>();
    private volatile HostBytes lastHost;

    JsonEnvelopeReader(JsonCodec codec) {
        this.codec = codec;
        this.scanner = new EnvelopeScanner(codec, hints);
    }

    /**
     * Reads {@code body}: by the {@link EnvelopeScanner} when it is in the usual shape, else with
     * the parser.
     *
     * @throws SerializationException with the same reasons as the tree reader
     */
    DecodedMessage read(byte[] body) {
        if (body == null || body.length == 0) {
            throw new SerializationException("body is not JSON: it is empty");
        }
        DecodedMessage scanned = scanner.scan(body);
        return scanned != null ? scanned : readWithParser(body);
    }

    /** Reads a non-empty {@code body} with the parser, whatever its shape (and the scanner's tests compare with it). */
    DecodedMessage readWithParser(byte[] body) {
        try {
            try {
                return read(body, true);
            } catch (InPlaceBindingFailed e) {
                return read(body, false);
            }
        } catch (StreamConstraintsException e) {
            throw new SerializationException("body exceeds a JSON parser limit (nesting depth "
                    + JsonCodec.MAX_NESTING_DEPTH + " or number/string length): " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            throw new SerializationException("body is not JSON: " + JsonCodec.reasonOf(e), e);
        } catch (IOException e) {
            throw new SerializationException("body could not be read as JSON: " + e, e);
        }
    }

    private DecodedMessage read(byte[] body, boolean bindInPlace) throws IOException {
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
        Instant expirationTime = null;
        Instant sentTime = null;
        Headers headers = Headers.empty();
        HostInfo host = null;
        int messageFrom = -1;
        int messageTo = -1;
        JsonNode scalarMessage = null;
        JsonDecodedMessage.Bound bound = null;
        try (JsonParser p = codec.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new SerializationException("body is not JSON: it holds no value (only whitespace or comments)");
            }
            if (t != JsonToken.START_OBJECT) {
                JsonNode root = codec.parse(body, "body"); // the syntax error, or what the root is
                throw new SerializationException("envelope is not a JSON object but " + EnvelopeNodes.kind(root)
                        + ": a MassTransit envelope is {\"messageType\": [\"urn:message:…\"], \"message\": {…}, …}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                Field field = Field.of(p.currentName());
                t = p.nextToken();
                if (field == null) {
                    p.skipChildren();
                    continue;
                }
                switch (field) {
                    case MESSAGE_ID -> messageId = id(p, "messageId");
                    case REQUEST_ID -> requestId = id(p, "requestId");
                    case CORRELATION_ID -> correlationId = id(p, "correlationId");
                    case CONVERSATION_ID -> conversationId = id(p, "conversationId");
                    case INITIATOR_ID -> initiatorId = id(p, "initiatorId");
                    case SOURCE_ADDRESS -> sourceAddress = address(p, "sourceAddress");
                    case DESTINATION_ADDRESS -> destinationAddress = address(p, "destinationAddress");
                    case RESPONSE_ADDRESS -> responseAddress = address(p, "responseAddress");
                    case FAULT_ADDRESS -> faultAddress = address(p, "faultAddress");
                    case MESSAGE_TYPE -> messageType = messageTypes(p, "messageType");
                    case MESSAGE -> {
                        messageFrom = -1;
                        scalarMessage = null;
                        bound = null;
                        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                            messageFrom = (int) p.currentTokenLocation().getByteOffset();
                            Type hint = bindInPlace && messageType != null ? hints.typeFor(messageType) : null;
                            if (hint != null) {
                                bound = new JsonDecodedMessage.Bound(hint, bindHere(p, hint));
                            } else {
                                p.skipChildren();
                            }
                            messageTo = (int) p.currentLocation().getByteOffset();
                        } else if (t != JsonToken.VALUE_NULL) {
                            scalarMessage = p.readValueAsTree();
                        }
                    }
                    case EXPIRATION_TIME -> expirationTime = time(p, "expirationTime");
                    case SENT_TIME -> sentTime = time(p, "sentTime");
                    case HEADERS -> headers = t == JsonToken.VALUE_NULL ? Headers.empty()
                            : EnvelopeNodes.headers(p.readValueAsTree(), "headers");
                    case HOST -> host = host(p, body);
                    default -> throw new AssertionError(field);
                }
            }
            t = p.nextToken();
            if (t != null) {
                throw new SerializationException("body is not JSON: trailing token (" + t + ") after the envelope"
                        + " (line " + p.currentTokenLocation().getLineNr() + ", column "
                        + p.currentTokenLocation().getColumnNr() + ")");
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
        if (messageFrom >= 0) {
            return new JsonDecodedMessage(envelope, body, messageFrom, messageTo, bound, hints, codec);
        }
        return new JsonDecodedMessage(envelope, scalarMessage, codec, "envelope has no message");
    }

    private Object bindHere(JsonParser p, Type type) {
        try {
            return codec.bindInPlace(p, type);
        } catch (IOException | RuntimeException e) {
            throw new InPlaceBindingFailed();
        }
    }

    private static UUID id(JsonParser p, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            return EnvelopeNodes.id((JsonNode) p.readValueAsTree(), field);
        }
        char[] chars = p.getTextCharacters();
        int to = WireValues.trimmedEnd(chars, p.getTextOffset(), p.getTextOffset() + p.getTextLength());
        int from = WireValues.trimmedStart(chars, p.getTextOffset(), to);
        if (from == to) {
            return null;
        }
        try {
            return WireValues.parseGuid(chars, from, to - from);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return EnvelopeNodes.id(p.getText(), field); // throws, naming the field
        }
    }

    private URI address(JsonParser p, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t != JsonToken.VALUE_STRING) {
            return EnvelopeNodes.address((JsonNode) p.readValueAsTree(), field);
        }
        String text = p.getText();
        URI uri = addresses.get(text);
        if (uri == null) {
            uri = EnvelopeNodes.address(text, field);
            if (uri != null && addresses.size() < MAX_CACHED) {
                addresses.put(text, uri);
            }
        }
        return uri;
    }

    private static Instant time(JsonParser p, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        if (t == JsonToken.VALUE_STRING) {
            try {
                Instant fast = WireValues.parseUtc(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                if (fast != null) {
                    return fast;
                }
            } catch (DateTimeException e) {
                // the slow path below names the field
            }
        }
        return EnvelopeNodes.time((JsonNode) p.readValueAsTree(), field);
    }

    private static List<String> messageTypes(JsonParser p, String field) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_ARRAY) {
            return EnvelopeNodes.messageTypes(p.readValueAsTree(), field);
        }
        List<String> urns = new ArrayList<>(2);
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING) {
                JsonNode item = p.readValueAsTree();
                throw new SerializationException(field + " must be an array of URN strings, but holds "
                        + EnvelopeNodes.kind(item));
            }
            String urn = p.getText().trim();
            if (!urn.isEmpty()) {
                urns.add(urn);
            }
        }
        return urns;
    }

    /** The host object; the same bytes as last time give the same HostInfo without reading it again. */
    private HostInfo host(JsonParser p, byte[] body) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.START_OBJECT) {
            return EnvelopeNodes.host(p.readValueAsTree(), "host");
        }
        int from = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        int to = (int) p.currentLocation().getByteOffset();
        HostBytes last = lastHost;
        if (last != null && Arrays.equals(last.bytes, 0, last.bytes.length, body, from, to)) {
            return last.host;
        }
        HostInfo host = EnvelopeNodes.host(codec.parse(Arrays.copyOfRange(body, from, to), "host"), "host");
        lastHost = new HostBytes(Arrays.copyOfRange(body, from, to), host);
        return host;
    }

    private record HostBytes(byte[] bytes, HostInfo host) {
    }

    /** An in-place binding failed; the read starts again without it. Stackless: control flow. */
    private static final class InPlaceBindingFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InPlaceBindingFailed() {
            super(null, null, false, false);
        }
    }

    /**
     * The Java type each first {@code messageType} URN was last bound to: learned from
     * {@link DecodedMessage#message(Type)}, so only URNs the bus resolved in its registry get in,
     * and at most {@value #MAX_CACHED} of them.
     */
    static final class TypeHints {
        private final ConcurrentMap<String, Type> types = new ConcurrentHashMap<>();

        Type typeFor(List<String> messageType) {
            return messageType.isEmpty() ? null : types.get(messageType.get(0));
        }

        void learn(List<String> messageType, Type type) {
            if (!messageType.isEmpty() && (types.size() < MAX_CACHED || types.containsKey(messageType.get(0)))) {
                types.put(messageType.get(0), type);
            }
        }
    }

    /** The envelope's fields by name: exact camelCase first, then case-insensitively. */
    enum Field {
        MESSAGE_ID("messageId"),
        REQUEST_ID("requestId"),
        CORRELATION_ID("correlationId"),
        CONVERSATION_ID("conversationId"),
        INITIATOR_ID("initiatorId"),
        SOURCE_ADDRESS("sourceAddress"),
        DESTINATION_ADDRESS("destinationAddress"),
        RESPONSE_ADDRESS("responseAddress"),
        FAULT_ADDRESS("faultAddress"),
        MESSAGE_TYPE("messageType"),
        MESSAGE("message"),
        EXPIRATION_TIME("expirationTime"),
        SENT_TIME("sentTime"),
        HEADERS("headers"),
        HOST("host");

        private static final java.util.Map<String, Field> EXACT = new java.util.HashMap<>();
        private static final java.util.Map<String, Field> FOLDED = new java.util.HashMap<>();

        static {
            for (Field f : values()) {
                EXACT.put(f.jsonName, f);
                FOLDED.put(f.jsonName.toLowerCase(java.util.Locale.ROOT), f);
            }
        }

        private final String jsonName;

        Field(String jsonName) {
            this.jsonName = jsonName;
        }

        /** The name as MassTransit writes it. */
        String jsonName() {
            return jsonName;
        }

        static Field of(String name) {
            Field f = EXACT.get(name);
            return f != null ? f : FOLDED.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }
}
