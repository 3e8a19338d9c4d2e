package dev.omnibus.json;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.MessageUrn;
import dev.omnibus.json.TestMessages.OrderPlaced;
import dev.omnibus.json.TestMessages.PingMessage;
import dev.omnibus.spi.DecodedMessage;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The envelope scanner (the reader's fast path) against the parser: every body it takes gives the
 * parser's envelope and message; every body outside its shape is left to the parser. And the
 * exact-name readers in front of the case-insensitive ones.
 */
class EnvelopeScannerTest {
    private static final String PING = "urn:message:MassTransit.TestFramework.Messages:PingMessage";
    private static final String ORDER = "urn:message:Acme.Orders:OrderPlaced";
    private static final UUID ID = UUID.fromString("0190f3b2-7c1e-7a3d-9f10-2b3c4d5e6f70");
    private static final UUID CORRELATION = UUID.fromString("9bbcf5f0-596e-4e90-b3c5-1b27358c5aeb");

    private final JsonCodec codec = JsonCodec.create();
    private final JsonEnvelopeReader reader = new JsonEnvelopeReader(codec);
    private final JsonEnvelopeWriter writer = new JsonEnvelopeWriter(codec);
    private final JsonEnvelopeReader.TypeHints hints = new JsonEnvelopeReader.TypeHints();
    private final EnvelopeScanner scanner = new EnvelopeScanner(codec, hints);

    private static byte[] json(String text) {
        return text.getBytes(UTF_8);
    }

    private static String ping(String correlationId) {
        return "{\"messageType\":[\"" + PING + "\"],\"message\":{\"correlationId\":" + correlationId + "}}";
    }

    /** What the scanner gives is what the parser gives: every envelope field, and the message bound to {@code type}. */
    private void assertSameAsParser(byte[] body, Class<?> type) {
        DecodedMessage scanned = scanner.scan(body);
        assertThat(scanned).as("scanned: %s", new String(body, UTF_8)).isNotNull();
        DecodedMessage parsed = reader.readWithParser(body);
        assertThat(scanned.envelope()).isEqualTo(parsed.envelope());
        assertThat(scanned.message(type)).isEqualTo(parsed.message(type));
    }

    private byte[] written(Envelope envelope, Object message) throws Exception {
        return writer.write(envelope, message);
    }

    @Test
    void whatTheWriterWritesIsScannedToTheParsersValues() throws Exception {
        List<Envelope> envelopes = List.of(
                JsonEnvelopeSerializerTest.fullEnvelope(List.of(ORDER, "urn:message:Acme:Other")),
                new Envelope(ID, null, null, null, null, null, URI.create("loopback://localhost/q"), null, null,
                        List.of(ORDER), Instant.parse("2024-05-06T07:08:09Z"), null, Headers.empty(), null),
                new Envelope(ID, null, null, null, null, null, null, null, null, List.of(ORDER),
                        Instant.parse("2024-05-06T07:08:09.000000001Z"), null, Headers.of("h", 1),
                        HostInfo.current()));
        for (Envelope e : envelopes) {
            byte[] body = written(e, TestMessages.orderPlaced());
            for (int i = 0; i < 2; i++) { // the second time from the caches, and bound in place
                assertSameAsParser(body, OrderPlaced.class);
                hints.learn(e.messageType(), OrderPlaced.class);
            }
            assertThat(scanner.scan(body).envelope()).isEqualTo(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sample-1.json", "sample-2.json", "sample-4.json"})
    void massTransitsIndentedEnvelopesAreScannedToTheParsersValues(String sample) {
        byte[] body = MassTransitSamplesTest.sample(sample);
        DecodedMessage scanned = scanner.scan(body);
        assertThat(scanned).as(sample).isNotNull();
        assertThat(scanned.envelope()).isEqualTo(reader.readWithParser(body).envelope());
    }

    @Test
    void aKnownTypeIsBoundDuringTheScan() throws Exception {
        hints.learn(List.of(PING), PingMessage.class);

        DecodedMessage read = scanner.scan(json(ping("\"" + CORRELATION + "\"")));

        java.lang.reflect.Field last = JsonDecodedMessage.class.getDeclaredField("last");
        last.setAccessible(true);
        assertThat(last.get(read)).as("bound during the scan").isEqualTo(
                new JsonDecodedMessage.Bound(PingMessage.class, new PingMessage(CORRELATION)));
    }

    @Test
    void aChangedHostOrAddressIsReadAgainFromItsBytes() {
        String a = "{\"sourceAddress\":\"loopback://localhost/a\",\"messageType\":[\"" + PING + "\"],\"message\":{},"
                + "\"host\":{\"machineName\":\"a\",\"processId\":1}}";
        String b = a.replace("localhost/a", "localhost/b").replace("\"a\"", "\"b\"");

        for (String body : List.of(a, b, a)) {
            Envelope e = scanner.scan(json(body)).envelope();
            String which = body == b ? "b" : "a";
            assertThat(e.host().machineName()).isEqualTo(which);
            assertThat(e.sourceAddress()).isEqualTo(URI.create("loopback://localhost/" + which));
        }
    }

    @Test
    void aMessageBeforeItsTypeIsLeftToTheParser() {
        hints.learn(List.of(PING), PingMessage.class);
        // the scanner takes fields in MassTransit's order only; the parser binds this one from its bytes
        assertThat(scanner.scan(json("{\"message\":{},\"messageType\":[\"" + PING + "\"]}"))).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"MessageType\":[\"urn:message:A:B\"],\"message\":{}}",                   // other casing
        "{/* c */\"messageType\":[\"urn:message:A:B\"],\"message\":{}}",             // a comment
        "{\"messageType\":[\"urn:message:A:B\"],\"message\":{},}",                   // a trailing comma
        "{\"messageType\":[\"urn:message:A:\\u0042\"],\"message\":{}}",              // an escape
        "{\"messageType\":[\"urn:message:A:Ü\"],\"message\":{}}",                    // non-ASCII in a URN
        "{\"messageType\":\"urn:message:A:B\",\"message\":{}}",                      // a single URN
        "{\"messageType\":[\"urn:message:A:B\"],\"message\":{}} {}",                 // trailing garbage
        "{\"messageType\":[\"urn:message:A:B\"]}",                                   // no message
        "{\"messageType\":[\"urn:message:A:B\"],\"message\":null}",                  // a null message
        "{\"messageType\":[\"urn:message:A:B\"],\"message\":5}",                     // a scalar message
        "{\"messageId\":\"0190f3b27c1e7a3d9f102b3c4d5e6f70\",\"messageType\":[],\"message\":{}}", // an N GUID
        "{\"messageId\":\"\",\"messageType\":[],\"message\":{}}",                    // an empty id
        "{\"messageType\":[],\"message\":{},\"sentTime\":\"2024-05-06T07:08:09+02:00\"}", // an offset
        "{\"messageType\":[],\"message\":{},\"sentTime\":\"2024-02-30T07:08:09Z\"}", // no such day
        "{\"messageType\":[],\"message\":{},\"headers\":[]}",                        // headers not an object
        "{\"messageType\":[],\"message\":{},\"host\":\"me\"}",                       // host not an object
        "{\"messageType\":[],\"messageType\":[],\"message\":{}}",                    // a repeated field
        "{\"sourceAddress\":\"not a uri\",\"messageType\":[],\"message\":{}}",       // an address that is no URI
        "{\"messageType\":[],\"message\":{}",                                        // cut short
    })
    void anythingOutsideTheUsualShapeIsLeftToTheParser(String body) {
        assertThat(scanner.scan(json(body))).isNull();
    }

    @Test
    void aMessageAtTheNestingLimitCountsTheEnvelopeLevelAsTheParserDoes() {
        String deepest = "[".repeat(JsonCodec.MAX_NESTING_DEPTH - 1) + "]".repeat(JsonCodec.MAX_NESTING_DEPTH - 1);
        String tooDeep = "[" + deepest + "]"; // with the envelope object, one level past the limit

        assertThat(scanner.scan(json("{\"messageType\":[],\"message\":" + deepest + "}"))).isNotNull();
        assertThat(scanner.scan(json("{\"messageType\":[],\"message\":" + tooDeep + "}"))).isNull();
    }

    @Test
    void headersAndUnknownFieldsWithinTheShapeAreScanned() {
        String body = "{\"messageId\":\"" + ID + "\",\"messageType\":[\" " + PING + " \",\"\"],\"message\":[1,{\"x\":[]}],"
                + "\"headers\":{\"a\":1,\"b\":[true,null,2.5],\"c\":{\"d\":\"e\"}},\"host\":null}";

        assertSameAsParser(json(body), Object.class);
        assertThat(scanner.scan(json(body)).envelope().messageType()).containsExactly(PING);
    }

    // ------------------------------------------------------------------ exact names first

    @MessageUrn("Acme.Tests:Tolerant")
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Tolerant(UUID correlationId, String name) {
    }

    @Test
    void exactNamesBindByTheExactReaderAndOtherCasingSwitchesTheTypeToTheCaseInsensitiveOne() {
        byte[] exact = json("{\"correlationId\":\"" + CORRELATION + "\",\"name\":\"n\"}");
        byte[] pascal = json("{\"CorrelationId\":\"" + CORRELATION + "\",\"Name\":\"n\"}");

        assertThat(codec.bind(exact, Tolerant.class)).isEqualTo(new Tolerant(CORRELATION, "n"));
        assertThat(codec.bindsByExactNames(Tolerant.class)).isTrue();
        // @JsonIgnoreProperties(ignoreUnknown) must not let the exact reader drop "CorrelationId" silently
        assertThat(codec.bind(pascal, Tolerant.class)).isEqualTo(new Tolerant(CORRELATION, "n"));
        assertThat(codec.bindsByExactNames(Tolerant.class)).isFalse();
        assertThat(codec.bind(exact, Tolerant.class)).isEqualTo(new Tolerant(CORRELATION, "n"));
    }

    @Test
    void aPascalCaseBodyOfAKnownTypeBindsAlsoWhenBoundInPlace() {
        JsonEnvelopeSerializer serializer = JsonEnvelopeSerializer.create();
        String exact = ping("\"" + CORRELATION + "\"");
        String pascal = exact.replace("\"correlationId\"", "\"CorrelationId\"");
        List<Object> bound = new ArrayList<>();
        for (String body : List.of(exact, exact, pascal, pascal, exact)) { // the second read of each is in place
            bound.add(serializer.deserialize(json(body), Headers.empty()).message(PingMessage.class));
        }
        assertThat(bound).containsOnly(new PingMessage(CORRELATION));
    }
}
