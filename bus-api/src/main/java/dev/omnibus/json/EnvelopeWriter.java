package dev.omnibus.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * Writes the Omnibus/MassTransit envelope's fields, in their fixed order, to a Jackson generator:
 * the one sequence {@link JsonEnvelopeSerializer} (JSON) and {@link CborEnvelopeSerializer} (CBOR)
 * share. The formats differ in three places: ids (text or a 16-byte string), the
 * {@code messageType} array (definite length in CBOR), and how the message is embedded. Addresses
 * and URNs are text, times UTC ISO-8601 text, absent values {@code null}.
 *
 * <p>Immutable and thread-safe: one instance per format ({@link #JSON}, {@link #CBOR}); the format
 * is a final flag, not a virtual call, on this hot path. Writing allocates only what the generator
 * and the values' {@code toString()} do, plus the 16-byte array of each CBOR id. Failures are
 * the generator's {@link IOException}s and the mapper's exceptions, unchanged; the serializers turn
 * them into {@link dev.omnibus.SerializationException}s.
 */
final class EnvelopeWriter {
    /** The JSON envelope: ids as text, the message written inline by the mapper. */
    static final EnvelopeWriter JSON = new EnvelopeWriter(false);
    /** The CBOR envelope: ids as 16-byte strings, the message as tag-24 encoded CBOR bytes. */
    static final EnvelopeWriter CBOR = new EnvelopeWriter(true);

    /** CBOR tag 24: the byte string holds an encoded CBOR data item (RFC 8949, section 3.4.5.1). */
    private static final int TAG_ENCODED_CBOR = 24;
    private static final int UUID_BYTES = 16;

    /** CBOR (binary ids, definite-length arrays, the message as encoded bytes) rather than JSON. */
    private final boolean cbor;

    private EnvelopeWriter(boolean cbor) {
        this.cbor = cbor;
    }

    /**
     * Writes the whole envelope object.
     *
     * @param g       a JSON generator for {@link #JSON}, a {@link CBORGenerator} for {@link #CBOR}
     * @param writer  the mapper's writer, for the message and header values it cannot write itself
     * @param message the message object (JSON, written inline by {@code writer}) or its encoded
     *                bytes (CBOR, embedded as a byte string tagged 24)
     */
    void write(JsonGenerator g, ObjectWriter writer, Envelope envelope, Object message) throws IOException {
        g.writeStartObject();
        id(g, "messageId", envelope.messageId());
        id(g, "requestId", envelope.requestId());
        id(g, "correlationId", envelope.correlationId());
        id(g, "conversationId", envelope.conversationId());
        id(g, "initiatorId", envelope.initiatorId());
        text(g, "sourceAddress", envelope.sourceAddress());
        text(g, "destinationAddress", envelope.destinationAddress());
        text(g, "responseAddress", envelope.responseAddress());
        text(g, "faultAddress", envelope.faultAddress());
        g.writeFieldName("messageType");
        if (cbor) {
            ((CBORGenerator) g).writeStartArray(envelope.messageType().size()); // definite length
        } else {
            g.writeStartArray();
        }
        for (String urn : envelope.messageType()) {
            g.writeString(urn);
        }
        g.writeEndArray();
        g.writeFieldName("message");
        if (cbor) {
            ((CBORGenerator) g).writeTag(TAG_ENCODED_CBOR);
            g.writeBinary((byte[]) message);
        } else {
            writer.writeValue(g, message);
        }
        time(g, "expirationTime", envelope.expirationTime());
        time(g, "sentTime", envelope.sentTime());
        g.writeFieldName("headers");
        writeHeaders(g, writer, envelope.headers());
        g.writeFieldName("host");
        writeHost(g, envelope.host(), false);
        g.writeEndObject();
    }

    private void id(JsonGenerator g, String name, UUID id) throws IOException {
        g.writeFieldName(name);
        if (id == null) {
            g.writeNull();
        } else if (cbor) {
            writeIdBytes(g, id);
        } else {
            g.writeString(id.toString());
        }
    }

    /** A 16-byte string, big-endian as {@link UUID} holds the bits. */
    private static void writeIdBytes(JsonGenerator g, UUID id) throws IOException {
        byte[] b = new byte[UUID_BYTES];
        long msb = id.getMostSignificantBits();
        long lsb = id.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (msb >>> (56 - 8 * i));
            b[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        g.writeBinary(b);
    }

    private static void text(JsonGenerator g, String name, Object value) throws IOException {
        g.writeFieldName(name);
        if (value == null) {
            g.writeNull();
        } else {
            g.writeString(value.toString());
        }
    }

    private static void time(JsonGenerator g, String name, Instant time) throws IOException {
        g.writeFieldName(name);
        if (time == null) {
            g.writeNull();
        } else {
            g.writeString(WireValues.formatInstant(time));
        }
    }

    /** Writes the headers object: strings, booleans and integers directly, other values with the mapper. */
    static void writeHeaders(JsonGenerator g, ObjectWriter writer, Headers headers) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, Object> e : headers.asMap().entrySet()) {
            g.writeFieldName(e.getKey());
            Object v = e.getValue();
            if (v instanceof String s) {
                g.writeString(s);
            } else if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
                g.writeNumber(((Number) v).longValue());
            } else {
                writer.writeValue(g, v);
            }
        }
        g.writeEndObject();
    }

    /**
     * Writes MassTransit's host object; {@code pascalCase} for the {@code MT-Host-Info} header,
     * which MassTransit writes without its naming policy.
     */
    static void writeHost(JsonGenerator g, HostInfo host, boolean pascalCase) throws IOException {
        if (host == null) {
            g.writeNull();
            return;
        }
        g.writeStartObject();
        g.writeStringField(pascalCase ? "MachineName" : "machineName", host.machineName());
        g.writeStringField(pascalCase ? "ProcessName" : "processName", host.processName());
        g.writeFieldName(pascalCase ? "ProcessId" : "processId");
        if (host.processId() == null) {
            g.writeNull();
        } else {
            g.writeNumber(host.processId());
        }
        g.writeStringField(pascalCase ? "Assembly" : "assembly", host.assembly());
        g.writeStringField(pascalCase ? "AssemblyVersion" : "assemblyVersion", host.assemblyVersion());
        g.writeStringField(pascalCase ? "FrameworkVersion" : "frameworkVersion", host.frameworkVersion());
        g.writeStringField(pascalCase ? "MassTransitVersion" : "massTransitVersion", host.massTransitVersion());
        g.writeStringField(pascalCase ? "OperatingSystemVersion" : "operatingSystemVersion",
                host.operatingSystemVersion());
        g.writeEndObject();
    }
}
