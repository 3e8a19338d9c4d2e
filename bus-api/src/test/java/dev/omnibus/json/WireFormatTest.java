package dev.omnibus.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnibus.Envelope;
import dev.omnibus.ExceptionInfo;
import dev.omnibus.Fault;
import dev.omnibus.Headers;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.Serializer;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Message bodies as MassTransit's System.Text.Json writes and reads them: enums, offsets, TimeSpans (issue 11). */
class WireFormatTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    enum Priority { LOW, NORMAL, HIGH }

    record Ticket(UUID id, Priority priority) {
    }

    record Meeting(OffsetDateTime startsAt, Duration length) {
    }

    private static Envelope envelope(Class<?> type) {
        return new Envelope(UUID.randomUUID(), null, null, null, null, null, null, null, null,
                List.of(MessageTypeRegistry.urnOf(type)), Instant.parse("2024-05-01T10:00:00Z"), null, Headers.empty(),
                null);
    }

    private static JsonNode message(Serializer s, Object message) throws Exception {
        JsonNode root = PLAIN.readTree(s.serialize(envelope(message.getClass()), message).body());
        return root.has("message") ? root.get("message") : root;
    }

    private static DecodedMessage envelopeWith(Serializer s, String messageJson) {
        String body = "{\"messageType\":[\"urn:message:x:Y\"],\"message\":" + messageJson + "}";
        return s.deserialize(body.getBytes(UTF_8), Headers.empty());
    }

    // ------------------------------------------------------------------ 3. enums

    @Test
    void enumsAreWrittenAsNumbersInBothMassTransitFormats() throws Exception {
        // MassTransit's SystemTextJsonMessageSerializer registers no JsonStringEnumConverter: System.Text.Json
        // writes an enum as its number (src/MassTransit/Serialization/SystemTextJsonMessageSerializer.cs).
        Ticket t = new Ticket(UUID.randomUUID(), Priority.HIGH);
        assertThat(message(JsonEnvelopeSerializer.create(), t).get("priority").isInt()).isTrue();
        assertThat(message(JsonEnvelopeSerializer.create(), t).get("priority").intValue()).isEqualTo(2);
        assertThat(message(RawJsonSerializer.create(), t).get("priority").intValue()).isEqualTo(2);
    }

    @Test
    void enumsAreReadFromNumbersAndFromNames() {
        UUID id = UUID.randomUUID();
        for (String value : List.of("1", "\"NORMAL\"", "\"normal\"")) {
            DecodedMessage d = envelopeWith(JsonEnvelopeSerializer.create(),
                    "{\"id\":\"" + id + "\",\"priority\":" + value + "}");
            assertThat(d.message(Ticket.class)).as(value).isEqualTo(new Ticket(id, Priority.NORMAL));
        }
    }

    @Test
    void enumsAsNamesIsAnOptionForJavaOnlyTraffic() throws Exception {
        Ticket t = new Ticket(UUID.randomUUID(), Priority.HIGH);
        JsonEnvelopeSerializer names = JsonEnvelopeSerializer.builder().enums(EnumFormat.NAME).build();
        assertThat(message(names, t).get("priority").textValue()).isEqualTo("HIGH");
        assertThat(message(RawJsonSerializer.builder().enums(EnumFormat.NAME).build(), t).get("priority").textValue())
                .isEqualTo("HIGH");
        assertThat(envelopeWith(names, "{\"priority\":2}").message(Ticket.class)).isEqualTo(new Ticket(null, Priority.HIGH));
    }

    // ------------------------------------------------------------------ 9. offsets and TimeSpans

    @Test
    void anOffsetDateTimeKeepsItsOffset() throws Exception {
        // System.Text.Json writes and reads DateTimeOffset with its offset; Jackson's
        // ADJUST_DATES_TO_CONTEXT_TIME_ZONE would move it to UTC.
        OffsetDateTime at = OffsetDateTime.of(2024, 5, 1, 12, 30, 0, 0, ZoneOffset.ofHours(2));
        DecodedMessage d = envelopeWith(JsonEnvelopeSerializer.create(), "{\"startsAt\":\"2024-05-01T12:30:00+02:00\"}");
        assertThat(d.message(Meeting.class)).isEqualTo(new Meeting(at, null));
        Meeting m = new Meeting(at, Duration.ofMinutes(5));
        assertThat(message(JsonEnvelopeSerializer.create(), m).get("startsAt").textValue())
                .isEqualTo("2024-05-01T12:30:00+02:00");
    }

    @Test
    void theEnvelopesTimesReadWithAnOffsetAreTheSameInstant() {
        String body = "{\"messageType\":[\"urn:message:x:Y\"],\"message\":{},"
                + "\"sentTime\":\"2023-01-12T23:55:53.714+02:00\",\"expirationTime\":\"2023-01-12T18:00:00-05:00\"}";
        Envelope e = JsonEnvelopeSerializer.create().deserialize(body.getBytes(UTF_8), Headers.empty()).envelope();
        assertThat(e.sentTime()).isEqualTo(Instant.parse("2023-01-12T21:55:53.714Z"));
        assertThat(e.expirationTime()).isEqualTo(Instant.parse("2023-01-12T23:00:00Z"));
    }

    @Test
    void aDotNetTimeSpanBindsToADuration() {
        // System.Text.Json's TimeSpanConverter writes the "c" format: [-][d.]hh:mm:ss[.fffffff]
        Serializer json = JsonEnvelopeSerializer.create();
        assertThat(((Meeting) envelopeWith(json, "{\"length\":\"01:02:03\"}").message(Meeting.class)).length())
                .isEqualTo(Duration.ofHours(1).plusMinutes(2).plusSeconds(3));
        assertThat(((Meeting) envelopeWith(json, "{\"length\":\"1.02:03:04.5000000\"}").message(Meeting.class)).length())
                .isEqualTo(Duration.ofDays(1).plusHours(2).plusMinutes(3).plusSeconds(4).plusMillis(500));
        assertThat(((Meeting) envelopeWith(json, "{\"length\":\"-00:00:01\"}").message(Meeting.class)).length())
                .isEqualTo(Duration.ofSeconds(-1));
        assertThat(((Meeting) envelopeWith(json, "{\"length\":\"PT1H30M\"}").message(Meeting.class)).length())
                .isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void aDurationIsWrittenAsATimeSpanAndIsoIsAnOption() throws Exception {
        Meeting m = new Meeting(null, Duration.ofDays(1).plusHours(2).plusMinutes(3).plusSeconds(4).plusMillis(500));
        assertThat(message(JsonEnvelopeSerializer.create(), m).get("length").textValue()).isEqualTo("1.02:03:04.5000000");
        assertThat(message(RawJsonSerializer.create(), new Meeting(null, Duration.ofSeconds(-1))).get("length").textValue())
                .isEqualTo("-00:00:01");
        assertThat(message(JsonEnvelopeSerializer.builder().durations(DurationFormat.ISO_8601).build(), m)
                .get("length").textValue()).isEqualTo("PT26H3M4.5S");
    }

    // ------------------------------------------------------------------ 4. an envelope sent as application/json

    @Test
    void anEnvelopeArrivingAsApplicationJsonIsReadAsAnEnvelope() {
        UUID id = UUID.randomUUID();
        UUID messageId = UUID.randomUUID();
        String body = "{\"messageId\":\"" + messageId + "\",\"sourceAddress\":\"rabbitmq://localhost/source\","
                + "\"messageType\":[\"urn:message:x:Y\"],\"message\":{\"id\":\"" + id + "\",\"priority\":2}}";
        DecodedMessage d = RawJsonSerializer.create().deserialize(body.getBytes(UTF_8), Headers.empty());
        assertThat(d.envelope().messageId()).isEqualTo(messageId);
        assertThat(d.envelope().messageType()).containsExactly("urn:message:x:Y");
        assertThat(d.envelope().sourceAddress()).isEqualTo(URI.create("rabbitmq://localhost/source"));
        assertThat(d.message(Ticket.class)).isEqualTo(new Ticket(id, Priority.HIGH));
    }

    record Wrapper(List<String> messageType, String message) {
    }

    @Test
    void aRawMessageThatOnlyLooksLikeAnEnvelopeStaysRaw() {
        // a message object is required: a raw body whose "message" is a string is the message itself
        String body = "{\"messageType\":[\"a\"],\"message\":\"hello\"}";
        DecodedMessage d = RawJsonSerializer.create().deserialize(body.getBytes(UTF_8), Headers.empty());
        assertThat(d.envelope().messageType()).isEmpty();
        assertThat(d.message(Wrapper.class)).isEqualTo(new Wrapper(List.of("a"), "hello"));
    }

    // ------------------------------------------------------------------ 10. ExceptionInfo.data

    @Test
    void eachFaultExceptionEntryHasADataFieldNullUnlessThereIsData() throws Exception {
        // MassTransit's ExceptionInfo (src/MassTransit.Abstractions/Contracts/ExceptionInfo.cs) has
        // IDictionary<string, object> Data; FaultExceptionInfo writes null when the exception has none.
        ExceptionInfo info = ExceptionInfo.of(new IllegalStateException("x"));
        Fault<Ticket> fault = new Fault<>(UUID.randomUUID(), UUID.randomUUID(), Instant.parse("2024-05-01T10:00:00Z"),
                List.of(info), null, List.of("urn:message:x:Y"), new Ticket(null, Priority.LOW));
        JsonNode entry = message(JsonEnvelopeSerializer.create(), fault).get("exceptions").get(0);
        assertThat(entry.has("data")).isTrue();
        assertThat(entry.get("data").isNull()).isTrue();

        String body = "{\"messageType\":[\"urn:message:MassTransit:Fault\"],\"message\":{\"exceptions\":[{"
                + "\"exceptionType\":\"System.InvalidOperationException\",\"message\":\"m\",\"data\":{\"OrderId\":\"42\"}}]}}";
        @SuppressWarnings("unchecked")
        Fault<Ticket> read = (Fault<Ticket>) JsonEnvelopeSerializer.create().deserialize(body.getBytes(UTF_8), Headers.empty())
                .message(MessageTypeRegistry.create().faultOf(Ticket.class).javaType());
        assertThat(read.exceptions().get(0).data().get("OrderId")).isEqualTo("42");
    }
}
