package dev.omnibus.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import dev.omnibus.Envelope;
import dev.omnibus.ExceptionInfo;
import dev.omnibus.Fault;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.SerializationException;
import dev.omnibus.json.TestMessages.CartEmptied;
import dev.omnibus.json.TestMessages.OrderPlaced;
import dev.omnibus.json.TestMessages.PingMessage;
import dev.omnibus.json.TestMessages.SubmitOrder;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The JSON envelope's tests, for the same envelope in CBOR. */
class CborEnvelopeSerializerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CBORMapper CBOR = new CBORMapper();
    private static final String PING = "urn:message:MassTransit.TestFramework.Messages:PingMessage";

    private final CborEnvelopeSerializer serializer = CborEnvelopeSerializer.create();
    private final JsonEnvelopeSerializer json = JsonEnvelopeSerializer.create();
    private final MessageTypeRegistry registry = MessageTypeRegistry.create();

    private SerializedMessage write(Object message) {
        return serializer.serialize(
                JsonEnvelopeSerializerTest.fullEnvelope(List.of(MessageTypeRegistry.urnOf(message.getClass()))), message);
    }

    private static JsonNode tree(byte[] body) throws Exception {
        return CBOR.readTree(body);
    }

    /** The embedded message of an envelope written by the serializer, as a tree. */
    private static JsonNode message(byte[] body) throws Exception {
        return CBOR.readTree(tree(body).get("message").binaryValue());
    }

    /** A hand-written envelope: JSON text turned into the same structure in CBOR. */
    private static byte[] cbor(String jsonText) {
        try {
            return CBOR.writeValueAsBytes(JSON.readTree(jsonText));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void envelopeRoundTripKeepsEveryField() {
        MessageType type = registry.register(OrderPlaced.class);
        Envelope envelope = JsonEnvelopeSerializerTest.fullEnvelope(type.messageTypes());
        OrderPlaced message = TestMessages.orderPlaced();

        SerializedMessage written = serializer.serialize(envelope, message);
        DecodedMessage read = serializer.deserialize(written.body(), written.transportHeaders());

        assertThat(written.contentType()).isEqualTo("application/vnd.omnibus+cbor");
        assertThat(written.transportHeaders().isEmpty()).isTrue();
        assertThat(read.envelope()).isEqualTo(envelope);
        assertThat(read.message(type.javaType())).isEqualTo(message);
    }

    @Test
    void sameEnvelopeAndMessageAsTheJsonEnvelopeInFewerBytes() {
        MessageType type = registry.register(OrderPlaced.class);
        Envelope envelope = JsonEnvelopeSerializerTest.fullEnvelope(type.messageTypes());
        OrderPlaced message = TestMessages.orderPlaced();

        SerializedMessage asCbor = serializer.serialize(envelope, message);
        SerializedMessage asJson = json.serialize(envelope, message);
        DecodedMessage fromCbor = serializer.deserialize(asCbor.body(), null);
        DecodedMessage fromJson = json.deserialize(asJson.body(), null);

        assertThat(fromCbor.envelope()).isEqualTo(fromJson.envelope());
        assertThat(fromCbor.message(OrderPlaced.class)).isEqualTo(fromJson.message(OrderPlaced.class));
        assertThat(asCbor.body().length).isLessThan(asJson.body().length);
    }

    @Test
    void faultRoundTripBindsThroughTheRegistryFaultType() {
        MessageType faultType = registry.faultOf(SubmitOrder.class);
        SubmitOrder failed = new SubmitOrder(UUID.randomUUID(), Instant.parse("2024-01-02T03:04:05.5Z"));
        Exception boom = new IllegalStateException("stock service down", new java.io.IOException("connection reset"));
        Fault<SubmitOrder> fault = new Fault<>(UUID.randomUUID(), UUID.randomUUID(),
                Instant.parse("2024-01-02T03:04:06.25Z"), List.of(ExceptionInfo.of(boom)), HostInfo.current(),
                registry.typeOf(SubmitOrder.class).messageTypes(), failed);

        SerializedMessage written = serializer.serialize(
                JsonEnvelopeSerializerTest.fullEnvelope(faultType.messageTypes()), fault);
        DecodedMessage read = serializer.deserialize(written.body(), Headers.empty());

        assertThat(read.envelope().messageType()).containsExactly(
                "urn:message:MassTransit:Fault[[Company.Project:SubmitOrder]]", "urn:message:MassTransit:Fault");
        Object bound = read.message(faultType.javaType());
        assertThat(bound).isEqualTo(fault);
        assertThat(((Fault<?>) bound).message()).isInstanceOf(SubmitOrder.class);
    }

    @Test
    void recordWithoutComponentsIsWrittenAsEmptyMap() throws Exception {
        SerializedMessage written = write(new CartEmptied());

        assertThat(message(written.body()).isObject()).isTrue();
        assertThat(message(written.body()).isEmpty()).isTrue();
        assertThat(serializer.deserialize(written.body(), null).message(CartEmptied.class)).isEqualTo(new CartEmptied());
    }

    @Test
    void bindingTheSameTypeTwiceGivesTheSameInstance() {
        DecodedMessage read = serializer.deserialize(write(TestMessages.orderPlaced()).body(), null);

        assertThat(read.message(OrderPlaced.class)).isSameAs(read.message(OrderPlaced.class));
    }

    // ------------------------------------------------------------------ what we write

    @Test
    void writtenEnvelopeHasTheJsonEnvelopesKeysInTheSameOrder() throws Exception {
        JsonNode ours = tree(write(TestMessages.orderPlaced()).body());
        JsonNode theirs = JSON.readTree(json.serialize(
                JsonEnvelopeSerializerTest.fullEnvelope(List.of("urn:message:Acme.Orders:OrderPlaced")),
                TestMessages.orderPlaced()).body());

        assertThat(MassTransitSamplesTest.fieldNames(ours)).containsExactlyElementsOf(MassTransitSamplesTest.fieldNames(theirs));
        assertThat(MassTransitSamplesTest.fieldNames(ours.get("host")))
                .containsExactlyElementsOf(MassTransitSamplesTest.fieldNames(theirs.get("host")));
    }

    @Test
    void messageIsEmbeddedAsEncodedCborTaggedTwentyFour() throws Exception {
        byte[] body = write(new PingMessage(null)).body();

        try (CBORParser p = new CBORFactory().createParser(body)) {
            p.nextToken();
            while (p.nextToken() != null) {
                if ("message".equals(p.currentName())) {
                    p.nextToken();
                    assertThat(p.getCurrentTag()).isEqualTo(24);
                    assertThat(p.getBinaryValue()).isNotEmpty();
                    return;
                }
            }
        }
        throw new AssertionError("no message key in the envelope");
    }

    @Test
    void absentFieldsAreWrittenAsNull() throws Exception {
        Envelope sparse = new Envelope(UUID.randomUUID(), null, null, null, null, null, null, null, null,
                List.of(PING), null, null, null, null);

        byte[] body = serializer.serialize(sparse, new PingMessage(null)).body();
        JsonNode written = tree(body);

        for (String field : List.of("requestId", "correlationId", "conversationId", "initiatorId", "sourceAddress",
                "destinationAddress", "responseAddress", "faultAddress", "expirationTime", "sentTime", "host")) {
            assertThat(written.has(field)).as(field).isTrue();
            assertThat(written.get(field).isNull()).as(field).isTrue();
        }
        assertThat(written.get("headers").isObject()).isTrue();
        assertThat(written.get("headers").isEmpty()).isTrue();
        assertThat(message(body).get("correlationId").isNull()).isTrue();
    }

    @Test
    void idsAreWrittenAsSixteenBytes() throws Exception {
        UUID id = UUID.fromString("abcdef01-2345-6789-abcd-ef0123456789");
        Envelope envelope = JsonEnvelopeSerializerTest.fullEnvelope(List.of(PING)).withMessageId(id);

        JsonNode written = tree(serializer.serialize(envelope, new PingMessage(id)).body());

        assertThat(written.get("messageId").binaryValue()).containsExactly(
                0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89);
        for (String field : List.of("requestId", "correlationId", "conversationId", "initiatorId")) {
            assertThat(written.get(field).binaryValue()).as(field).hasSize(16);
        }
    }

    @Test
    void decimalsAndInstantsInTheMessageAreWrittenAsInTheJsonEnvelope() throws Exception {
        JsonNode message = message(write(TestMessages.orderPlaced()).body());

        assertThat(message.get("total").textValue()).isEqualTo("1234.50");
        assertThat(message.get("lines").get(0).get("price").textValue()).isEqualTo("0.10");
        assertThat(message.get("lines").get(0).get("quantity").isInt()).isTrue();
        assertThat(message.get("placedAt").textValue()).isEqualTo("2024-05-06T07:08:09.123456Z");
    }

    @Test
    void timesAreWrittenInUtcAsTheJsonEnvelopeWritesThem() throws Exception {
        Envelope envelope = new Envelope(UUID.randomUUID(), null, null, null, null, null, null, null, null,
                List.of("urn:message:Company.Project:SubmitOrder"), Instant.parse("2023-07-04T11:39:59.689100Z"),
                Instant.parse("2023-07-04T11:40:00Z"), Headers.empty(), null);

        JsonNode written = tree(serializer.serialize(envelope,
                new SubmitOrder(UUID.randomUUID(), Instant.parse("2023-01-12T21:55:53.714Z"))).body());

        assertThat(written.get("sentTime").textValue()).isEqualTo("2023-07-04T11:39:59.6891Z");
        assertThat(written.get("expirationTime").textValue()).isEqualTo("2023-07-04T11:40:00Z");
    }

    @Test
    void headerNamesAndValueKindsSurviveTheRoundTrip() throws Exception {
        SerializedMessage written = write(new PingMessage(null));
        JsonNode headers = tree(written.body()).get("headers");
        Headers read = serializer.deserialize(written.body(), null).envelope().headers();

        assertThat(MassTransitSamplesTest.fieldNames(headers))
                .containsExactly("tenant", "MT-Redelivery-Count", "big-number", "urgent", "MT-Request-AcceptType");
        assertThat(read.get("MT-Redelivery-Count")).isEqualTo(3);
        assertThat(read.get("big-number")).isEqualTo(5_000_000_000L);
        assertThat(read.get("urgent")).isEqualTo(true);
        assertThat(read.get("MT-Request-AcceptType")).isEqualTo(List.of("urn:message:Acme.Orders:OrderAccepted"));
    }

    // ------------------------------------------------------------------ tolerant reading

    @Test
    void keysMatchCaseInsensitivelyInEnvelopeAndInlineMessage() {
        byte[] body = cbor("{\"MessageId\":\"181c0000-6393-3630-36a4-08daf4e7c6da\",\"MESSAGETYPE\":[\"" + PING + "\"],"
                + "\"SentTime\":\"2023-01-12T21:55:53.715882Z\",\"Host\":{\"MachineName\":\"box\",\"PROCESSID\":7},"
                + "\"Message\":{\"correlationID\":\"9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb\"}}");

        DecodedMessage read = serializer.deserialize(body, null);

        assertThat(read.envelope().messageId()).isEqualTo(UUID.fromString("181c0000-6393-3630-36a4-08daf4e7c6da"));
        assertThat(read.envelope().messageType()).containsExactly(PING);
        assertThat(read.envelope().sentTime()).isEqualTo(Instant.parse("2023-01-12T21:55:53.715882Z"));
        assertThat(read.envelope().host().machineName()).isEqualTo("box");
        assertThat(read.envelope().host().processId()).isEqualTo(7);
        assertThat(read.message(PingMessage.class))
                .isEqualTo(new PingMessage(UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb")));
    }

    @Test
    void unknownKeysAreIgnored() {
        byte[] body = cbor("{\"messageType\":[\"" + PING + "\"],\"priority\":5,"
                + "\"message\":{\"correlationId\":\"9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb\",\"extra\":[1,2]}}");

        DecodedMessage read = serializer.deserialize(body, null);

        assertThat(read.message(PingMessage.class))
                .isEqualTo(new PingMessage(UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb")));
    }

    @Test
    void textIdsAreReadInAnyGuidFormAndEmptyIdsAreAbsent() {
        byte[] body = cbor("{\"messageId\":\"181C00006393363036A408DAF4E7C6DA\",\"requestId\":\"\","
                + "\"correlationId\":\"{9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb}\","
                + "\"messageType\":[\"" + PING + "\"],\"message\":{}}");

        Envelope e = serializer.deserialize(body, null).envelope();

        assertThat(e.messageId()).isEqualTo(UUID.fromString("181c0000-6393-3630-36a4-08daf4e7c6da"));
        assertThat(e.requestId()).isNull();
        assertThat(e.correlationId()).isEqualTo(UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb"));
    }

    @Test
    void headersBecomePlainJavaValues() {
        byte[] body = cbor("{\"messageType\":[\"" + PING + "\"],\"message\":{},\"headers\":{"
                + "\"s\":\"text\",\"i\":3,\"l\":5000000000,\"n\":123456789012345678901234567890,\"d\":1.5,"
                + "\"b\":false,\"list\":[\"a\",1],\"map\":{\"k\":true},\"gone\":null}}");

        Headers headers = serializer.deserialize(body, null).envelope().headers();

        assertThat(headers.get("s")).isEqualTo("text");
        assertThat(headers.get("i")).isEqualTo(3);
        assertThat(headers.get("l")).isEqualTo(5_000_000_000L);
        assertThat(headers.get("n")).isEqualTo(new BigInteger("123456789012345678901234567890"));
        assertThat(headers.get("d")).isEqualTo(1.5d);
        assertThat(headers.get("b")).isEqualTo(false);
        assertThat(headers.get("list")).isEqualTo(List.of("a", 1));
        assertThat(headers.get("map")).isEqualTo(Map.of("k", true));
        assertThat(headers.contains("gone")).isFalse();
    }

    @Test
    void decimalsAreReadFromStringsAndFromNumbersWithoutLoss() {
        byte[] body = cbor("{\"messageType\":[\"urn:message:Acme.Orders:OrderPlaced\"],\"message\":"
                + "{\"total\":\"1234.50\",\"lines\":[{\"price\":\"0.10\"},{\"price\":12}]}}");

        OrderPlaced order = (OrderPlaced) serializer.deserialize(body, null).message(OrderPlaced.class);

        assertThat(order.total()).isEqualTo(new BigDecimal("1234.50"));
        assertThat(order.lines().get(0).price()).isEqualTo(new BigDecimal("0.10"));
        assertThat(order.lines().get(1).price()).isEqualTo(new BigDecimal("12"));
    }

    @Test
    void timesWithAnOffsetOrWithoutOneAreReadAsUtc() {
        byte[] body = cbor("{\"messageType\":[\"" + PING + "\"],\"message\":{},"
                + "\"sentTime\":\"2023-07-04T13:39:59.6891020+02:00\",\"expirationTime\":\"2023-07-04T11:40:00\"}");

        Envelope e = serializer.deserialize(body, null).envelope();

        assertThat(e.sentTime()).isEqualTo(Instant.parse("2023-07-04T11:39:59.689102Z"));
        assertThat(e.expirationTime()).isEqualTo(Instant.parse("2023-07-04T11:40:00Z"));
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void bodyThatIsNotCborIsRejectedWithTheReason() {
        assertThatThrownBy(() -> serializer.deserialize(new byte[] {(byte) 0xff, 0x01}, null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("body is not CBOR: ");
    }

    @Test
    void jsonEnvelopeIsNotMistakenForCbor() {
        byte[] jsonBody = json.serialize(JsonEnvelopeSerializerTest.fullEnvelope(List.of(PING)), new PingMessage(null))
                .body();

        assertThatThrownBy(() -> serializer.deserialize(jsonBody, null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("body is not CBOR");
    }

    @Test
    void emptyBodyIsRejected() {
        assertThatThrownBy(() -> serializer.deserialize(new byte[0], null))
                .isInstanceOf(SerializationException.class)
                .hasMessage("body is not CBOR: it is empty");
    }

    @Test
    void trailingGarbageAfterTheEnvelopeIsRejected() {
        byte[] one = cbor("{\"messageType\":[\"" + PING + "\"]}");
        byte[] two = Arrays.copyOf(one, one.length + 1);
        two[one.length] = (byte) 0xa0; // an empty map after the envelope

        assertThatThrownBy(() -> serializer.deserialize(two, null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("body is not CBOR: ");
    }

    @Test
    void arrayIsRejectedAsNotAnEnvelope() {
        assertThatThrownBy(() -> serializer.deserialize(cbor("[{\"messageType\":[\"" + PING + "\"]}]"), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("envelope is not a CBOR map but an array");
    }

    @Test
    void envelopeWithoutMessageTypeReadsAsNoTypes() {
        // MassTransit reads a missing messageType as an empty list (EnvelopeMessageContext); the bus then
        // finds no consumer and moves the message to _skipped (WireCompatibilityTest)
        assertThat(serializer.deserialize(cbor("{\"message\":{\"correlationId\":null}}"), null).envelope().messageType())
                .isEmpty();
        assertThat(serializer.deserialize(cbor("{\"messageType\":[],\"message\":{}}"), null).envelope().messageType())
                .isEmpty();
    }

    @Test
    void messageTypeThatIsNotAnArrayOfStringsIsRejected() {
        assertThatThrownBy(() -> serializer.deserialize(cbor("{\"messageType\":[1],\"message\":{}}"), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("messageType must be an array of URN strings");
    }

    @Test
    void invalidGuidInMessageIdIsRejectedNamingTheField() {
        assertThatThrownBy(() -> serializer.deserialize(
                cbor("{\"messageId\":\"not-a-guid\",\"messageType\":[\"" + PING + "\"],\"message\":{}}"), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("messageId is not a GUID: \"not-a-guid\"");
    }

    @Test
    void byteStringIdOfTheWrongLengthIsRejectedNamingTheField() throws Exception {
        Map<String, Object> envelope = Map.of("messageId", new byte[] {1, 2, 3}, "messageType", List.of(PING));

        assertThatThrownBy(() -> serializer.deserialize(CBOR.writeValueAsBytes(envelope), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("messageId is not a GUID: a byte string of 3 bytes");
    }

    @Test
    void invalidSentTimeIsRejectedNamingTheField() {
        assertThatThrownBy(() -> serializer.deserialize(
                cbor("{\"sentTime\":\"yesterday\",\"messageType\":[\"" + PING + "\"],\"message\":{}}"), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("sentTime is not an ISO-8601 date-time: \"yesterday\"");
    }

    @Test
    void nestingDeeperThanTheLimitIsRejected() {
        int depth = JsonCodec.MAX_NESTING_DEPTH + 1;
        byte[] body = cbor("{\"messageType\":[\"" + PING + "\"],\"message\":" + "[".repeat(depth) + "]".repeat(depth) + "}");

        assertThatThrownBy(() -> serializer.deserialize(body, null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("body exceeds a CBOR parser limit")
                .hasMessageContaining("200");
    }

    @Test
    void nestingUpToTheLimitIsRead() {
        int depth = JsonCodec.MAX_NESTING_DEPTH - 1;
        byte[] body = cbor("{\"messageType\":[\"" + PING + "\"],\"message\":" + "[".repeat(depth) + "]".repeat(depth) + "}");

        assertThat(serializer.deserialize(body, null).envelope().messageType()).containsExactly(PING);
    }

    @Test
    void envelopeWithoutMessageFailsWhenBoundNamingTheType() {
        DecodedMessage read = serializer.deserialize(cbor("{\"messageType\":[\"" + PING + "\"]}"), null);

        assertThatThrownBy(() -> read.message(PingMessage.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("envelope has no message")
                .hasMessageContaining(PingMessage.class.getName());
    }

    @Test
    void bodyThatDoesNotFitTheTypeFailsNamingTypeAndPath() {
        DecodedMessage read = serializer.deserialize(write(new BadPing("nope")).body(), null);

        assertThatThrownBy(() -> read.message(PingMessage.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("message does not fit " + PingMessage.class.getName())
                .hasMessageContaining("$.correlationId");
    }

    @Test
    void embeddedMessageThatIsNotCborFailsWhenBound() throws Exception {
        Map<String, Object> envelope = Map.of("messageType", List.of(PING), "message", new byte[] {(byte) 0xff});
        DecodedMessage read = serializer.deserialize(CBOR.writeValueAsBytes(envelope), null);

        assertThatThrownBy(() -> read.message(PingMessage.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("message does not fit " + PingMessage.class.getName());
    }

    @Test
    void failuresAreNotRetryable() {
        SerializationException e = org.junit.jupiter.api.Assertions.assertThrows(SerializationException.class,
                () -> serializer.deserialize(new byte[] {(byte) 0xff}, null));

        assertThat(e.isRetryable()).isFalse();
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
                    for (int i = 0; i < 500; i++) {
                        OrderPlaced order = new OrderPlaced(UUID.randomUUID(), "customer-" + thread + "-" + i,
                                BigDecimal.valueOf(i, 2), Instant.ofEpochSecond(1_700_000_000L + i, i * 1000L),
                                List.of(), null);
                        Envelope envelope = JsonEnvelopeSerializerTest.fullEnvelope(type.messageTypes())
                                .withMessageId(UUID.randomUUID());
                        SerializedMessage out = serializer.serialize(envelope, order);
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

    /** Written under PingMessage's URN with a correlationId that is no UUID. */
    @dev.omnibus.MessageUrn("MassTransit.TestFramework.Messages:PingMessage")
    record BadPing(String correlationId) {
    }
}
