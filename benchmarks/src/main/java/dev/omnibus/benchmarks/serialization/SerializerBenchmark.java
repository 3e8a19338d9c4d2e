package dev.omnibus.benchmarks.serialization;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.benchmarks.Orders;
import dev.omnibus.binary.BinaryCodec;
import dev.omnibus.binary.BinaryEnvelopeSerializer;
import dev.omnibus.json.CborEnvelopeSerializer;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.Serializer;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Encode and decode of one order message, in six codecs, in one run:
 * <ul>
 *   <li>{@code jackson-json}: the bare record through a plain Jackson {@link ObjectMapper} (with
 *       {@code JavaTimeModule}). <b>The baseline.</b></li>
 *   <li>{@code jackson-cbor}: the bare record through a plain Jackson CBOR mapper, the baseline of
 *       the binary envelope.</li>
 *   <li>{@code omnibus-json}: {@link JsonEnvelopeSerializer}, MassTransit's envelope around the
 *       record, decoded the way the bus does (envelope, then the body bound to the registered type).</li>
 *   <li>{@code omnibus-cbor}: {@link CborEnvelopeSerializer}, the same envelope in CBOR.</li>
 *   <li>{@code binary-bare}: the bare record through {@link BinaryCodec}, Omnibus's own binary form.</li>
 *   <li>{@code omnibus-binary}: {@link BinaryEnvelopeSerializer}, the same envelope in that form.</li>
 * </ul>
 * The envelope is the one the bus writes for a published message: ids, addresses, message type
 * URNs, sent time, host. Run with {@code -prof gc} for bytes allocated per operation.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class SerializerBenchmark {
    @Param({"jackson-json", "jackson-cbor", "omnibus-json", "omnibus-cbor", "binary-bare", "omnibus-binary"})
    public String codec;

    @Param({"small", "large"})
    public String size;

    private Codec subject;
    private Object message;
    private byte[] encoded;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        message = size.equals("small") ? Orders.small() : Orders.large();
        subject = Codec.of(codec, message.getClass());
        encoded = subject.encode(message);
        Object back = subject.decode(encoded);
        if (!message.equals(back)) {
            throw new IllegalStateException(codec + " did not round-trip the " + size + " message: " + back);
        }
        System.out.println("# " + codec + " writes the " + size + " message in " + encoded.length + " bytes");
    }

    @Benchmark
    public byte[] encode() throws IOException {
        return subject.encode(message);
    }

    @Benchmark
    public Object decode() throws IOException {
        return subject.decode(encoded);
    }

    /** One codec under test. */
    interface Codec {
        byte[] encode(Object message) throws IOException;

        Object decode(byte[] body) throws IOException;

        static Codec of(String name, Class<?> type) {
            return switch (name) {
                case "jackson-json" -> bare(JsonMapper.builder().addModule(new JavaTimeModule()).build(), type);
                case "jackson-cbor" -> bare(CBORMapper.builder().addModule(new JavaTimeModule()).build(), type);
                case "omnibus-json" -> enveloped(JsonEnvelopeSerializer.create(), type);
                case "omnibus-cbor" -> enveloped(CborEnvelopeSerializer.create(), type);
                case "binary-bare" -> binary(BinaryCodec.create(), type);
                case "omnibus-binary" -> enveloped(BinaryEnvelopeSerializer.create(), type);
                default -> throw new IllegalArgumentException("unknown codec " + name);
            };
        }

        private static Codec bare(ObjectMapper mapper, Class<?> type) {
            ObjectWriter writer = mapper.writerFor(type);
            ObjectReader reader = mapper.readerFor(type);
            return new Codec() {
                @Override
                public byte[] encode(Object message) throws IOException {
                    return writer.writeValueAsBytes(message);
                }

                @Override
                public Object decode(byte[] body) throws IOException {
                    return reader.readValue(body);
                }
            };
        }

        /** The bare record in Omnibus's binary form (no envelope, no fingerprint). */
        private static Codec binary(BinaryCodec codec, Class<?> type) {
            return new Codec() {
                @Override
                public byte[] encode(Object message) {
                    return codec.encode(message);
                }

                @Override
                public Object decode(byte[] body) {
                    return codec.decode(body, type);
                }
            };
        }

        /** As the bus does it: serialize with an envelope; read the envelope, resolve, bind. */
        private static Codec enveloped(Serializer serializer, Class<?> type) {
            MessageTypeRegistry registry = MessageTypeRegistry.create();
            MessageType messageType = registry.register(type);
            Envelope envelope = new Envelope(UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f70"), null,
                    UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f72"),
                    UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f73"), null,
                    URI.create("loopback://localhost/orders-service"), URI.create("loopback://localhost/"
                            + messageType.urn().replace(':', '.')), null, null, messageType.messageTypes(),
                    Instant.parse("2026-11-26T09:15:30.123456Z"), null, Headers.empty(), HostInfo.current());
            Headers transportHeaders = Headers.of("Content-Type", serializer.contentType());
            return new Codec() {
                @Override
                public byte[] encode(Object message) {
                    return serializer.serialize(envelope, message).body();
                }

                @Override
                public Object decode(byte[] body) {
                    var decoded = serializer.deserialize(body, transportHeaders);
                    MessageType resolved = registry.resolve(decoded.envelope().messageType().get(0)).orElseThrow();
                    return decoded.message(resolved.javaType());
                }
            };
        }
    }
}
