package dev.omnibus.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.SerializationException;
import dev.omnibus.json.TestMessages.OrderPlaced;
import dev.omnibus.json.TestMessages.PingMessage;
import dev.omnibus.spi.DecodedMessage;
import java.net.URI;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The streaming reader's paths (in place, byte range, fallback) and the fragment writer's bytes. */
class JsonEnvelopeReaderTest {
    private static final String PING = "urn:message:MassTransit.TestFramework.Messages:PingMessage";
    private static final UUID ID = UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f70");
    private static final UUID CORRELATION = UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb");

    private final JsonEnvelopeSerializer serializer = JsonEnvelopeSerializer.create();
    private final MessageTypeRegistry registry = MessageTypeRegistry.create();

    private static byte[] json(String text) {
        return text.getBytes(UTF_8);
    }

    private static String ping(String correlationId) {
        return "{\"correlationId\":" + correlationId + "}";
    }

    /** Reads and binds a well-formed ping, so the serializer knows PING is a PingMessage. */
    private void learnPing() {
        String body = "{\"messageType\":[\"" + PING + "\"],\"message\":" + ping("\"" + CORRELATION + "\"") + "}";
        assertThat(serializer.deserialize(json(body), null).message(PingMessage.class))
                .isEqualTo(new PingMessage(CORRELATION));
    }

    @Test
    void messageBeforeMessageTypeIsBoundFromItsBytes() {
        learnPing();
        String body = "{\"message\":" + ping("\"" + CORRELATION + "\"") + ",\"messageId\":\"" + ID + "\","
                + "\"messageType\":[\"" + PING + "\"],\"sentTime\":\"2024-05-06T07:08:09.5Z\"}";

        DecodedMessage read = serializer.deserialize(json(body), null);

        assertThat(read.envelope().messageId()).isEqualTo(ID);
        assertThat(read.envelope().messageType()).containsExactly(PING);
        assertThat(read.envelope().sentTime()).isEqualTo(Instant.parse("2024-05-06T07:08:09.5Z"));
        assertThat(read.message(PingMessage.class)).isEqualTo(new PingMessage(CORRELATION));
    }

    @Test
    void aKnownTypeIsBoundDuringThePassAndAnotherTypeStillBindsFromTheBytes() throws Exception {
        learnPing();
        String body = "{\"messageType\":[\"" + PING + "\"],\"message\":" + ping("\"" + CORRELATION + "\"")
                + ",\"host\":null}";

        DecodedMessage read = serializer.deserialize(json(body), null);
        java.lang.reflect.Field last = JsonDecodedMessage.class.getDeclaredField("last");
        last.setAccessible(true);
        assertThat(last.get(read)).as("bound during the pass").isNotNull();
        Object first = read.message(PingMessage.class);

        assertThat(first).isEqualTo(new PingMessage(CORRELATION));
        assertThat(read.message(PingMessage.class)).isSameAs(first);
        assertThat(read.message(Object.class)).isInstanceOf(java.util.Map.class);
    }

    @Test
    void anUnknownTypeKeepsItsUrnsAndBindsWhenAsked() {
        String body = "{\"messageType\":[\"urn:message:Acme:Nobody\"],\"message\":" + ping("null") + "}";

        DecodedMessage read = serializer.deserialize(json(body), null);

        assertThat(read.envelope().messageType()).containsExactly("urn:message:Acme:Nobody");
        assertThat(read.message(PingMessage.class)).isEqualTo(new PingMessage(null));
    }

    @Test
    void aKnownTypeWhoseBodyDoesNotFitFailsOnlyWhenBoundWithTheSameReason() {
        learnPing();
        String body = "{\"messageType\":[\"" + PING + "\"],\"message\":" + ping("\"nope\"")
                + ",\"messageId\":\"" + ID + "\"}";

        DecodedMessage read = serializer.deserialize(json(body), null);

        assertThat(read.envelope().messageId()).isEqualTo(ID); // the rest of the envelope was read
        assertThatThrownBy(() -> read.message(PingMessage.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("message does not fit " + PingMessage.class.getName())
                .hasMessageContaining("$.correlationId");
    }

    @Test
    void aScalarMessageFailsWhenBound() {
        DecodedMessage read = serializer.deserialize(json("{\"messageType\":[\"" + PING + "\"],\"message\":5}"), null);

        assertThatThrownBy(() -> read.message(PingMessage.class))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("message does not fit " + PingMessage.class.getName());
    }

    @Test
    void everyTruncationOfAnEnvelopeIsASerializationException() {
        MessageType type = registry.register(OrderPlaced.class);
        byte[] full = serializer.serialize(JsonEnvelopeSerializerTest.fullEnvelope(type.messageTypes()),
                TestMessages.orderPlaced()).body();
        assertThat(serializer.deserialize(full, null).message(OrderPlaced.class)).isEqualTo(TestMessages.orderPlaced());

        for (int n = 1; n < full.length; n++) {
            byte[] cut = Arrays.copyOf(full, n);
            assertThatThrownBy(() -> serializer.deserialize(cut, null))
                    .as("body cut to %d of %d bytes", n, full.length)
                    .isInstanceOf(SerializationException.class);
        }
    }

    @Test
    void trailingGarbageIsRejectedAlsoWhenTheTypeIsKnown() {
        learnPing();
        String body = "{\"messageType\":[\"" + PING + "\"],\"message\":" + ping("null") + "} {}";

        assertThatThrownBy(() -> serializer.deserialize(json(body), null))
                .isInstanceOf(SerializationException.class)
                .hasMessageStartingWith("body is not JSON: ");
    }

    @Test
    void malformedIdsAndTimesAfterAKnownTypeNameTheField() {
        learnPing();
        String badId = "{\"messageType\":[\"" + PING + "\"],\"message\":" + ping("null") + ",\"initiatorId\":\"x\"}";
        String badTime = "{\"messageType\":[\"" + PING + "\"],\"message\":" + ping("null")
                + ",\"expirationTime\":\"2024-02-30T00:00:00Z\"}";

        assertThatThrownBy(() -> serializer.deserialize(json(badId), null))
                .hasMessageStartingWith("initiatorId is not a GUID: \"x\"");
        assertThatThrownBy(() -> serializer.deserialize(json(badTime), null))
                .hasMessageStartingWith("expirationTime is not an ISO-8601 date-time");
    }

    @Test
    void aChangedHostIsReadAgain() {
        String a = "{\"messageType\":[\"" + PING + "\"],\"host\":{\"machineName\":\"a\",\"processId\":1}}";
        String b = "{\"messageType\":[\"" + PING + "\"],\"host\":{\"machineName\":\"b\",\"processId\":1}}";

        assertThat(serializer.deserialize(json(a), null).envelope().host().machineName()).isEqualTo("a");
        assertThat(serializer.deserialize(json(b), null).envelope().host().machineName()).isEqualTo("b");
        assertThat(serializer.deserialize(json(a), null).envelope().host().machineName()).isEqualTo("a");
    }

    // ------------------------------------------------------------------ the fragment writer

    @Test
    void theFragmentWriterWritesTheGeneratorsBytesExactly() throws Exception {
        JsonCodec codec = JsonCodec.create();
        JsonEnvelopeWriter fast = new JsonEnvelopeWriter(codec);
        assertThat(fast.fast()).isTrue();
        HostInfo odd = new HostInfo("mä\"chine\u0001", "proc\\ess", null, "a\tb", "1.0", "Java 17", "0.1", "Linux");
        List<Envelope> envelopes = List.of(
                JsonEnvelopeSerializerTest.fullEnvelope(List.of(PING, "urn:message:Acme:Ünïcode\"q")),
                new Envelope(ID, null, null, null, null, null, URI.create("loopback://localhost/caf%C3%A9"), null,
                        null, List.of(), Instant.parse("0001-01-01T00:00:00Z"), Instant.parse("2024-05-06T07:08:09Z"),
                        Headers.empty(), odd),
                new Envelope(ID, null, null, null, null, null, null, null, null, List.of(PING),
                        Instant.parse("2024-05-06T07:08:09.000000001Z"), null, Headers.of("h", 1), null));
        for (Envelope e : envelopes) {
            for (int i = 0; i < 2; i++) { // the second time from the fragment cache
                ByteArrayBuilder out = new ByteArrayBuilder();
                try (JsonGenerator g = codec.writer().createGenerator(out, JsonEncoding.UTF8)) {
                    EnvelopeWriter.JSON.write(g, codec.writer(), e, TestMessages.orderPlaced());
                }
                assertThat(new String(fast.write(e, TestMessages.orderPlaced()), UTF_8))
                        .isEqualTo(new String(out.toByteArray(), UTF_8));
            }
        }
    }

    @Test
    void anIndentingMapperIsNotWrittenByFragments() {
        com.fasterxml.jackson.databind.ObjectMapper indenting = new com.fasterxml.jackson.databind.ObjectMapper()
                .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

        assertThat(new JsonEnvelopeWriter(JsonCodec.create(indenting)).fast()).isFalse();
        byte[] body = JsonEnvelopeSerializer.create(indenting)
                .serialize(JsonEnvelopeSerializerTest.fullEnvelope(List.of(PING)), new PingMessage(ID)).body();
        assertThat(new String(body, UTF_8)).contains("\n");
    }
}
