package dev.omnibus.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnibus.Envelope;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.SerializationException;
import dev.omnibus.json.TestMessages.FormData;
import dev.omnibus.json.TestMessages.LegacySubmitOrder;
import dev.omnibus.json.TestMessages.PingMessage;
import dev.omnibus.json.TestMessages.StrictSubmitOrder;
import dev.omnibus.json.TestMessages.SubmitOrder;
import dev.omnibus.json.TestMessages.TestMessage;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Envelopes written by MassTransit itself (see src/test/resources/masstransit/README.md) read
 * field for field, and bind through a {@link MessageTypeRegistry} as the bus binds them.
 */
class MassTransitSamplesTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private final JsonEnvelopeSerializer serializer = JsonEnvelopeSerializer.create();
    private final MessageTypeRegistry registry = MessageTypeRegistry.create();

    MassTransitSamplesTest() {
        registry.register(SubmitOrder.class);
        registry.register(TestMessage.class);
        registry.register(LegacySubmitOrder.class);
        registry.register(PingMessage.class);
    }

    static byte[] sample(String name) {
        try (InputStream in = MassTransitSamplesTest.class.getResourceAsStream("/masstransit/" + name)) {
            assertThat(in).as("test resource /masstransit/%s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the bus does: the first URN the registry knows picks the type, then the body binds to it. */
    private Object bindThroughRegistry(DecodedMessage decoded) {
        MessageType type = decoded.envelope().messageType().stream()
                .map(registry::resolve)
                .flatMap(java.util.Optional::stream)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no registered type for " + decoded.envelope().messageType()));
        return decoded.message(type.javaType());
    }

    @Test
    void sample1RequestEnvelopeReadsEveryField() {
        DecodedMessage decoded = serializer.deserialize(sample("sample-1.json"), null);
        Envelope e = decoded.envelope();

        assertThat(e.messageId()).isEqualTo(UUID.fromString("181c0000-6393-3630-36a4-08daf4e7c6da"));
        assertThat(e.requestId()).isEqualTo(UUID.fromString("ef375b18-69ee-4a9e-b5ec-44ee1177a27e"));
        assertThat(e.correlationId()).isNull();
        assertThat(e.conversationId()).isNull();
        assertThat(e.initiatorId()).isNull();
        assertThat(e.sourceAddress()).isEqualTo(URI.create("rabbitmq://localhost/source"));
        assertThat(e.destinationAddress()).isEqualTo(URI.create("rabbitmq://localhost/destination"));
        assertThat(e.responseAddress()).isEqualTo(URI.create("rabbitmq://localhost/response"));
        assertThat(e.faultAddress()).isEqualTo(URI.create("rabbitmq://localhost/fault"));
        assertThat(e.messageType()).containsExactly("urn:message:Company.Project:SubmitOrder");
        assertThat(e.expirationTime()).isNull();
        assertThat(e.sentTime()).isEqualTo(Instant.parse("2023-01-12T21:55:53.715882Z"));
        assertThat(e.headers().asMap()).containsExactly(Map.entry("Application-Header", "SomeValue"));
        assertThat(e.host()).isEqualTo(new HostInfo("MyComputer", "dotnet", 427, "TestProject", "2.11.1.93",
                "6.0.7", "8.0.10.0", "Unix 12.6.2"));

        assertThat(bindThroughRegistry(decoded)).isEqualTo(new SubmitOrder(
                UUID.fromString("181c0000-6393-3630-36a4-08daf4e7c6da"), Instant.parse("2023-01-12T21:55:53.714Z")));
    }

    @Test
    void sample2PublishedEventWithNullsAndEmptyHeadersReadsEveryField() {
        DecodedMessage decoded = serializer.deserialize(sample("sample-2.json"), null);
        Envelope e = decoded.envelope();

        assertThat(e.messageId()).isEqualTo(UUID.fromString("00ab0000-6ab3-f8b4-f78c-08db7c8365ff"));
        assertThat(e.requestId()).isNull();
        assertThat(e.correlationId()).isNull();
        assertThat(e.conversationId()).isEqualTo(UUID.fromString("00ab0000-6ab3-f8b4-739e-08db7c83660f"));
        assertThat(e.initiatorId()).isNull();
        assertThat(e.sourceAddress()).isEqualTo(
                URI.create("amazonsqs://us-east-1/some-namespace/some_address?durable=false&autodelete=true"));
        assertThat(e.destinationAddress()).isEqualTo(
                URI.create("amazonsqs://us-east-1/some-namespace_TestMessage.fifo?type=topic"));
        assertThat(e.responseAddress()).isNull();
        assertThat(e.faultAddress()).isNull();
        assertThat(e.messageType()).containsExactly("urn:message:TestSerialization:TestMessage");
        assertThat(e.expirationTime()).isNull();
        assertThat(e.sentTime()).isEqualTo(Instant.parse("2023-07-04T11:39:59.689102Z"));
        assertThat(e.headers().isEmpty()).isTrue();
        assertThat(e.host()).isEqualTo(new HostInfo("XXXX", "Publisher", 43776, "Publisher", "1.0.0.0", "6.0.14",
                "8.0.16.0", "Microsoft Windows NT 10.0.19044.0"));

        assertThat(bindThroughRegistry(decoded)).isEqualTo(new TestMessage("Hello world!"));
    }

    @Test
    void sample4NewtonsoftEnvelopeWithoutNullFieldsReadsEveryField() {
        DecodedMessage decoded = serializer.deserialize(sample("sample-4.json"), null);
        Envelope e = decoded.envelope();

        assertThat(e.messageId()).isEqualTo(UUID.fromString("7a000000-9a3c-0005-1813-08d7e7027a0c"));
        assertThat(e.requestId()).isNull();
        assertThat(e.correlationId()).isNull();
        assertThat(e.conversationId()).isEqualTo(UUID.fromString("7a000000-9a3c-0005-ed0b-08d7e7027a10"));
        assertThat(e.initiatorId()).isNull();
        assertThat(e.sourceAddress()).isEqualTo(URI.create(
                "loopback://localhost/ULPC15S12C_SampleApi_bus_xeyyyyr48oyymi95bdm6qyucnd?temporary=true"));
        assertThat(e.destinationAddress()).isEqualTo(URI.create("loopback://localhost/input_queue"));
        assertThat(e.responseAddress()).isNull();
        assertThat(e.faultAddress()).isNull();
        assertThat(e.messageType()).containsExactly("urn:message:MassTransit.Tests.Serialization.TestMessages:SubmitOrder");
        assertThat(e.expirationTime()).isNull();
        assertThat(e.sentTime()).isEqualTo(Instant.parse("2020-04-22T21:16:51.9778323Z"));
        assertThat(e.headers().asMap()).containsExactly(
                Map.entry("MT-Activity-Id", "00-1e03f9b1b84f3d40b7087f2633fadd4a-38ac2fc84b035447-00"));
        assertThat(e.host()).isEqualTo(new HostInfo("ULPC15S12C", "Sample.Api", 25968, "Sample.Api", "1.0.0.0",
                "3.1.3", "6.2.5.0", "Microsoft Windows NT 6.2.9200.0"));

        LegacySubmitOrder order = (LegacySubmitOrder) bindThroughRegistry(decoded);
        assertThat(order.orderId()).isEqualTo(UUID.fromString("843d0cea-68d8-43f6-8e23-1141cbce939c"));
        assertThat(order.timestamp()).isEqualTo(Instant.parse("2020-04-22T21:16:51.8263213Z"));
        assertThat(order.customerNumber()).isFalse();
        assertThat(order.forms()).hasSize(1);
        FormData form = order.forms().get(0).formData();
        assertThat(form.id()).isEmpty();
        assertThat(form.metadata().pageNo()).isFalse();
        assertThat(form.metadata().createdDateTime()).isEmpty();
    }

    @Test
    void sample4BodyBoundToRecordOfWrongShapeFailsNamingTheType() {
        MessageTypeRegistry strict = MessageTypeRegistry.create();
        strict.register(StrictSubmitOrder.class);
        DecodedMessage decoded = serializer.deserialize(sample("sample-4.json"), null);
        MessageType type = strict.resolve(decoded.envelope().messageType().get(0)).orElseThrow();

        assertThatThrownBy(() -> decoded.message(type.javaType()))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(StrictSubmitOrder.class.getName())
                .hasMessageContaining("customerNumber")
                .hasMessageContaining("boolean");
    }

    @Test
    void sample5MinimalEnvelopeBindsPascalCaseProperty() {
        DecodedMessage decoded = serializer.deserialize(sample("sample-5.json"), null);
        Envelope e = decoded.envelope();

        assertThat(e.messageType()).containsExactly("urn:message:MassTransit.TestFramework.Messages:PingMessage");
        assertThat(e.messageId()).isNull();
        assertThat(e.requestId()).isNull();
        assertThat(e.correlationId()).isNull();
        assertThat(e.conversationId()).isNull();
        assertThat(e.initiatorId()).isNull();
        assertThat(e.sourceAddress()).isNull();
        assertThat(e.destinationAddress()).isNull();
        assertThat(e.responseAddress()).isNull();
        assertThat(e.faultAddress()).isNull();
        assertThat(e.sentTime()).isNull();
        assertThat(e.expirationTime()).isNull();
        assertThat(e.headers().isEmpty()).isTrue();
        assertThat(e.host()).isNull();

        assertThat(bindThroughRegistry(decoded))
                .isEqualTo(new PingMessage(UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb")));
    }

    /** Read MassTransit's envelope, write it back: the JSON is MassTransit's, key for key and value for value. */
    @ParameterizedTest
    @ValueSource(strings = {"sample-1.json", "sample-2.json"})
    void rewritingASystemTextJsonSampleGivesTheSameJson(String name) throws IOException {
        byte[] original = sample(name);
        DecodedMessage decoded = serializer.deserialize(original, null);
        Object message = bindThroughRegistry(decoded);

        SerializedMessage rewritten = serializer.serialize(decoded.envelope(), message);

        JsonNode expected = PLAIN.readTree(original);
        JsonNode actual = PLAIN.readTree(rewritten.body());
        assertThat(actual).isEqualTo(expected);
        assertThat(fieldNames(actual)).containsExactlyElementsOf(fieldNames(expected));
        assertThat(fieldNames(actual.get("host"))).containsExactlyElementsOf(fieldNames(expected.get("host")));
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
