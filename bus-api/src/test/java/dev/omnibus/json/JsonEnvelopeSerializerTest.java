package dev.omnibus.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.jsontype.impl.LaissezFaireSubTypeValidator;
import dev.omnibus.ConfigurationException;
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
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class JsonEnvelopeSerializerTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final String PING = "urn:message:MassTransit.TestFramework.Messages:PingMessage";

    private final JsonEnvelopeSerializer serializer = JsonEnvelopeSerializer.create();
    private final MessageTypeRegistry registry = MessageTypeRegistry.create();

    static Envelope fullEnvelope(List<String> messageType) {
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("tenant", "acme");
        headers.put("MT-Redelivery-Count", 3);
        headers.put("big-number", 5_000_000_000L);
        headers.put("urgent", true);
        headers.put("MT-Request-AcceptType", List.of("urn:message:Acme.Orders:OrderAccepted"));
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
                new HostInfo("build-7", "orders-service", 4242, "orders-service", "1.2.3", "Java 17", "omnibus-0.1.0",
                        "Linux 6.1"));
    }

    private SerializedMessage write(Object message) {
        return serializer.serialize(fullEnvelope(List.of(MessageTypeRegistry.urnOf(message.getClass()))), message);
    }

    private static JsonNode tree(byte[] body) throws Exception {
        return PLAIN.readTree(body);
    }

    private static byte[] json(String text) {
        return text.getBytes(UTF_8);
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void envelopeRoundTripKeepsEveryField() {
        MessageType type = registry.register(OrderPlaced.class);
        Envelope envelope = fullEnvelope(type.messageTypes());
        OrderPlaced message = TestMessages.orderPlaced();

        SerializedMessage written = serializer.serialize(envelope, message);
        DecodedMessage read = serializer.deserialize(written.body(), written.transportHeaders());

        assertThat(written.contentType()).isEqualTo("application/vnd.masstransit+json");
        assertThat(written.transportHeaders().isEmpty()).isTrue();
        assertThat(read.envelope()).isEqualTo(envelope);
        assertThat(read.message(type.javaType())).isEqualTo(message);
    }

    @Test
    void faultRoundTripBindsThroughTheRegistryFaultType() {
        MessageType faultType = registry.faultOf(SubmitOrder.class);
        SubmitOrder failed = new SubmitOrder(UUID.randomUUID(), Instant.parse("2024-01-02T03:04:05.5Z"));
        Exception boom = new IllegalStateException("stock service down", new java.io.IOException("connection reset"));
        Fault<SubmitOrder> fault = new Fault<>(UUID.randomUUID(), UUID.randomUUID(),
                Instant.parse("2024-01-02T03:04:06.25Z"), List.of(ExceptionInfo.of(boom)), HostInfo.current(),
                registry.typeOf(SubmitOrder.class).messageTypes(), failed);

        SerializedMessage written = serializer.serialize(fullEnvelope(faultType.messageTypes()), fault);
        DecodedMessage read = serializer.deserialize(written.body(), Headers.empty());

        assertThat(read.envelope().messageType()).containsExactly(
                "urn:message:MassTransit:Fault[[Company.Project:SubmitOrder]]", "urn:message:MassTransit:Fault");
        Object bound = read.message(faultType.javaType());
        assertThat(bound).isEqualTo(fault);
        assertThat(((Fault<?>) bound).message()).isInstanceOf(SubmitOrder.class);
    }

    @Test
    void recordWithoutComponentsIsWrittenAsEmptyObject() throws Exception {
        SerializedMessage written = write(new CartEmptied());

        assertThat(tree(written.body()).get("message").isObject()).isTrue();
        assertThat(tree(written.body()).get("message").isEmpty()).isTrue();
        assertThat(serializer.deserialize(written.body(), null).message(CartEmptied.class)).isEqualTo(new CartEmptied());
    }

    @Test
    void bindingTheSameTypeTwiceGivesTheSameInstance() {
        DecodedMessage read = serializer.deserialize(write(TestMessages.orderPlaced()).body(), null);

        assertThat(read.message(OrderPlaced.class)).isSameAs(read.message(OrderPlaced.class));
    }

    // ------------------------------------------------------------------ what we write

    @Test
    void writtenEnvelopeHasEveryMassTransitKeyInMassTransitOrder() throws Exception {
        JsonNode ours = tree(write(TestMessages.orderPlaced()).body());
        JsonNode theirs = tree(MassTransitSamplesTest.sample("sample-1.json"));

        assertThat(MassTransitSamplesTest.fieldNames(ours))
                .containsExactlyElementsOf(MassTransitSamplesTest.fieldNames(theirs));
        assertThat(MassTransitSamplesTest.fieldNames(ours.get("host")))
                .containsExactlyElementsOf(MassTransitSamplesTest.fieldNames(theirs.get("host")));
    }

    @Test
    void absentFieldsAreWrittenAsJsonNull() throws Exception {
        Envelope sparse = new Envelope(UUID.randomUUID(), null, null, null, null, null, null, null, null,
                List.of(PING), null, null, null, null);

        JsonNode written = tree(serializer.serialize(sparse, new PingMessage(null)).body());

        for (String field : List.of("requestId", "correlationId", "conversationId", "initiatorId", "sourceAddress",
                "destinationAddress", "responseAddress", "faultAddress", "expirationTime", "sentTime", "host")) {
            assertThat(written.has(field)).as(field).isTrue();
            assertThat(written.get(field).isNull()).as(field).isTrue();
        }
        assertThat(written.get("headers").isObject()).isTrue();
        assertThat(written.get("headers").isEmpty()).isTrue();
        assertThat(written.get("message").get("correlationId").isNull()).isTrue();
    }

    @Test
    void decimalsAreWrittenAsStrings() throws Exception {
        JsonNode message = tree(write(TestMessages.orderPlaced()).body()).get("message");

        assertThat(message.get("total").isTextual()).isTrue();
        assertThat(message.get("total").textValue()).isEqualTo("1234.50");
        assertThat(message.get("lines").get(0).get("price").textValue()).isEqualTo("0.10");
        assertThat(message.get("lines").get(0).get("quantity").isInt()).isTrue();
    }

    record Amounts(List<BigDecimal> values) {
    }

    @Test
    void decimalsAreWrittenInPlainNotationWhateverTheirScale() throws Exception {
        List<String> plain = List.of("1000", "0.0000001", "0.000001", "12.50", "-0.00000012", "0", "123456789012345678901234567890");
        Amounts amounts = new Amounts(List.of(new BigDecimal("1E+3"), new BigDecimal("1E-7"), new BigDecimal("0.000001"),
                new BigDecimal("12.50"), new BigDecimal("-1.2E-7"), BigDecimal.ZERO,
                new BigDecimal("123456789012345678901234567890")));

        JsonNode values = tree(write(amounts).body()).get("message").get("values");

        for (int i = 0; i < plain.size(); i++) {
            assertThat(values.get(i).textValue()).as(amounts.values().get(i).toString()).isEqualTo(plain.get(i));
        }
    }

    @Test
    void decimalsAreReadFromStringsAndFromNumbersWithoutLoss() {
        String body = "{\"messageType\":[\"urn:message:Acme.Orders:OrderPlaced\"],\"message\":"
                + "{\"total\":1234.50,\"lines\":[{\"price\":\"0.10\"},{\"price\":0.1000000000000000000000000001}]}}";

        OrderPlaced order = (OrderPlaced) serializer.deserialize(json(body), null).message(OrderPlaced.class);

        assertThat(order.total()).isEqualTo(new BigDecimal("1234.50"));
        assertThat(order.lines().get(0).price()).isEqualTo(new BigDecimal("0.10"));
        assertThat(order.lines().get(1).price()).isEqualTo(new BigDecimal("0.1000000000000000000000000001"));
    }

    @Test
    void idsAreWrittenAsLowercaseDashedGuids() throws Exception {
        UUID upper = UUID.fromString("ABCDEF01-2345-6789-ABCD-EF0123456789");
        Envelope envelope = fullEnvelope(List.of(PING)).withMessageId(upper);

        JsonNode written = tree(serializer.serialize(envelope, new PingMessage(upper)).body());

        String dForm = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
        for (String field : List.of("messageId", "requestId", "correlationId", "conversationId", "initiatorId")) {
            assertThat(written.get(field).textValue()).as(field).matches(dForm);
        }
        assertThat(written.get("messageId").textValue()).isEqualTo("abcdef01-2345-6789-abcd-ef0123456789");
        assertThat(written.get("message").get("correlationId").textValue())
                .isEqualTo("abcdef01-2345-6789-abcd-ef0123456789");
    }

    @Test
    void instantsAreWrittenInUtcAsSystemTextJsonWritesThem() throws Exception {
        Envelope envelope = new Envelope(UUID.randomUUID(), null, null, null, null, null, null, null, null,
                List.of("urn:message:Company.Project:SubmitOrder"), Instant.parse("2023-07-04T11:39:59.689100Z"),
                Instant.parse("2023-07-04T11:40:00Z"), Headers.empty(), null);

        JsonNode written = tree(serializer.serialize(envelope,
                new SubmitOrder(UUID.randomUUID(), Instant.parse("2023-01-12T21:55:53.714Z"))).body());

        assertThat(written.get("sentTime").textValue()).isEqualTo("2023-07-04T11:39:59.6891Z");
        assertThat(written.get("expirationTime").textValue()).isEqualTo("2023-07-04T11:40:00Z");
        assertThat(written.get("message").get("timestamp").textValue()).isEqualTo("2023-01-12T21:55:53.714Z");
    }

    @Test
    void headerNamesAreWrittenAsGiven() throws Exception {
        JsonNode headers = tree(write(new PingMessage(null)).body()).get("headers");

        assertThat(MassTransitSamplesTest.fieldNames(headers))
                .containsExactly("tenant", "MT-Redelivery-Count", "big-number", "urgent", "MT-Request-AcceptType");
        assertThat(headers.get("MT-Redelivery-Count").isInt()).isTrue();
        assertThat(headers.get("urgent").isBoolean()).isTrue();
        assertThat(headers.get("MT-Request-AcceptType").isArray()).isTrue();
    }

    // ------------------------------------------------------------------ tolerant reading

    @Test
    void propertyNamesMatchCaseInsensitivelyInEnvelopeAndMessage() {
        String body = "{\"MessageId\":\"181c0000-6393-3630-36a4-08daf4e7c6da\",\"MESSAGETYPE\":[\"" + PING + "\"],"
                + "\"SentTime\":\"2023-01-12T21:55:53.715882Z\",\"Host\":{\"MachineName\":\"box\",\"PROCESSID\":7},"
                + "\"Message\":{\"correlationID\":\"9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb\"}}";

        DecodedMessage read = serializer.deserialize(json(body), null);

        assertThat(read.envelope().messageId()).isEqualTo(UUID.fromString("181c0000-6393-3630-36a4-08daf4e7c6da"));
        assertThat(read.envelope().messageType()).containsExactly(PING);
        assertThat(read.envelope().sentTime()).isEqualTo(Instant.parse("2023-01-12T21:55:53.715882Z"));
        assertThat(read.envelope().host().machineName()).isEqualTo("box");
        assertThat(read.envelope().host().processId()).isEqualTo(7);
        assertThat(read.message(PingMessage.class))
                .isEqualTo(new PingMessage(UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb")));
    }

    @Test
    void commentsTrailingCommasAndUnknownPropertiesAreAccepted() {
        String body = """
                {
                  // written by hand
                  "messageType": ["%s",],
                  /* an envelope field MassTransit does not know */
                  "priority": 5,
                  "message": {"correlationId": "9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb", "extra": [1, 2,],},
                }
                """.formatted(PING);

        DecodedMessage read = serializer.deserialize(json(body), null);

        assertThat(read.envelope().messageType()).containsExactly(PING);
        assertThat(read.message(PingMessage.class))
                .isEqualTo(new PingMessage(UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb")));
    }

    @Test
    void idsAreReadInNFormAndEmptyIdsAreAbsent() {
        String body = "{\"messageId\":\"181C00006393363036A408DAF4E7C6DA\",\"requestId\":\"\","
                + "\"correlationId\":\"{9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb}\","
                + "\"messageType\":[\"" + PING + "\"],\"message\":{\"correlationId\":\"9bbcf5f0596e4e90b3c51b27358c5aeb\"}}";

        DecodedMessage read = serializer.deserialize(json(body), null);

        assertThat(read.envelope().messageId()).isEqualTo(UUID.fromString("181c0000-6393-3630-36a4-08daf4e7c6da"));
        assertThat(read.envelope().requestId()).isNull();
        assertThat(read.envelope().correlationId()).isEqualTo(UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb"));
        assertThat(read.message(PingMessage.class))
                .isEqualTo(new PingMessage(UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb")));
    }

    @Test
    void headersBecomePlainJavaValues() {
        String body = "{\"messageType\":[\"" + PING + "\"],\"message\":{},\"headers\":{"
                + "\"s\":\"text\",\"i\":3,\"l\":5000000000,\"n\":123456789012345678901234567890,\"d\":1.5,"
                + "\"b\":false,\"list\":[\"a\",1],\"map\":{\"k\":true},\"gone\":null}}";

        Headers headers = serializer.deserialize(json(body), null).envelope().headers();

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
    void timesWithAnOffsetOrWithoutOneAreReadAsUtc() {
        String body = "{\"messageType\":[\"" + PING + "\"],\"message\":{},"
                + "\"sentTime\":\"2023-07-04T13:39:59.6891020+02:00\",\"expirationTime\":\"2023-07-04T11:40:00\"}";

        Envelope e = serializer.deserialize(json(body), null).envelope();

        assertThat(e.sentTime()).isEqualTo(Instant.parse("2023-07-04T11:39:59.689102Z"));
        assertThat(e.expirationTime()).isEqualTo(Instant.parse("2023-07-04T11:40:00Z"));
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void bodyThatIsNotJsonIsRejectedWithTheReason() {
        assertThatThrownBy(() -> serializer.deserialize(json("hello, world"), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("body is not JSON: ");
    }

    @Test
    void emptyBodyIsRejected() {
        assertThatThrownBy(() -> serializer.deserialize(new byte[0], null))
                .isInstanceOf(SerializationException.class)
                .hasMessage("body is not JSON: it is empty");
    }

    @Test
    void trailingGarbageAfterTheEnvelopeIsRejected() {
        assertThatThrownBy(() -> serializer.deserialize(json("{\"messageType\":[\"" + PING + "\"]} {}"), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("body is not JSON: ");
    }

    @Test
    void jsonArrayIsRejectedAsNotAnEnvelope() {
        assertThatThrownBy(() -> serializer.deserialize(json("[{\"messageType\":[\"" + PING + "\"]}]"), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("envelope is not a JSON object but an array");
    }

    @Test
    void envelopeWithoutMessageTypeReadsAsNoTypes() {
        // MassTransit reads a missing messageType as an empty list (EnvelopeMessageContext); the bus then
        // finds no consumer and moves the message to _skipped (WireCompatibilityTest)
        assertThat(serializer.deserialize(json("{\"message\":{\"correlationId\":null}}"), null).envelope().messageType())
                .isEmpty();
        assertThat(serializer.deserialize(json("{\"messageType\":[],\"message\":{}}"), null).envelope().messageType())
                .isEmpty();
    }

    @Test
    void messageTypeThatIsNotAnArrayOfStringsIsRejected() {
        assertThatThrownBy(() -> serializer.deserialize(json("{\"messageType\":[1],\"message\":{}}"), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("messageType must be an array of URN strings");
    }

    @Test
    void invalidGuidInMessageIdIsRejectedNamingTheField() {
        String body = "{\"messageId\":\"not-a-guid\",\"messageType\":[\"" + PING + "\"],\"message\":{}}";

        assertThatThrownBy(() -> serializer.deserialize(json(body), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("messageId is not a GUID: \"not-a-guid\"");
    }

    @Test
    void invalidSentTimeIsRejectedNamingTheField() {
        String body = "{\"sentTime\":\"yesterday\",\"messageType\":[\"" + PING + "\"],\"message\":{}}";

        assertThatThrownBy(() -> serializer.deserialize(json(body), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("sentTime is not an ISO-8601 date-time: \"yesterday\"");
    }

    @Test
    void nestingDeeperThanTheLimitIsRejected() {
        int depth = JsonCodec.MAX_NESTING_DEPTH + 1;
        String body = "{\"messageType\":[\"" + PING + "\"],\"message\":" + "[".repeat(depth) + "]".repeat(depth) + "}";

        assertThatThrownBy(() -> serializer.deserialize(json(body), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("body exceeds a JSON parser limit")
                .hasMessageContaining("200");
    }

    @Test
    void nestingUpToTheLimitIsRead() {
        int depth = JsonCodec.MAX_NESTING_DEPTH - 1; // the envelope object is one level
        String body = "{\"messageType\":[\"" + PING + "\"],\"message\":" + "[".repeat(depth) + "]".repeat(depth) + "}";

        assertThat(serializer.deserialize(json(body), null).envelope().messageType()).containsExactly(PING);
    }

    @Test
    void envelopeWithoutMessageFailsWhenBoundNamingTheType() {
        DecodedMessage read = serializer.deserialize(json("{\"messageType\":[\"" + PING + "\"]}"), null);

        assertThatThrownBy(() -> read.message(PingMessage.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("envelope has no message")
                .hasMessageContaining(PingMessage.class.getName());
    }

    @Test
    void bodyThatDoesNotFitTheTypeFailsNamingTypeAndPath() {
        String body = "{\"messageType\":[\"" + PING + "\"],\"message\":{\"correlationId\":\"nope\"}}";
        DecodedMessage read = serializer.deserialize(json(body), null);

        assertThatThrownBy(() -> read.message(PingMessage.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("message does not fit " + PingMessage.class.getName())
                .hasMessageContaining("$.correlationId");
    }

    @Test
    void failuresAreNotRetryable() {
        SerializationException e = org.junit.jupiter.api.Assertions.assertThrows(SerializationException.class,
                () -> serializer.deserialize(json("nope"), null));

        assertThat(e.isRetryable()).isFalse();
    }

    // ------------------------------------------------------------------ configuration and threads

    @Test
    void userMapperIsCopiedAndItsOwnSettingsAreKept() throws Exception {
        ObjectMapper mine = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        JsonEnvelopeSerializer custom = JsonEnvelopeSerializer.create(mine);

        SerializedMessage written = custom.serialize(fullEnvelope(List.of("urn:message:Acme.Orders:OrderPlaced")),
                TestMessages.orderPlaced());
        JsonNode tree = tree(written.body());

        assertThat(tree.has("messageId")).isTrue();
        assertThat(tree.get("message").has("placed_at")).isTrue();
        assertThat(tree.get("message").get("total").textValue()).isEqualTo("1234.50");
        assertThat(custom.deserialize(written.body(), null).message(OrderPlaced.class))
                .isEqualTo(TestMessages.orderPlaced());
        assertThat(mine.isEnabled(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)).isTrue();
        assertThat(mine.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)).isTrue();
        assertThat(mine.getRegisteredModuleIds()).isEmpty();
    }

    @Test
    @SuppressWarnings("deprecation") // EVERYTHING is the setting that would type even final records
    void defaultTypingOfAUserMapperIsTurnedOffSoNoClassNameTravels() throws Exception {
        ObjectMapper mine = new ObjectMapper().activateDefaultTyping(
                LaissezFaireSubTypeValidator.instance, ObjectMapper.DefaultTyping.EVERYTHING);
        JsonEnvelopeSerializer custom = JsonEnvelopeSerializer.create(mine);

        SerializedMessage written = custom.serialize(fullEnvelope(List.of("urn:message:Acme.Orders:OrderPlaced")),
                TestMessages.orderPlaced());

        assertThat(new String(written.body(), UTF_8)).doesNotContain(OrderPlaced.class.getName());
        assertThat(tree(written.body()).get("message").get("customer").textValue())
                .isEqualTo(TestMessages.orderPlaced().customer());
    }

    @Test
    void mapperForAnotherFormatIsRejected() {
        ObjectMapper yamlLike = new ObjectMapper(new JsonFactory() {
            private static final long serialVersionUID = 1L;

            @Override
            public String getFormatName() {
                return "YAML";
            }
        });

        assertThatThrownBy(() -> JsonEnvelopeSerializer.create(yamlLike))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("writes YAML, not JSON");
    }

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
                        Envelope envelope = fullEnvelope(type.messageTypes()).withMessageId(UUID.randomUUID());
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
}
