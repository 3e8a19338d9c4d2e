package dev.omnibus.rabbitmq.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The comparison itself, without a broker: it must catch every kind of difference the suite relies on. */
class GoldenMatcherTest {
    private static Captured captured(String body, Map<String, Object> headers) {
        AMQP.BasicProperties p = new AMQP.BasicProperties.Builder().contentType("application/vnd.masstransit+json")
                .deliveryMode(2).messageId("0a1b2c3d-0000-4000-8000-000000000001").headers(headers).build();
        return Captured.of(new Envelope(1, false, "x", ""), p, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void identicalMessageHasNoDifferences() {
        Golden g = Golden.of("t", """
                { "properties": { "contentType": "application/vnd.masstransit+json", "contentEncoding": null, "deliveryMode": 2,
                    "priority": null, "correlationId": null, "replyTo": null, "expiration": null, "messageId": "=envelope.messageId",
                    "timestamp": null, "type": null, "userId": null, "appId": null, "clusterId": null },
                  "headers": { "A": "b", "N": 1 },
                  "envelope": { "messageId": "~guid", "sentTime": "~time", "t7": "~time7", "p": "~digits" } }""");
        Captured c = captured("""
                {"messageId":"0a1b2c3d-0000-4000-8000-000000000001","sentTime":"2023-01-12T21:55:53.715882Z",
                 "t7":"2023-01-12T21:55:53.7158820Z","p":"427"}""", Map.of("A", "b", "N", 1));
        assertThat(g.differences(c)).isEmpty();
    }

    @Test
    void everyKindOfDifferenceIsReported() {
        Golden g = Golden.of("t", """
                { "headers": { "Missing": "x", "N": 1 },
                  "envelope": { "messageId": "~guid", "sentTime": "~time", "t7": "~time7", "n": 1, "nul": null, "arr": ["a"] } }""");
        Captured c = captured("""
                {"messageId":"0A1B2C3D-0000-4000-8000-000000000001","sentTime":"2023-01-12T21:55:53.715882123Z",
                 "t7":"2023-01-12T21:55:53.715882Z","n":"1","arr":["a","b"],"extra":true}""", Map.of("N", "1", "Extra", "y"));
        assertThat(g.differences(c)).hasSize(10).anySatisfy(d -> assertThat(d).startsWith("headers.Missing: missing"))
                .anySatisfy(d -> assertThat(d).startsWith("headers.N: expected 1 (number) but was \"1\" (string)"))
                .anySatisfy(d -> assertThat(d).startsWith("headers.Extra: unexpected"))
                .anySatisfy(d -> assertThat(d).startsWith("envelope.messageId: expected a lowercase D-format GUID"))
                .anySatisfy(d -> assertThat(d).startsWith("envelope.sentTime: expected UTC ISO-8601 with at most 7"))
                .anySatisfy(d -> assertThat(d).startsWith("envelope.t7: expected .NET's round-trip"))
                .anySatisfy(d -> assertThat(d).startsWith("envelope.n: expected 1 (number) but was \"1\" (string)"))
                .anySatisfy(d -> assertThat(d).startsWith("envelope.nul: missing"))
                .anySatisfy(d -> assertThat(d).startsWith("envelope.arr: expected 1 elements"))
                .anySatisfy(d -> assertThat(d).startsWith("envelope.extra: unexpected"));
    }

    @Test
    void goldenFilesLoadWithTheirVariables() {
        Map<String, String> vars = Map.ofEntries(Map.entry("host", "h"), Map.entry("busAddress", "b"), Map.entry("orderId", "o"),
                Map.entry("target", "t"), Map.entry("correlationId", "c"), Map.entry("sku", "s"), Map.entry("replyExchange", "r"),
                Map.entry("requestId", "q"), Map.entry("conversationId", "v"), Map.entry("queue", "u"),
                Map.entry("responseAddress", "a"), Map.entry("messageId", "m"));
        for (String name : new String[] {"publish", "send", "request", "respond", "fault", "error-copy", "redelivery", "scheduled"}) {
            assertThat(Golden.load(name, vars).name()).isEqualTo(name);
        }
    }
}
