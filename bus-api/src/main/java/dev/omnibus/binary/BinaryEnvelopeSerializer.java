package dev.omnibus.binary;

import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import dev.omnibus.spi.Serializer;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * The Omnibus envelope in Omnibus's own binary form, {@value #CONTENT_TYPE}, for traffic between
 * Omnibus services only (MassTransit does not read it): the fields of the CBOR and JSON envelopes,
 * with the message written by {@link BinaryCodec}, a codec derived once per record type from its
 * components. No schema files, no class names on the wire: the bus binds the message to the type
 * its registry holds for the URNs in the envelope.
 *
 * <pre>{@code
 * Bus bus = Bus.builder()
 *         .transport(transport)
 *         .serializer(BinaryEnvelopeSerializer.create())    // writes binary
 *         .deserializer(JsonEnvelopeSerializer.create())    // still reads JSON envelopes
 *         .receiveEndpoint("orders", e -> e.consumer(SubmitOrder.class, new SubmitOrderConsumer()))
 *         .start();
 * }</pre>
 *
 * Move services over as with the CBOR envelope: add {@code .deserializer(BinaryEnvelopeSerializer.create())}
 * to every reader first, then switch the writers.
 *
 * <h2>Layout (format version 1)</h2>
 * <ol>
 *   <li>{@code 'O' 'B'}, then the format version byte {@code 1};</li>
 *   <li>a varint of presence bits: messageId, requestId, correlationId, conversationId,
 *       initiatorId, sourceAddress, destinationAddress, responseAddress, faultAddress, sentTime,
 *       expirationTime, host (bit 0 to 11);</li>
 *   <li>each present id as 16 bytes (big-endian, as {@link UUID} holds them), each present
 *       address as a string (varint length + 1, UTF-8);</li>
 *   <li>the message type URNs: a varint byte length, then a count and the strings;</li>
 *   <li>sent and expiration time: zig-zag epoch seconds and nanoseconds;</li>
 *   <li>headers: a count, then names and tagged values (text, int, long, boolean, double, big
 *       integer, decimal, list, map);</li>
 *   <li>host: a varint byte length, then {@link HostInfo}'s components;</li>
 *   <li>the message's schema fingerprint, 8 bytes ({@link BinaryCodec#fingerprint});</li>
 *   <li>the message, to the end of the body.</li>
 * </ol>
 *
 * <h2>Records that change</h2>
 * Sender and receiver must have the same record: the same components, in the same order, of the
 * same types. A receiver whose record differs (a component added, removed, renamed, retyped or
 * moved, an enum constant added or reordered) fails to bind with "message was written with schema
 * fingerprint … but com.acme.X here has …", and the bus moves the message to {@code _error};
 * nothing is misread. To change a record, deploy the new readers with a JSON deserializer beside
 * this one and switch writers to JSON for the change, or give the changed record a new URN.
 *
 * <h2>Failures</h2>
 * Every failure is a {@link SerializationException} (never retryable) saying what is wrong: "body
 * is not an Omnibus binary envelope", "format version 2 is not supported", "truncated: …",
 * "… claims N but only M bytes are left", "message does not fit com.acme.X: …". Reading never
 * allocates from a length before checking it against the body's size, which the bus has already
 * checked against {@code BusBuilder.maxMessageSize}.
 *
 * <h2>Threading and cost</h2>
 * Immutable and thread-safe; make one per bus and share it. It holds the per-type codecs and
 * small bounded caches of decoded addresses, type lists and host blocks (see {@link InternCache}).
 * docs/benchmarks.md compares its cost with Jackson's.
 */
public final class BinaryEnvelopeSerializer implements Serializer {
    /** The content type of an Omnibus binary envelope. */
    public static final String CONTENT_TYPE = "application/vnd.omnibus+binary";
    /** The format version written and read. */
    public static final int FORMAT_VERSION = 1;

    private static final int MAGIC_0 = 'O';
    private static final int MAGIC_1 = 'B';
    private static final int MESSAGE_ID = 1;
    private static final int REQUEST_ID = 1 << 1;
    private static final int CORRELATION_ID = 1 << 2;
    private static final int CONVERSATION_ID = 1 << 3;
    private static final int INITIATOR_ID = 1 << 4;
    private static final int SOURCE = 1 << 5;
    private static final int DESTINATION = 1 << 6;
    private static final int RESPONSE = 1 << 7;
    private static final int FAULT = 1 << 8;
    private static final int SENT = 1 << 9;
    private static final int EXPIRES = 1 << 10;
    private static final int HOST = 1 << 11;
    private static final int KNOWN = (1 << 12) - 1;

    private final BinaryCodec codec;
    private final RecordCodec hostCodec;
    private final InternCache<URI> addresses = new InternCache<>();
    private final InternCache<List<String>> messageTypes = new InternCache<>();
    private final InternCache<HostInfo> hosts = new InternCache<>();
    /** The last host written and its bytes: a process writes the same {@link HostInfo} every time. */
    private volatile HostBytes lastHost;

    private record HostBytes(HostInfo host, byte[] bytes) {
    }

    private BinaryEnvelopeSerializer(BinaryCodec codec) {
        this.codec = codec;
        this.hostCodec = codec.recordCodec(HostInfo.class);
    }

    /** A serializer with its own codec cache; share it. */
    public static BinaryEnvelopeSerializer create() {
        return new BinaryEnvelopeSerializer(BinaryCodec.create());
    }

    @Override
    public String contentType() {
        return CONTENT_TYPE;
    }

    /**
     * Writes the envelope and the message.
     *
     * @throws SerializationException if the message is not a record or cannot be written
     * @throws NullPointerException   if either argument is null
     */
    @Override
    public SerializedMessage serialize(Envelope envelope, Object message) {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(message, "message");
        BinaryWriter w = BinaryWriter.acquire();
        try {
            RecordCodec messageCodec = codec.recordCodec(message.getClass());
            writeEnvelope(w, envelope);
            w.writeLong(messageCodec.fingerprint());
            messageCodec.writeBody(w, message);
            return new SerializedMessage(w.toByteArray(), CONTENT_TYPE, Headers.empty());
        } catch (SerializationException e) {
            throw new SerializationException("Cannot write message " + message.getClass().getName() + " (messageId "
                    + envelope.messageId() + ") as " + CONTENT_TYPE + ": " + e.getMessage(), e);
        } finally {
            w.release();
        }
    }

    private void writeEnvelope(BinaryWriter w, Envelope e) {
        w.writeByte(MAGIC_0);
        w.writeByte(MAGIC_1);
        w.writeByte(FORMAT_VERSION);
        int bits = (e.messageId() != null ? MESSAGE_ID : 0)
                | (e.requestId() != null ? REQUEST_ID : 0)
                | (e.correlationId() != null ? CORRELATION_ID : 0)
                | (e.conversationId() != null ? CONVERSATION_ID : 0)
                | (e.initiatorId() != null ? INITIATOR_ID : 0)
                | (e.sourceAddress() != null ? SOURCE : 0)
                | (e.destinationAddress() != null ? DESTINATION : 0)
                | (e.responseAddress() != null ? RESPONSE : 0)
                | (e.faultAddress() != null ? FAULT : 0)
                | (e.sentTime() != null ? SENT : 0)
                | (e.expirationTime() != null ? EXPIRES : 0)
                | (e.host() != null ? HOST : 0);
        w.writeVarint(bits);
        id(w, e.messageId());
        id(w, e.requestId());
        id(w, e.correlationId());
        id(w, e.conversationId());
        id(w, e.initiatorId());
        address(w, e.sourceAddress());
        address(w, e.destinationAddress());
        address(w, e.responseAddress());
        address(w, e.faultAddress());
        List<String> types = e.messageType();
        int typesAt = w.position();
        w.writeByte(0); // one-byte length for the usual case, patched below
        w.writeVarint(types.size());
        for (String t : types) {
            w.writeString(t);
        }
        patchLength(w, typesAt);
        time(w, e.sentTime());
        time(w, e.expirationTime());
        HeaderValues.write(w, e.headers());
        HostInfo host = e.host();
        if (host != null) {
            HostBytes known = lastHost;
            if (known != null && known.host == host) {
                w.writeBytes(known.bytes, 0, known.bytes.length);
                return;
            }
            int hostAt = w.position();
            w.writeByte(0);
            hostCodec.writeBody(w, host);
            patchLength(w, hostAt);
            lastHost = new HostBytes(host, w.copyFrom(hostAt));
        }
    }

    /** Fills in the length byte at {@code at} for the bytes after it, widening it when they pass 127. */
    private static void patchLength(BinaryWriter w, int at) {
        w.patchLength(at);
    }

    private static void id(BinaryWriter w, UUID id) {
        if (id != null) {
            w.writeLong(id.getMostSignificantBits());
            w.writeLong(id.getLeastSignificantBits());
        }
    }

    private static void address(BinaryWriter w, URI uri) {
        if (uri != null) {
            w.writeString(uri.toString());
        }
    }

    private static void time(BinaryWriter w, Instant t) {
        if (t != null) {
            w.writeZigZagLong(t.getEpochSecond());
            w.writeVarint(t.getNano());
        }
    }

    /**
     * Reads the envelope; the message stays unbound bytes until
     * {@link DecodedMessage#message(java.lang.reflect.Type)}.
     *
     * @param transportHeaders not used: everything is in the body
     * @throws SerializationException if the body is not a binary envelope; the message says why
     */
    @Override
    public DecodedMessage deserialize(byte[] body, Headers transportHeaders) {
        Objects.requireNonNull(body, "body");
        if (body.length < 3 || body[0] != MAGIC_0 || body[1] != MAGIC_1) {
            throw new SerializationException("body is not an Omnibus binary envelope (" + CONTENT_TYPE
                    + "): it does not start with 'OB'");
        }
        if (body[2] != FORMAT_VERSION) {
            throw new SerializationException("binary envelope format version " + (body[2] & 0xFF)
                    + " is not supported (this reader knows version " + FORMAT_VERSION + ")");
        }
        BinaryReader r = new BinaryReader(body, 3, body.length);
        try {
            int bits = r.readVarint("presence bits");
            if ((bits & ~KNOWN) != 0) {
                throw new SerializationException("presence bits " + Integer.toBinaryString(bits)
                        + " name fields this reader does not know");
            }
            UUID messageId = (bits & MESSAGE_ID) != 0 ? ValueCodec.uuid(r, "messageId") : null;
            UUID requestId = (bits & REQUEST_ID) != 0 ? ValueCodec.uuid(r, "requestId") : null;
            UUID correlationId = (bits & CORRELATION_ID) != 0 ? ValueCodec.uuid(r, "correlationId") : null;
            UUID conversationId = (bits & CONVERSATION_ID) != 0 ? ValueCodec.uuid(r, "conversationId") : null;
            UUID initiatorId = (bits & INITIATOR_ID) != 0 ? ValueCodec.uuid(r, "initiatorId") : null;
            URI source = (bits & SOURCE) != 0 ? address(r, "sourceAddress") : null;
            URI destination = (bits & DESTINATION) != 0 ? address(r, "destinationAddress") : null;
            URI response = (bits & RESPONSE) != 0 ? address(r, "responseAddress") : null;
            URI fault = (bits & FAULT) != 0 ? address(r, "faultAddress") : null;
            List<String> types = messageTypes(r);
            Instant sent = (bits & SENT) != 0 ? ValueCodec.instant(r, "sentTime") : null;
            Instant expires = (bits & EXPIRES) != 0 ? ValueCodec.instant(r, "expirationTime") : null;
            Headers headers = HeaderValues.read(r);
            HostInfo host = (bits & HOST) != 0 ? host(r) : null;
            long fingerprint = r.readLong("message fingerprint");
            Envelope envelope = new Envelope(messageId, requestId, correlationId, conversationId, initiatorId, source,
                    destination, response, fault, types, sent, expires, headers, host);
            return new BinaryDecodedMessage(envelope, body, r.position(), fingerprint, codec);
        } catch (SerializationException e) {
            throw new SerializationException("binary envelope cannot be read: " + e.getMessage(), e);
        }
    }

    private URI address(BinaryReader r, String field) {
        int from = r.position();
        int n = r.readVarint(field);
        if (n == 0) {
            throw new SerializationException(field + " is marked present but has no text");
        }
        if (n - 1 < 0 || n - 1 > r.remaining()) {
            throw new SerializationException(field + " claims " + ((n - 1) & 0xFFFFFFFFL) + " bytes but only "
                    + r.remaining() + " are left: truncated or corrupt");
        }
        int to = r.position() + n - 1;
        URI known = addresses.get(r.buffer(), from, to);
        if (known != null) {
            r.skip(n - 1);
            return known;
        }
        String text = new String(r.buffer(), r.position(), n - 1, java.nio.charset.StandardCharsets.UTF_8);
        r.skip(n - 1);
        URI uri;
        try {
            uri = ValueCodec.uri(text);
        } catch (SerializationException e) {
            throw new SerializationException(field + " is " + e.getMessage(), e);
        }
        addresses.put(r.buffer(), from, to, uri);
        return uri;
    }

    private List<String> messageTypes(BinaryReader r) {
        int n = r.readLength("messageType block length");
        int from = r.position();
        int to = from + n;
        List<String> known = messageTypes.get(r.buffer(), from, to);
        if (known != null) {
            r.skip(n);
            return known;
        }
        BinaryReader block = new BinaryReader(r.buffer(), from, to);
        int count = block.readCount("messageType count", 1);
        List<String> types = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String urn = block.readString("messageType");
            if (urn == null) {
                throw new SerializationException("messageType " + i + " is null");
            }
            types.add(urn);
        }
        if (block.remaining() != 0) {
            throw new SerializationException("messageType block has " + block.remaining() + " bytes left over");
        }
        r.skip(n);
        List<String> value = List.copyOf(types);
        messageTypes.put(r.buffer(), from, to, value);
        return value;
    }

    private HostInfo host(BinaryReader r) {
        int n = r.readLength("host block length");
        int from = r.position();
        int to = from + n;
        HostInfo known = hosts.get(r.buffer(), from, to);
        if (known != null) {
            r.skip(n);
            return known;
        }
        BinaryReader block = new BinaryReader(r.buffer(), from, to);
        HostInfo host;
        try {
            host = (HostInfo) hostCodec.readBody(block);
        } catch (SerializationException e) {
            throw new SerializationException("host: " + e.getMessage(), e);
        }
        if (block.remaining() != 0) {
            throw new SerializationException("host block has " + block.remaining() + " bytes left over");
        }
        r.skip(n);
        hosts.put(r.buffer(), from, to, host);
        return host;
    }

    @Override
    public String toString() {
        return "BinaryEnvelopeSerializer[" + CONTENT_TYPE + "]";
    }
}
