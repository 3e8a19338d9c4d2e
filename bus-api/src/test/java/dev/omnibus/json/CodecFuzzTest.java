package dev.omnibus.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.jsontype.impl.LaissezFaireSubTypeValidator;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.MessageUrn;
import dev.omnibus.SerializationException;
import dev.omnibus.binary.BinaryEnvelopeSerializer;
import dev.omnibus.json.TestMessages.OrderPlaced;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import dev.omnibus.spi.Serializer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Example;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every codec's decoder against hostile bytes: real envelopes mutated (bytes flipped, cut, repeated,
 * spliced with hostile fragments: deep nesting, absurd decimals, class names) and random bytes,
 * 10,000 cases per codec. Whatever comes in, decoding the envelope and binding the message to the
 * registered type either works or fails with a {@link SerializationException}: nothing else leaves
 * the codec (no other exception, no stack overflow, no out-of-memory), and no class named in the
 * bytes is ever loaded ({@link Canary} would note it).
 */
class CodecFuzzTest {
    /** A class that notes when it is initialized: a decoder that loads classes named by a message would. */
    public static final class Canary {
        static {
            canaryLoaded = true; // a flag outside the class: reading it must not initialize the canary
        }

        public String value;
    }

    /** A message whose field names its own class on the wire, as a user's mapper might be told to. */
    @MessageUrn("Fuzz.Tests:Wrapper")
    record Wrapper(@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS) Object payload) {
    }

    /** Set when {@link Canary} is initialized. */
    static volatile boolean canaryLoaded;
    private static final String CANARY = "dev.omnibus.json.CodecFuzzTest$Canary"; // named, never touched
    private static final MessageTypeRegistry REGISTRY = MessageTypeRegistry.create();
    private static final MessageType ORDER = REGISTRY.register(OrderPlaced.class);
    private static final MessageType WRAPPER = REGISTRY.register(Wrapper.class);

    private static final Serializer JSON = JsonEnvelopeSerializer.create();
    private static final Serializer CBOR = CborEnvelopeSerializer.create();
    private static final Serializer BINARY = BinaryEnvelopeSerializer.create();
    private static final Serializer RAW = RawJsonSerializer.create();

    /** Fragments a hostile sender would splice in. */
    private static final List<byte[]> HOSTILE = List.of(
            "[".repeat(5_000).getBytes(StandardCharsets.US_ASCII),
            "{\"a\":".repeat(2_000).getBytes(StandardCharsets.US_ASCII),
            "1e1000000000".getBytes(StandardCharsets.US_ASCII),
            "\"1E-2147483648\"".getBytes(StandardCharsets.US_ASCII),
            ("{\"@class\":\"" + CANARY + "\",\"value\":\"x\"}").getBytes(StandardCharsets.US_ASCII),
            ("[\"" + CANARY + "\",{}]").getBytes(StandardCharsets.US_ASCII),
            ("\"urn:message:" + CANARY + "\"").getBytes(StandardCharsets.US_ASCII),
            new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f},   // a huge varint length
            new byte[] {(byte) 0x9f, (byte) 0x9f, (byte) 0x9f, (byte) 0x9f},         // CBOR indefinite arrays
            new byte[] {(byte) 0xc4, (byte) 0x82, 0x3a, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01}); // CBOR decimal, scale 2^31

    private static Envelope envelope(MessageType type) {
        return new Envelope(UUID.randomUUID(), null, UUID.randomUUID(), UUID.randomUUID(), null,
                URI.create("rabbitmq://localhost/source"), URI.create("rabbitmq://localhost/orders"), null, null,
                type.messageTypes(), Instant.parse("2030-01-01T00:00:00Z"), null,
                Headers.of(Map.of("tenant", "acme", "attempt", 2)), HostInfo.current());
    }

    /** Real bodies of the codec: an order and a wrapper around a plain map. */
    private static List<SerializedMessage> samples(Serializer codec) {
        return List.of(
                codec.serialize(envelope(ORDER), TestMessages.orderPlaced()),
                codec.serialize(envelope(WRAPPER), new Wrapper(Map.of("k", "v"))));
    }

    /** Decodes as the bus does: the envelope, then the body bound to each registered type it names. */
    private static void decode(Serializer codec, byte[] body, Headers headers) {
        try {
            DecodedMessage d = codec.deserialize(body, headers);
            Envelope e = d.envelope();
            for (String urn : e.messageType()) {
                REGISTRY.resolve(urn).ifPresent(t -> d.message(t.javaType()));
            }
        } catch (SerializationException expected) {
            // the one way a decoder may refuse
        }
        assertThat(canaryLoaded).as("a class named by the message was loaded").isFalse();
    }

    private static byte[] mutate(byte[] base, long seed) {
        Random r = new Random(seed);
        byte[] b = base.clone();
        int mutations = 1 + r.nextInt(6);
        for (int i = 0; i < mutations; i++) {
            int at = b.length == 0 ? 0 : r.nextInt(b.length);
            switch (r.nextInt(7)) {
                case 0 -> { // flip bits
                    if (b.length > 0) {
                        b[at] ^= (byte) (1 << r.nextInt(8));
                    }
                }
                case 1 -> { // an interesting byte
                    if (b.length > 0) {
                        byte[] pick = {0, (byte) 0xff, (byte) 0x80, 0x7f, '"', '{', '[', ':', ',', '9', '-', 'e', '\\'};
                        b[at] = pick[r.nextInt(pick.length)];
                    }
                }
                case 2 -> b = java.util.Arrays.copyOf(b, at); // cut
                case 3 -> { // delete a range
                    int len = Math.min(b.length - at, 1 + r.nextInt(16));
                    byte[] n = new byte[b.length - len];
                    System.arraycopy(b, 0, n, 0, at);
                    System.arraycopy(b, at + len, n, at, b.length - at - len);
                    b = n;
                }
                case 4 -> b = splice(b, at, randomBytes(r, 1 + r.nextInt(16))); // insert noise
                case 5 -> b = splice(b, at, HOSTILE.get(r.nextInt(HOSTILE.size()))); // insert a hostile fragment
                default -> { // repeat a range
                    int len = Math.min(b.length - at, 1 + r.nextInt(32));
                    b = splice(b, at, java.util.Arrays.copyOfRange(b, at, at + len));
                }
            }
        }
        return b;
    }

    private static byte[] splice(byte[] b, int at, byte[] insert) {
        byte[] n = new byte[b.length + insert.length];
        System.arraycopy(b, 0, n, 0, at);
        System.arraycopy(insert, 0, n, at, insert.length);
        System.arraycopy(b, at, n, at + insert.length, b.length - at);
        return n;
    }

    private static byte[] randomBytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static Arbitrary<byte[]> mutantsOrNoise(Serializer codec) {
        List<byte[]> bases = new ArrayList<>();
        samples(codec).forEach(s -> bases.add(s.body()));
        Arbitrary<byte[]> mutants = Combinators.combine(Arbitraries.of(bases), Arbitraries.longs()).as(CodecFuzzTest::mutate);
        Arbitrary<byte[]> noise = Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(9, mutants),
                net.jqwik.api.Tuple.of(1, noise));
    }

    @Provide
    Arbitrary<byte[]> jsonBodies() {
        return mutantsOrNoise(JSON);
    }

    @Provide
    Arbitrary<byte[]> cborBodies() {
        return mutantsOrNoise(CBOR);
    }

    @Provide
    Arbitrary<byte[]> binaryBodies() {
        return mutantsOrNoise(BINARY);
    }

    @Provide
    Arbitrary<byte[]> rawBodies() {
        return mutantsOrNoise(RAW);
    }

    @Property(tries = 10_000)
    void theJsonEnvelopeDecoderOnlyEverRefusesWithASerializationException(@ForAll("jsonBodies") byte[] body) {
        decode(JSON, body, Headers.empty());
    }

    @Property(tries = 10_000)
    void theCborEnvelopeDecoderOnlyEverRefusesWithASerializationException(@ForAll("cborBodies") byte[] body) {
        decode(CBOR, body, Headers.empty());
    }

    @Property(tries = 10_000)
    void theBinaryEnvelopeDecoderOnlyEverRefusesWithASerializationException(@ForAll("binaryBodies") byte[] body) {
        decode(BINARY, body, Headers.empty());
    }

    @Property(tries = 10_000)
    void theRawJsonDecoderOnlyEverRefusesWithASerializationException(@ForAll("rawBodies") byte[] body) {
        decode(RAW, body, samples(RAW).get(0).transportHeaders());
    }

    // ------------------------------------------------------------------ the hostile inputs, one by one

    private static String jsonOrder(String total) {
        return "{\"messageType\":[\"" + ORDER.urn() + "\"],\"message\":{\"orderId\":\"" + UUID.randomUUID()
                + "\",\"customer\":\"x\",\"total\":" + total + "}}";
    }

    @Example
    void anAbsurdDecimalScaleIsRefusedAsANumberAndAsAString() {
        for (String total : List.of("1e1000000000", "\"1e1000000000\"", "1e-5000", "\"1e-5000\"")) {
            DecodedMessage d = JSON.deserialize(jsonOrder(total).getBytes(StandardCharsets.UTF_8), Headers.empty());
            assertThatThrownBy(() -> d.message(ORDER.javaType()))
                    .as(total).isInstanceOf(SerializationException.class).hasMessageContaining("scale");
        }
        DecodedMessage overflow = JSON.deserialize(jsonOrder("\"1E-2147483648\"").getBytes(StandardCharsets.UTF_8),
                Headers.empty()); // beyond an int: not a BigDecimal at all
        assertThatThrownBy(() -> overflow.message(ORDER.javaType())).isInstanceOf(SerializationException.class);
        DecodedMessage fine = JSON.deserialize(jsonOrder("\"1e900\"").getBytes(StandardCharsets.UTF_8), Headers.empty());
        assertThat(((OrderPlaced) fine.message(ORDER.javaType())).total().scale()).isEqualTo(-900);
    }

    @Example
    void anAbsurdDecimalScaleIsRefusedByTheBinaryAndCborCodecs() {
        OrderPlaced huge = new OrderPlaced(UUID.randomUUID(), "x", new java.math.BigDecimal("1e-5000"), null, List.of(), null);
        SerializedMessage binary = BINARY.serialize(envelope(ORDER), huge); // writing is the sender's business
        assertThatThrownBy(() -> BINARY.deserialize(binary.body(), binary.transportHeaders()).message(ORDER.javaType()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("scale");
        // CBOR carries decimals as plain text, so this one is 5,002 characters: the number length limit
        SerializedMessage cbor = CBOR.serialize(envelope(ORDER), huge);
        assertThatThrownBy(() -> CBOR.deserialize(cbor.body(), cbor.transportHeaders()).message(ORDER.javaType()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("length");
    }

    @Example
    void aBodyNestedDeeperThanTheLimitIsRefused() {
        String deep = "{\"messageType\":[\"" + ORDER.urn() + "\"],\"message\":{\"lines\":" + "[".repeat(1_000)
                + "]".repeat(1_000) + "}}";
        assertThatThrownBy(() -> JSON.deserialize(deep.getBytes(StandardCharsets.UTF_8), Headers.empty())
                .message(ORDER.javaType()))
                .isInstanceOf(SerializationException.class).hasMessageContaining("depth");
    }

    @Example
    void aClassNamedByTheMessageIsNeverLoadedEvenThroughAUsersPermissiveMapper() {
        ObjectMapper permissive = new ObjectMapper();
        permissive.activateDefaultTyping(LaissezFaireSubTypeValidator.instance, ObjectMapper.DefaultTyping.EVERYTHING);
        Serializer user = JsonEnvelopeSerializer.create(permissive);
        String body = "{\"messageType\":[\"" + WRAPPER.urn() + "\"],\"message\":{\"payload\":{\"@class\":\""
                + CANARY + "\",\"value\":\"boom\"}}}";
        for (Serializer codec : List.of(JSON, user)) {
            DecodedMessage d = codec.deserialize(body.getBytes(StandardCharsets.UTF_8), Headers.empty());
            assertThatThrownBy(() -> d.message(WRAPPER.javaType())).as(codec.toString())
                    .isInstanceOf(SerializationException.class);
        }
        assertThat(canaryLoaded).isFalse();
    }
}
