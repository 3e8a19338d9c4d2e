package dev.omnibus.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.omnibus.Envelope;
import dev.omnibus.HostInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Writes the JSON envelope as bytes, byte for byte what {@link EnvelopeWriter#JSON} writes
 * through a generator, at a fraction of the cost: field names are constant bytes; ids and times
 * are written as ASCII straight into the output; addresses, the {@code messageType} list and the
 * host object are encoded once by the mapper's own generator (so its escaping rules hold) and
 * then copied as bytes; only the message, and headers when there are any, go through a generator,
 * with the message's serializer looked up once per class.
 *
 * <p>This holds only while the mapper writes compact JSON with quoted names; a mapper that
 * indents or otherwise differs is detected at construction, and {@link #fast()} is false (the
 * serializer then writes through {@link EnvelopeWriter#JSON}).
 *
 * <p>Thread-safe: the fragment cache is concurrent and bounded ({@value #MAX_FRAGMENTS}); past the
 * bound a fragment is encoded for each message. Before it, each field remembers the last value
 * written in it, compared by reference, so the usual message costs no hashing of a URI, a URN
 * list or a host record. Failures are the generator's and the mapper's
 * exceptions, unchanged.
 */
final class JsonEnvelopeWriter {
    private static final int MAX_FRAGMENTS = 1024;

    private static final byte[] MESSAGE_ID = ascii("{\"messageId\":");
    private static final byte[] REQUEST_ID = ascii(",\"requestId\":");
    private static final byte[] CORRELATION_ID = ascii(",\"correlationId\":");
    private static final byte[] CONVERSATION_ID = ascii(",\"conversationId\":");
    private static final byte[] INITIATOR_ID = ascii(",\"initiatorId\":");
    private static final byte[] SOURCE_ADDRESS = ascii(",\"sourceAddress\":");
    private static final byte[] DESTINATION_ADDRESS = ascii(",\"destinationAddress\":");
    private static final byte[] RESPONSE_ADDRESS = ascii(",\"responseAddress\":");
    private static final byte[] FAULT_ADDRESS = ascii(",\"faultAddress\":");
    private static final byte[] MESSAGE_TYPE = ascii(",\"messageType\":");
    private static final byte[] MESSAGE = ascii(",\"message\":");
    private static final byte[] EXPIRATION_TIME = ascii(",\"expirationTime\":");
    private static final byte[] SENT_TIME = ascii(",\"sentTime\":");
    private static final byte[] HEADERS = ascii(",\"headers\":");
    private static final byte[] HOST = ascii(",\"host\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] EMPTY_OBJECT = ascii("{}");
    private static final byte[] PROBE = ascii("{\"a\":null,\"b\":[\"c\"],\"d\":{}}");

    private final JsonCodec codec;
    private final boolean fast;
    private final ConcurrentMap<Object, byte[]> fragments = new ConcurrentHashMap<>();
    /** The envelope fields written from fragments, and the last value written in each. */
    private static final int SOURCE = 0;
    private static final int DESTINATION = 1;
    private static final int RESPONSE = 2;
    private static final int FAULT = 3;
    private static final int TYPES = 4;
    private static final int HOST_INFO = 5;
    private final java.util.concurrent.atomic.AtomicReferenceArray<Fragment> lastBySlot =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(6);

    JsonEnvelopeWriter(JsonCodec codec) {
        this.codec = codec;
        this.fast = writesCompactly(codec.writer());
    }

    /** Whether this writer applies: the mapper writes compact JSON with quoted names. */
    boolean fast() {
        return fast;
    }

    /**
     * The envelope with {@code message} as its body, assembled in a buffer recycled per thread
     * (Jackson's own {@code writeValueAsBytes} does the same), so the one array allocated for the
     * output is the result.
     */
    byte[] write(Envelope envelope, Object message) throws IOException {
        BufferRecycler recycler = codec.factory()._getBufferRecycler();
        try (ByteArrayBuilder out = new ByteArrayBuilder(recycler)) {
            write(out, envelope, message);
            return out.getClearAndRelease();
        } finally {
            recycler.releaseToPool();
        }
    }

    private void write(ByteArrayBuilder out, Envelope envelope, Object message) throws IOException {
        byte[] scratch = new byte[Math.max(WireValues.MAX_INSTANT_LENGTH, WireValues.GUID_LENGTH) + 2];
        out.write(MESSAGE_ID);
        id(out, envelope.messageId(), scratch);
        out.write(REQUEST_ID);
        id(out, envelope.requestId(), scratch);
        out.write(CORRELATION_ID);
        id(out, envelope.correlationId(), scratch);
        out.write(CONVERSATION_ID);
        id(out, envelope.conversationId(), scratch);
        out.write(INITIATOR_ID);
        id(out, envelope.initiatorId(), scratch);
        out.write(SOURCE_ADDRESS);
        out.write(fragment(SOURCE, envelope.sourceAddress()));
        out.write(DESTINATION_ADDRESS);
        out.write(fragment(DESTINATION, envelope.destinationAddress()));
        out.write(RESPONSE_ADDRESS);
        out.write(fragment(RESPONSE, envelope.responseAddress()));
        out.write(FAULT_ADDRESS);
        out.write(fragment(FAULT, envelope.faultAddress()));
        out.write(MESSAGE_TYPE);
        out.write(fragment(TYPES, envelope.messageType()));
        out.write(MESSAGE);
        ObjectWriter writer = codec.writerFor(message.getClass());
        try (JsonGenerator g = writer.createGenerator(out, JsonEncoding.UTF8)) {
            writer.writeValue(g, message);
        }
        out.write(EXPIRATION_TIME);
        time(out, envelope.expirationTime(), scratch);
        out.write(SENT_TIME);
        time(out, envelope.sentTime(), scratch);
        out.write(HEADERS);
        if (envelope.headers().isEmpty()) {
            out.write(EMPTY_OBJECT);
        } else {
            try (JsonGenerator g = codec.writer().createGenerator(out, JsonEncoding.UTF8)) {
                EnvelopeWriter.writeHeaders(g, codec.writer(), envelope.headers());
            }
        }
        out.write(HOST);
        out.write(fragment(HOST_INFO, envelope.host()));
        out.write('}');
    }

    private static void id(ByteArrayBuilder out, UUID id, byte[] scratch) {
        if (id == null) {
            out.write(NULL);
            return;
        }
        scratch[0] = '"';
        int n = WireValues.writeGuid(id, scratch, 1);
        scratch[n++] = '"';
        out.write(scratch, 0, n);
    }

    private static void time(ByteArrayBuilder out, Instant time, byte[] scratch) {
        if (time == null) {
            out.write(NULL);
            return;
        }
        scratch[0] = '"';
        int n = WireValues.writeInstant(time, scratch, 1);
        if (n < 0) {
            out.write(ascii('"' + WireValues.formatInstant(time) + '"'));
            return;
        }
        scratch[n++] = '"';
        out.write(scratch, 0, n);
    }

    /**
     * The bytes of {@code value} in envelope field {@code slot}: the same instance as last time in
     * that field (a bus hands the same address, URN list and host objects to every message of a
     * type) is one reference comparison; else {@link #fragment(Object)}.
     */
    private byte[] fragment(int slot, Object value) throws IOException {
        if (value == null) {
            return NULL;
        }
        Fragment last = lastBySlot.get(slot);
        if (last != null && last.value == value) {
            return last.bytes;
        }
        byte[] bytes = fragment(value);
        lastBySlot.set(slot, new Fragment(value, bytes));
        return bytes;
    }

    /** A value and its encoded bytes. */
    private record Fragment(Object value, byte[] bytes) {
    }

    /** An address (as a string), the URN list or the host object, encoded by the mapper's generator once. */
    private byte[] fragment(Object value) throws IOException {
        byte[] bytes = fragments.get(value);
        if (bytes == null) {
            bytes = encode(value);
            if (fragments.size() < MAX_FRAGMENTS) {
                fragments.putIfAbsent(value, bytes);
            }
        }
        return bytes;
    }

    private byte[] encode(Object value) throws IOException {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = codec.writer().createGenerator(out, JsonEncoding.UTF8)) {
            if (value instanceof HostInfo host) {
                EnvelopeWriter.writeHost(g, host, false);
            } else if (value instanceof List<?> urns) {
                g.writeStartArray();
                for (Object urn : urns) {
                    g.writeString((String) urn);
                }
                g.writeEndArray();
            } else {
                g.writeString(value.toString());
            }
        }
        return out.toByteArray();
    }

    private static boolean writesCompactly(ObjectWriter writer) {
        ByteArrayBuilder out = new ByteArrayBuilder(64);
        try (JsonGenerator g = writer.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeFieldName("a");
            g.writeNull();
            g.writeFieldName("b");
            g.writeStartArray();
            g.writeString("c");
            g.writeEndArray();
            g.writeFieldName("d");
            g.writeStartObject();
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            return false;
        }
        return java.util.Arrays.equals(out.toByteArray(), PROBE);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
