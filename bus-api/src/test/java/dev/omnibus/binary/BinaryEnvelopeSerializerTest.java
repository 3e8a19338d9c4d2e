package dev.omnibus.binary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Envelope;
import dev.omnibus.ExceptionInfo;
import dev.omnibus.Fault;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.MessageUrn;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The binary envelope: every field round-trips, and bad bytes fail with a reason, never with anything else. */
class BinaryEnvelopeSerializerTest {
    @MessageUrn("Acme.Orders:OrderPlaced")
    record OrderPlaced(UUID orderId, String customer, BigDecimal total, Instant placedAt, List<Line> lines,
            Map<String, String> attributes) {
    }

    record Line(int no, String sku, BigDecimal price) {
    }

    /** OrderPlaced as an older sender had it: same URN, one component fewer. */
    @MessageUrn("Acme.Orders:OrderPlaced")
    record OrderPlacedV1(UUID orderId, String customer, BigDecimal total, Instant placedAt, List<Line> lines) {
    }

    record Chain(String name, Chain next) {
    }

    private final BinaryEnvelopeSerializer serializer = BinaryEnvelopeSerializer.create();
    private final MessageTypeRegistry registry = MessageTypeRegistry.create();

    static OrderPlaced order() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("source", "mobile-app");
        attributes.put("locale", "de-DE");
        return new OrderPlaced(UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f71"), "Zoë Ünal",
                new BigDecimal("1234.50"), Instant.parse("2024-05-06T07:08:09.123456Z"),
                List.of(new Line(1, "SKU-1", new BigDecimal("0.10")), new Line(2, "SKU-2", new BigDecimal("99.99"))),
                attributes);
    }

    static Envelope fullEnvelope(List<String> messageType) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("tenant", "acme");
        headers.put("MT-Redelivery-Count", 3);
        headers.put("big-number", 5_000_000_000L);
        headers.put("urgent", true);
        headers.put("not-urgent", false);
        headers.put("ratio", 0.25);
        headers.put("huge", new BigInteger("123456789012345678901234567890"));
        headers.put("price", new BigDecimal("12.50"));
        headers.put("MT-Request-AcceptType", List.of("urn:message:Acme.Orders:OrderAccepted", 7));
        headers.put("nested", Map.of("k", List.of(true)));
        return new Envelope(
                UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f70"),
                UUID.fromString("ef375b18-69ee-4a9e-b5ec-44ee1177a27e"),
                UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb"),
                UUID.fromString("00ab0000-6ab3-f8b4-739e-08db7c83660f"),
                UUID.fromString("7a000000-9a3c-0005-ed0b-08d7e7027a10"),
                URI.create("rabbitmq://localhost/source"),
                URI.create("rabbitmq://localhost/orders"),
                URI.create("rabbitmq://localhost/bus_abc?temporary=true"),
                URI.create("queue:orders-faults"),
                messageType,
                Instant.parse("2024-05-06T07:08:09.123456Z"),
                Instant.parse("2024-05-06T07:13:09.1Z"),
                Headers.of(headers),
                HostInfo.current());
    }

    private byte[] written() {
        MessageType type = registry.register(OrderPlaced.class);
        return serializer.serialize(fullEnvelope(type.messageTypes()), order()).body();
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void envelopeRoundTripKeepsEveryField() {
        MessageType type = registry.register(OrderPlaced.class);
        Envelope envelope = fullEnvelope(type.messageTypes());

        SerializedMessage out = serializer.serialize(envelope, order());
        DecodedMessage in = serializer.deserialize(out.body(), out.transportHeaders());

        assertThat(out.contentType()).isEqualTo("application/vnd.omnibus+binary");
        assertThat(out.transportHeaders().isEmpty()).isTrue();
        assertThat(in.envelope()).isEqualTo(envelope);
        assertThat(in.envelope().headers().get("MT-Redelivery-Count")).isEqualTo(3);
        assertThat(in.envelope().headers().get("big-number")).isEqualTo(5_000_000_000L);
        assertThat(in.message(type.javaType())).isEqualTo(order());
    }

    @Test
    void absentFieldsStayAbsent() {
        Envelope sparse = new Envelope(null, null, null, null, null, null, null, null, null,
                List.of("urn:message:Acme.Orders:OrderPlaced"), null, null, null, null);

        SerializedMessage out = serializer.serialize(sparse, order());

        assertThat(serializer.deserialize(out.body(), null).envelope()).isEqualTo(sparse);
    }

    @Test
    void longTypeListsAndHostsRoundTrip() {
        List<String> urns = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            urns.add("urn:message:Acme.Orders:Interface" + i);
        }
        HostInfo host = new HostInfo("m".repeat(300), "p", null, null, null, null, null, "é");
        Envelope envelope = fullEnvelope(urns);
        envelope = new Envelope(envelope.messageId(), null, null, null, null, null, null, null, null, urns,
                null, null, null, host);

        Envelope back = serializer.deserialize(serializer.serialize(envelope, order()).body(), null).envelope();

        assertThat(back).isEqualTo(envelope);
    }

    @Test
    void repeatedAddressesTypesAndHostsAreSharedNotDecodedAgain() {
        byte[] body = written();

        Envelope first = serializer.deserialize(body, null).envelope();
        Envelope second = serializer.deserialize(body.clone(), null).envelope();

        assertThat(second.sourceAddress()).isSameAs(first.sourceAddress());
        assertThat(second.messageType()).isSameAs(first.messageType());
        assertThat(second.host()).isSameAs(first.host());
    }

    @Test
    void faultRoundTripBindsThroughTheRegistryFaultType() {
        MessageType faultType = registry.faultOf(OrderPlaced.class);
        Fault<OrderPlaced> fault = new Fault<>(UUID.randomUUID(), UUID.randomUUID(),
                Instant.parse("2024-01-02T03:04:06.25Z"),
                List.of(ExceptionInfo.of(new IllegalStateException("stock down", new java.io.IOException("reset")))),
                HostInfo.current(), registry.typeOf(OrderPlaced.class).messageTypes(), order());

        SerializedMessage out = serializer.serialize(fullEnvelope(faultType.messageTypes()), fault);
        DecodedMessage in = serializer.deserialize(out.body(), Headers.empty());

        assertThat(in.envelope().messageType()).containsExactly(
                "urn:message:MassTransit:Fault[[Acme.Orders:OrderPlaced]]", "urn:message:MassTransit:Fault");
        Object bound = in.message(faultType.javaType());
        assertThat(bound).isEqualTo(fault);
        assertThat(((Fault<?>) bound).message()).isInstanceOf(OrderPlaced.class);
    }

    @Test
    void bindingTheSameTypeTwiceGivesTheSameInstance() {
        DecodedMessage in = serializer.deserialize(written(), null);

        assertThat(in.message(OrderPlaced.class)).isSameAs(in.message(OrderPlaced.class));
    }

    @Test
    void headerValuesOfOtherKindsAreWrittenAsTextOrRefused() {
        UUID id = UUID.randomUUID();
        Envelope withText = fullEnvelope(List.of("urn:x")).withHeaders(Headers.of("id", id));
        Envelope withObject = fullEnvelope(List.of("urn:x")).withHeaders(Headers.of("thing", new Object()));

        assertThat(serializer.deserialize(serializer.serialize(withText, order()).body(), null).envelope().headers()
                .get("id")).isEqualTo(id.toString());
        assertThatThrownBy(() -> serializer.serialize(withObject, order())).isInstanceOf(SerializationException.class)
                .hasMessageContaining("header thing holds a java.lang.Object");
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void emptyAndForeignBodiesAreRefused() {
        for (byte[] body : List.of(new byte[0], new byte[] {'O'}, "{\"messageType\":[]}".getBytes(),
                new byte[] {'O', 'B'})) {
            assertThatThrownBy(() -> serializer.deserialize(body, null)).isInstanceOf(SerializationException.class)
                    .hasMessageContaining("not an Omnibus binary envelope");
        }
    }

    @Test
    void anotherFormatVersionIsRefused() {
        byte[] body = written();
        body[2] = 2;

        assertThatThrownBy(() -> serializer.deserialize(body, null)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("format version 2 is not supported");
    }

    @Test
    void everyTruncationFailsWithAReason() {
        byte[] body = written();
        int failedOnRead = 0;
        for (int n = 3; n < body.length; n++) {
            byte[] cut = Arrays.copyOf(body, n);
            try {
                DecodedMessage in = serializer.deserialize(cut, null);
                in.message(OrderPlaced.class);
                throw new AssertionError("a body cut to " + n + " of " + body.length + " bytes was read");
            } catch (SerializationException e) {
                assertThat(e.getMessage()).as("cut to " + n).containsAnyOf("truncated", "bytes are left", "claims");
                failedOnRead++;
            }
        }
        assertThat(failedOnRead).isEqualTo(body.length - 3);
    }

    @Test
    void trailingBytesAreRefused() {
        byte[] body = written();
        byte[] longer = Arrays.copyOf(body, body.length + 1);

        DecodedMessage in = serializer.deserialize(longer, null);

        assertThatThrownBy(() -> in.message(OrderPlaced.class)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("1 bytes left over");
    }

    @Test
    void oversizedLengthsAndCountsAreRefusedBeforeAllocating() {
        // An envelope with only a messageType block, whose length says 2^31 - 1.
        byte[] hugeBlock = {'O', 'B', 1, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 1};
        // A messageType block of 5 bytes whose count says 2^28.
        byte[] hugeCount = {'O', 'B', 1, 0, 5, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
        // A varint that never ends.
        byte[] endless = {'O', 'B', 1, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

        assertThatThrownBy(() -> serializer.deserialize(hugeBlock, null)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("messageType block length claims 2147483647 but only 1 bytes are left");
        assertThatThrownBy(() -> serializer.deserialize(hugeCount, null)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("messageType count claims 268435456");
        assertThatThrownBy(() -> serializer.deserialize(endless, null)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("not a valid varint");
    }

    @Test
    void anOversizedCollectionCountInTheMessageIsRefused() {
        MessageType type = registry.register(OrderPlaced.class);
        byte[] body = serializer.serialize(fullEnvelope(type.messageTypes()),
                new OrderPlaced(UUID.randomUUID(), "c", null, null, List.of(), null)).body();
        // The message ends: ... lines (presence 1, count 0), attributes (presence 0). Make the count 2^28.
        byte[] hostile = Arrays.copyOf(body, body.length + 3);
        int count = body.length - 2;
        assertThat(body[count - 1]).isEqualTo((byte) 1);
        hostile[count] = (byte) 0x80;
        hostile[count + 1] = (byte) 0x80;
        hostile[count + 2] = (byte) 0x80;
        hostile[count + 3] = (byte) 0x80;
        hostile[count + 4] = 0x01;

        DecodedMessage in = serializer.deserialize(hostile, null);

        assertThatThrownBy(() -> in.message(OrderPlaced.class)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("OrderPlaced.lines")
                .hasMessageContaining("count claims 268435456 but only 0 bytes are left");
    }

    @Test
    void invalidPresenceAndEnumBytesAreRefused() {
        byte[] body = written();
        DecodedMessage ok = serializer.deserialize(body, null);
        ok.message(OrderPlaced.class);
        // The message's first component is the order id: presence byte 1, then 16 bytes.
        int messageAt = body.length - BinaryCodec.create().encode(order()).length;
        assertThat(body[messageAt]).isEqualTo((byte) 1);
        body[messageAt] = 7;

        assertThatThrownBy(() -> serializer.deserialize(body, null).message(OrderPlaced.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("OrderPlaced.orderId: presence byte of uuid is 7 (expected 0 or 1)");
    }

    @Test
    void garbageNeverFailsWithAnythingButSerializationException() {
        byte[] body = written();
        Random random = new Random(12);
        int read = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] mutated = body.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                mutated[3 + random.nextInt(mutated.length - 3)] = (byte) random.nextInt(256);
            }
            try {
                serializer.deserialize(mutated, null).message(OrderPlaced.class);
                read++;
            } catch (SerializationException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(read).isLessThan(20_000);
    }

    @Test
    void unknownTypeIsNeverBoundToAnythingButWhatTheCallerAsksFor() {
        @MessageUrn("Acme.Orders:Other")
        record Other(String a) {
        }
        byte[] body = written();
        DecodedMessage in = serializer.deserialize(body, null);

        assertThat(in.envelope().messageType()).containsExactly("urn:message:Acme.Orders:OrderPlaced");
        assertThatThrownBy(() -> in.message(Other.class)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("message does not fit " + Other.class.getName())
                .hasMessageContaining("fingerprint");
        assertThatThrownBy(() -> in.message(Runnable.class)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("not a record");
    }

    @Test
    void aSenderWithAnotherVersionOfTheRecordIsRefusedByName() {
        OrderPlacedV1 old = new OrderPlacedV1(UUID.randomUUID(), "c", BigDecimal.ONE, Instant.EPOCH, List.of());
        byte[] body = serializer.serialize(fullEnvelope(registry.register(OrderPlacedV1.class).messageTypes()), old)
                .body();

        DecodedMessage in = serializer.deserialize(body, null);

        assertThat(in.envelope().messageType()).containsExactly("urn:message:Acme.Orders:OrderPlaced");
        assertThatThrownBy(() -> in.message(OrderPlaced.class)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("message does not fit " + OrderPlaced.class.getName())
                .hasMessageContaining("schema fingerprint")
                .hasMessageContaining("different versions of the record");
    }

    @Test
    void deepNestingIsRefused() {
        Chain deep = null;
        for (int i = 0; i < 300; i++) {
            deep = new Chain("n" + i, deep);
        }
        Chain tooDeep = deep;
        byte[] body = serializer.serialize(fullEnvelope(List.of("urn:x")), tooDeep).body();

        assertThatThrownBy(() -> serializer.deserialize(body, null).message(Chain.class))
                .isInstanceOf(SerializationException.class).hasMessageContaining("nested deeper than 200 levels");
    }

    // ------------------------------------------------------------------ threads

    @Test
    void oneSerializerIsSafeToShareBetweenThreads() throws Exception {
        MessageType type = registry.register(OrderPlaced.class);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    BinaryEnvelopeSerializer fresh = thread % 2 == 0 ? serializer : BinaryEnvelopeSerializer.create();
                    for (int i = 0; i < 500; i++) {
                        OrderPlaced order = new OrderPlaced(UUID.randomUUID(), "customer-" + thread + "-" + i,
                                BigDecimal.valueOf(i, 2), Instant.ofEpochSecond(1_700_000_000L + i, i * 1000L),
                                List.of(new Line(i, "s" + i, null)), Map.of("k" + i, "v"));
                        Envelope envelope = fullEnvelope(type.messageTypes()).withMessageId(UUID.randomUUID())
                                .withDestinationAddress(URI.create("queue:q" + (i % 100)));
                        SerializedMessage out = fresh.serialize(envelope, order);
                        DecodedMessage in = serializer.deserialize(out.body(), out.transportHeaders());
                        assertThat(in.envelope()).isEqualTo(envelope);
                        assertThat(in.message(type.javaType())).isEqualTo(order);
                    }
                    return 500;
                }));
            }
            for (Future<Integer> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(500);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
