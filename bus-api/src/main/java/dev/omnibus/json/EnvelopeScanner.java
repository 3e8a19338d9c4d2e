package dev.omnibus.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.spi.DecodedMessage;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Type;
import java.net.URI;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@link JsonEnvelopeReader}'s fast path: an envelope laid out as Omnibus and MassTransit write it,
 * read from its bytes with no parser for the envelope itself. Only the message (and headers or a
 * host when they are not the usual ones) goes through Jackson, with a parser opened at its first
 * byte.
 *
 * <p><b>The shape it takes</b>: one object whose fields come in MassTransit's order
 * ({@code messageId, requestId, …, host}; any may be left out, none repeated), exact camelCase
 * names, whitespace anywhere JSON allows it, ids {@code null} or {@code D} GUIDs, addresses, URNs
 * and times {@code null} or printable ASCII strings without escapes, {@code messageType} an array
 * of such strings, the message an object or an array, nothing after the envelope. Anything else
 * (another order, other casing, comments, escapes, non-ASCII in an envelope string, a value that
 * does not read, a message that does not bind) and {@link #scan} returns null: the reader then
 * reads the body with its parser, which accepts everything this accepts (and more) and gives the
 * same values, so the fast path changes the cost, never the result or an error message.
 *
 * <p><b>What is not done per message</b>: an address or URN list whose bytes are those its field
 * had last time is that value again after one comparison; others are looked up by their bytes in
 * small hashed caches ({@value #SLOTS} slots each, keys up to {@value #MAX_KEY} bytes, a colliding
 * entry replaced), so the same bytes give the same {@code URI} and list without decoding or
 * hashing a {@code String}; the host object is compared byte for byte with the last one read;
 * ids and times are parsed from the bytes ({@link WireValues#parseDashedGuid},
 * {@link WireValues#parseUtc(byte[], int, int)}).
 *
 * <p>Thread-safe: the caches hold immutable entries in atomic arrays; a race replaces an entry
 * with an equal one.
 */
final class EnvelopeScanner {
    private static final int SLOTS = 256;
    private static final int MAX_KEY = 512;
    /** Longest time string tried here: 19 + '.' + 16 digits + 'Z'. */
    private static final int MAX_TIME = 37;
    private static final JsonEnvelopeReader.Field[] FIELDS = JsonEnvelopeReader.Field.values();
    /** Each field's name with its quotes, in MassTransit's order. */
    private static final byte[][] NAMES = new byte[FIELDS.length][];
    /** Reads 4 bytes of a body as one int: {@code null} is one comparison. */
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int NULL_WORD = (int) INTS.get(new byte[] {'n', 'u', 'l', 'l'}, 0);

    /** Reads 8 bytes of a body as one long, for comparing names a word at a time. */
    private static final VarHandle WORDS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Each name's first, middle (bytes 8-15) and last 8 bytes as words, where it has 8 or more. */
    private static final long[][] NAME_WORDS = new long[FIELDS.length][3];

    static {
        for (JsonEnvelopeReader.Field f : FIELDS) {
            byte[] name = ('"' + f.jsonName() + '"').getBytes(StandardCharsets.US_ASCII);
            NAMES[f.ordinal()] = name;
            if (name.length >= 8) {
                NAME_WORDS[f.ordinal()][0] = (long) WORDS.get(name, 0);
                NAME_WORDS[f.ordinal()][1] = name.length >= 16 ? (long) WORDS.get(name, 8) : 0;
                NAME_WORDS[f.ordinal()][2] = (long) WORDS.get(name, name.length - 8);
            }
        }
    }

    private final JsonCodec codec;
    private final JsonEnvelopeReader.TypeHints hints;
    private final AtomicReferenceArray<Cached> addresses = new AtomicReferenceArray<>(SLOTS);
    private final AtomicReferenceArray<Cached> urnLists = new AtomicReferenceArray<>(SLOTS);
    /** Per field, the last address or URN list read, tried before anything else (one comparison). */
    private final AtomicReferenceArray<Cached> lastByField = new AtomicReferenceArray<>(FIELDS.length);
    private volatile Cached lastHost;

    EnvelopeScanner(JsonCodec codec, JsonEnvelopeReader.TypeHints hints) {
        this.codec = codec;
        this.hints = hints;
    }

    /** A value cached under the bytes it was read from. */
    private record Cached(byte[] key, Object value) {
    }

    /** The message decoded, or null when {@code body} is not in the shape described above. */
    DecodedMessage scan(byte[] body) {
        try {
            return new Pass(body).read();
        } catch (IOException | RuntimeException e) {
            return null; // the parser reads it, and says what is wrong if anything is
        }
    }

    /** One body's scan: a position and the fields read so far. */
    private final class Pass {
        private final byte[] b;
        private int i;

        Pass(byte[] body) {
            this.b = body;
        }

        DecodedMessage read() throws IOException {
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
            JsonDecodedMessage.Bound bound = null;

            skipSpace();
            if (b[i] != '{') {
                return null;
            }
            i++;
            int next = 0;
            // whitespace is skipped only where the next byte is not the one expected (compact JSON has none)
            for (;;) {
                int f = name(next);
                if (f < 0) {
                    skipSpace();
                    f = name(next);
                    if (f < 0) {
                        return null;
                    }
                }
                next = f + 1;
                if (b[i] != ':') {
                    skipSpace();
                    if (b[i] != ':') {
                        return null;
                    }
                }
                i++;
                if ((b[i] & 0xFF) <= ' ') {
                    skipSpace();
                }
                switch (FIELDS[f]) {
                    case MESSAGE_ID -> messageId = id();
                    case REQUEST_ID -> requestId = id();
                    case CORRELATION_ID -> correlationId = id();
                    case CONVERSATION_ID -> conversationId = id();
                    case INITIATOR_ID -> initiatorId = id();
                    case SOURCE_ADDRESS -> sourceAddress = address(f, "sourceAddress");
                    case DESTINATION_ADDRESS -> destinationAddress = address(f, "destinationAddress");
                    case RESPONSE_ADDRESS -> responseAddress = address(f, "responseAddress");
                    case FAULT_ADDRESS -> faultAddress = address(f, "faultAddress");
                    case MESSAGE_TYPE -> {
                        messageType = urns();
                        if (messageType == null) {
                            return null;
                        }
                    }
                    case MESSAGE -> {
                        if (b[i] != '{' && b[i] != '[') {
                            return null;
                        }
                        messageFrom = i;
                        Type hint = messageType != null ? hints.typeFor(messageType) : null;
                        try (JsonParser p = codec.createNestedParser(b, i, b.length - i)) {
                            p.nextToken();
                            if (hint != null) {
                                bound = new JsonDecodedMessage.Bound(hint, codec.bindInPlace(p, hint));
                            } else {
                                p.skipChildren();
                            }
                            i += (int) p.currentLocation().getByteOffset();
                        }
                        messageTo = i;
                    }
                    case EXPIRATION_TIME -> expirationTime = time();
                    case SENT_TIME -> sentTime = time();
                    case HEADERS -> headers = headers();
                    case HOST -> host = host();
                    default -> throw new AssertionError(f);
                }
                if ((b[i] & 0xFF) <= ' ') {
                    skipSpace();
                }
                if (b[i] == ',') {
                    i++;
                } else if (b[i] == '}') {
                    i++;
                    break;
                } else {
                    return null;
                }
            }
            skipSpace();
            if (i != b.length || messageFrom < 0) {
                return null;
            }
            if (messageType == null) {
                messageType = List.of();
            }
            Envelope envelope = new Envelope(messageId, requestId, correlationId, conversationId, initiatorId,
                    sourceAddress, destinationAddress, responseAddress, faultAddress, messageType, sentTime,
                    expirationTime, headers, host);
            return new JsonDecodedMessage(envelope, b, messageFrom, messageTo, bound, hints, codec);
        }

        private void skipSpace() {
            while (i < b.length && (b[i] & 0xFF) <= ' ' && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
                i++;
            }
        }

        /** The field whose quoted name is at {@code i}, searched from {@code from} on; -1 if none. */
        private int name(int from) {
            for (int f = from; f < NAMES.length; f++) {
                byte[] n = NAMES[f];
                int len = n.length;
                if (i + len > b.length) {
                    continue;
                }
                // names of 8 to 24 bytes as two or three 8-byte words (overlapping), the rest byte by byte
                boolean same = len >= 8 && len <= 24
                        ? (long) WORDS.get(b, i) == NAME_WORDS[f][0]
                                && (long) WORDS.get(b, i + len - 8) == NAME_WORDS[f][2]
                                && (len <= 16 || (long) WORDS.get(b, i + 8) == NAME_WORDS[f][1])
                        : Arrays.equals(n, 0, len, b, i, i + len);
                if (same) {
                    i += len;
                    return f;
                }
            }
            return -1;
        }

        private boolean isNull() {
            if (i + 4 <= b.length && (int) INTS.get(b, i) == NULL_WORD) {
                i += 4;
                return true;
            }
            return false;
        }

        /**
         * The end (index of the closing quote) of the plain string starting at {@code i} (its
         * opening quote): printable ASCII, no escapes; else an exception (the body goes to the parser).
         */
        private int plainString() {
            if (b[i] != '"') {
                throw new IllegalStateException("not a string");
            }
            int j = i + 1;
            for (;;) {
                byte c = b[j];
                if (c == '"') {
                    return j;
                }
                if (c < 0x20 || c == '\\') { // bytes >= 0x80 are negative
                    throw new IllegalStateException("not a plain string");
                }
                j++;
            }
        }

        /** A D GUID, parsed from its 36 bytes between quotes (any quote or escape inside fails the parse). */
        private UUID id() {
            if (isNull()) {
                return null;
            }
            int end = i + WireValues.GUID_LENGTH + 1;
            if (b[i] != '"' || b[end] != '"') {
                throw new IllegalStateException("not a D GUID");
            }
            UUID id = WireValues.parseDashedGuid(b, i + 1);
            i = end + 1;
            return id;
        }

        private Instant time() {
            if (isNull()) {
                return null;
            }
            if (b[i] != '"') {
                throw new IllegalStateException("not a string");
            }
            int end = i + 1;
            while (b[end] != '"') {
                if (++end > i + 1 + MAX_TIME) {
                    throw new IllegalStateException("not a UTC time");
                }
            }
            Instant t = WireValues.parseUtc(b, i + 1, end - i - 1);
            if (t == null) {
                throw new DateTimeException("not yyyy-MM-ddTHH:mm:ss[.f]Z");
            }
            i = end + 1;
            return t;
        }

        private URI address(int field, String name) {
            if (isNull()) {
                return null;
            }
            Object last = lastAt(field);
            if (last != null) {
                return (URI) last;
            }
            int end = plainString();
            int from = i;
            i = end + 1;
            Object cached = lookUp(addresses, from, i);
            if (cached == null) {
                cached = EnvelopeNodes.address(new String(b, from + 1, end - from - 1, StandardCharsets.US_ASCII), name);
                if (cached == null) {
                    return null;
                }
                remember(addresses, from, i, cached);
            }
            if (i - from <= MAX_KEY) {
                lastByField.set(field, new Cached(Arrays.copyOfRange(b, from, i), cached));
            }
            return (URI) cached;
        }

        /**
         * The value last read for {@code field} when its bytes (quotes and all, so a match is the
         * whole string) are at {@code i}, which then moves past them; else null.
         */
        private Object lastAt(int field) {
            Cached c = lastByField.get(field);
            if (c != null && i + c.key.length <= b.length && Arrays.equals(c.key, 0, c.key.length, b, i, i + c.key.length)) {
                i += c.key.length;
                return c.value;
            }
            return null;
        }

        /** The URN list, trimmed and without empty URNs as the parser reads it; null to give up. */
        private List<String> urns() {
            if (b[i] != '[') {
                return null;
            }
            Object last = lastAt(JsonEnvelopeReader.Field.MESSAGE_TYPE.ordinal());
            if (last != null) {
                @SuppressWarnings("unchecked")
                List<String> list = (List<String>) last;
                return list;
            }
            int from = i;
            i++;
            skipSpace();
            int count = 0;
            if (b[i] != ']') {
                for (;;) {
                    i = plainString() + 1;
                    count++;
                    skipSpace();
                    if (b[i] == ']') {
                        break;
                    }
                    if (b[i] != ',') {
                        return null;
                    }
                    i++;
                    skipSpace();
                }
            }
            i++;
            int to = i;
            Object cached = lookUp(urnLists, from, to);
            if (cached != null) {
                lastByField.set(JsonEnvelopeReader.Field.MESSAGE_TYPE.ordinal(),
                        new Cached(Arrays.copyOfRange(b, from, to), cached));
                @SuppressWarnings("unchecked")
                List<String> list = (List<String>) cached;
                return list;
            }
            List<String> urns = new ArrayList<>(count);
            for (int k = from + 1; k < to; k++) {
                if (b[k] == '"') {
                    int end = k + 1;
                    while (b[end] != '"') {
                        end++;
                    }
                    String urn = new String(b, k + 1, end - k - 1, StandardCharsets.US_ASCII).trim();
                    if (!urn.isEmpty()) {
                        urns.add(urn);
                    }
                    k = end;
                }
            }
            List<String> list = List.copyOf(urns);
            remember(urnLists, from, to, list);
            if (to - from <= MAX_KEY) {
                lastByField.set(JsonEnvelopeReader.Field.MESSAGE_TYPE.ordinal(),
                        new Cached(Arrays.copyOfRange(b, from, to), list));
            }
            return list;
        }

        private Headers headers() throws IOException {
            if (isNull()) {
                return Headers.empty();
            }
            if (b[i] == '{') {
                int j = i + 1;
                while (j < b.length && (b[j] == ' ' || b[j] == '\n' || b[j] == '\r' || b[j] == '\t')) {
                    j++;
                }
                if (j < b.length && b[j] == '}') {
                    i = j + 1;
                    return Headers.empty();
                }
            }
            try (JsonParser p = codec.createNestedParser(b, i, b.length - i)) {
                p.nextToken();
                JsonNode tree = p.readValueAsTree();
                i += (int) p.currentLocation().getByteOffset();
                return EnvelopeNodes.headers(tree, "headers");
            }
        }

        /** The host; the same bytes as last time give the same HostInfo without reading them. */
        private HostInfo host() throws IOException {
            if (isNull()) {
                return null;
            }
            Cached last = lastHost;
            if (last != null && i + last.key.length <= b.length
                    && Arrays.equals(last.key, 0, last.key.length, b, i, i + last.key.length)) {
                i += last.key.length; // a complete object: the same bytes end where it ended
                return (HostInfo) last.value;
            }
            int from = i;
            try (JsonParser p = codec.createNestedParser(b, i, b.length - i)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IllegalStateException("host is not an object");
                }
                p.skipChildren();
                i += (int) p.currentLocation().getByteOffset();
            }
            byte[] bytes = Arrays.copyOfRange(b, from, i);
            HostInfo host = EnvelopeNodes.host(codec.parse(bytes, "host"), "host");
            lastHost = new Cached(bytes, host);
            return host;
        }

        private Object lookUp(AtomicReferenceArray<Cached> cache, int from, int to) {
            Cached c = cache.get(slot(from, to));
            return c != null && Arrays.equals(c.key, 0, c.key.length, b, from, to) ? c.value : null;
        }

        private void remember(AtomicReferenceArray<Cached> cache, int from, int to, Object value) {
            if (to - from <= MAX_KEY) {
                cache.set(slot(from, to), new Cached(Arrays.copyOfRange(b, from, to), value));
            }
        }

        /** A slot from the length and the last 16 bytes, where addresses and URNs differ most. */
        private int slot(int from, int to) {
            int h = to - from;
            for (int k = Math.max(from, to - 16); k < to; k++) {
                h = 31 * h + b[k];
            }
            h ^= h >>> 16;
            return h & (SLOTS - 1);
        }
    }
}
