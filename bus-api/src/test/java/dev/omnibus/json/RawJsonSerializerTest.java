package dev.omnibus.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.SerializationException;
import dev.omnibus.json.TestMessages.OrderPlaced;
import dev.omnibus.json.TestMessages.PingMessage;
import dev.omnibus.json.TestMessages.SubmitOrder;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.SerializedMessage;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RawJsonSerializerTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private final RawJsonSerializer serializer = RawJsonSerializer.create();
    private final MessageTypeRegistry registry = MessageTypeRegistry.create();

    @Test
    void rawRoundTripCarriesTheEnvelopeInTransportHeaders() {
        MessageType type = registry.register(OrderPlaced.class);
        Envelope envelope = JsonEnvelopeSerializerTest.fullEnvelope(type.messageTypes());
        OrderPlaced message = TestMessages.orderPlaced();

        SerializedMessage written = serializer.serialize(envelope, message);
        DecodedMessage read = serializer.deserialize(written.body(), written.transportHeaders());

        assertThat(written.contentType()).isEqualTo("application/json");
        // No header carries destination or expiration (as in MassTransit); the sent time comes
        // from the UUIDv7 message id, to the millisecond.
        Envelope expected = new Envelope(envelope.messageId(), envelope.requestId(), envelope.correlationId(),
                envelope.conversationId(), envelope.initiatorId(), envelope.sourceAddress(), null,
                envelope.responseAddress(), envelope.faultAddress(), envelope.messageType(),
                Instant.ofEpochMilli(envelope.messageId().getMostSignificantBits() >>> 16), null, envelope.headers(),
                envelope.host());
        assertThat(read.envelope()).isEqualTo(expected);
        assertThat(read.message(type.javaType())).isEqualTo(message);
    }

    @Test
    void bodyIsTheMessageAloneAndHeadersUseMassTransitNames() throws Exception {
        Envelope envelope = JsonEnvelopeSerializerTest.fullEnvelope(
                List.of("urn:message:Acme.Orders:OrderPlaced", "urn:message:Acme.Orders:OrderEvent"));

        SerializedMessage written = serializer.serialize(envelope, TestMessages.orderPlaced());

        JsonNode body = PLAIN.readTree(written.body());
        assertThat(MassTransitSamplesTest.fieldNames(body))
                .containsExactly("orderId", "customer", "total", "placedAt", "lines", "shipTo");
        Headers h = written.transportHeaders();
        assertThat(h.get("MessageId")).isEqualTo("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f70");
        assertThat(h.get("RequestId")).isEqualTo("ef375b18-69ee-4a9e-b5ec-44ee1177a27e");
        assertThat(h.get("CorrelationId")).isEqualTo("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb");
        assertThat(h.get("ConversationId")).isEqualTo("00ab0000-6ab3-f8b4-739e-08db7c83660f");
        assertThat(h.get("MT-InitiatorId")).isEqualTo("7a000000-9a3c-0005-ed0b-08d7e7027a10");
        assertThat(h.get("MT-Source-Address")).isEqualTo("rabbitmq://localhost/source");
        assertThat(h.get("MT-Response-Address")).isEqualTo("rabbitmq://localhost/bus_abc?temporary=true");
        assertThat(h.get("MT-Fault-Address")).isEqualTo("queue:orders-faults");
        assertThat(h.get("MT-MessageType"))
                .isEqualTo("urn:message:Acme.Orders:OrderPlaced;urn:message:Acme.Orders:OrderEvent");
        JsonNode host = PLAIN.readTree((String) h.get("MT-Host-Info"));
        assertThat(MassTransitSamplesTest.fieldNames(host)).containsExactly("MachineName", "ProcessName", "ProcessId",
                "Assembly", "AssemblyVersion", "FrameworkVersion", "MassTransitVersion", "OperatingSystemVersion");
        assertThat(host.get("ProcessId").intValue()).isEqualTo(4242);
        assertThat(h.get("tenant")).isEqualTo("acme");
        assertThat(h.get("MT-Redelivery-Count")).isEqualTo(3);
        assertThat(h.contains("DestinationAddress")).isFalse();
    }

    @Test
    void bodyOnlyMessageWithoutHeadersDecodesWithEmptyMessageType() {
        byte[] body = "{\"orderId\":\"181c0000-6393-3630-36a4-08daf4e7c6da\",\"timestamp\":\"2023-01-12T21:55:53.714Z\"}"
                .getBytes(UTF_8);

        DecodedMessage read = serializer.deserialize(body, Headers.empty());

        Envelope e = read.envelope();
        assertThat(e.messageType()).isEmpty();
        assertThat(e.messageId()).isNull();
        assertThat(e.correlationId()).isNull();
        assertThat(e.sentTime()).isNull();
        assertThat(e.host()).isNull();
        assertThat(e.headers().isEmpty()).isTrue();
        assertThat(read.message(SubmitOrder.class)).isEqualTo(new SubmitOrder(
                UUID.fromString("181c0000-6393-3630-36a4-08daf4e7c6da"), Instant.parse("2023-01-12T21:55:53.714Z")));
        assertThat(serializer.deserialize(body, null).envelope().messageType()).isEmpty();
    }

    @Test
    void massTransitHeadersAreReadInAnyCaseAndSentTimeComesFromTheNewId() {
        Headers transport = Headers.of(Map.of(
                "messageid", "181c0000-6393-3630-36a4-08daf4e7c6da",
                "Content-Type", "application/json",
                "mt-messagetype", " urn:message:Company.Project:SubmitOrder ;urn:message:Company.Project:OrderCommand;",
                "MT-Host-Info", "{\"MachineName\":\"MyComputer\",\"ProcessName\":\"dotnet\",\"ProcessId\":427}",
                "MT-Activity-Id", "00-1e03f9b1b84f3d40b7087f2633fadd4a-38ac2fc84b035447-00"));

        Envelope e = serializer.deserialize("{}".getBytes(UTF_8), transport).envelope();

        assertThat(e.messageId()).isEqualTo(UUID.fromString("181c0000-6393-3630-36a4-08daf4e7c6da"));
        assertThat(e.sentTime()).isEqualTo(Instant.parse("2023-01-12T21:55:53.715882Z"));
        assertThat(e.messageType())
                .containsExactly("urn:message:Company.Project:SubmitOrder", "urn:message:Company.Project:OrderCommand");
        assertThat(e.host().machineName()).isEqualTo("MyComputer");
        assertThat(e.host().processId()).isEqualTo(427);
        assertThat(e.headers().asMap())
                .containsExactly(Map.entry("MT-Activity-Id", "00-1e03f9b1b84f3d40b7087f2633fadd4a-38ac2fc84b035447-00"));
        assertThat(e.sourceAddress()).isNull();
    }

    @Test
    void idHeadersMayArriveAsUuidsAndUris() {
        UUID id = UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb");
        Headers transport = Headers.of(Map.of("CorrelationId", id, "MT-Source-Address", URI.create("queue:a")));

        Envelope e = serializer.deserialize("1".getBytes(UTF_8), transport).envelope();

        assertThat(e.correlationId()).isEqualTo(id);
        assertThat(e.sourceAddress()).isEqualTo(URI.create("queue:a"));
    }

    @Test
    void bodyThatIsNotJsonIsRejected() {
        assertThatThrownBy(() -> serializer.deserialize("<order id=\"1\"/>".getBytes(UTF_8), Headers.empty()))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("body is not JSON: ");
    }

    @Test
    void invalidMessageIdHeaderIsRejectedNamingTheHeader() {
        Headers transport = Headers.of("MessageId", "12345");

        assertThatThrownBy(() -> serializer.deserialize("{}".getBytes(UTF_8), transport))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("header MessageId is not a GUID: \"12345\"");
    }

    @Test
    void hostInfoHeaderThatIsNotJsonIsRejectedNamingTheHeader() {
        Headers transport = Headers.of("MT-Host-Info", "MyComputer/dotnet");

        assertThatThrownBy(() -> serializer.deserialize("{}".getBytes(UTF_8), transport))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("header MT-Host-Info is not JSON");
    }

    @Test
    void jsonNullBodyFailsWhenBound() {
        DecodedMessage read = serializer.deserialize("null".getBytes(UTF_8), Headers.empty());

        assertThatThrownBy(() -> read.message(PingMessage.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(PingMessage.class.getName());
    }
}
