package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

class SqsWireFormatTest {
    private static Headers headers(int n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Content-Type", "application/vnd.masstransit+json");
        m.put("MessageId", "01a2");
        m.put("CorrelationId", "c-1");
        for (int i = 0; m.size() < n; i++) {
            m.put("X-App-" + i, "v" + i);
        }
        return Headers.of(m);
    }

    @Test
    void headersWithinTheBudgetAreOneAttributeEach() {
        SqsWireFormat.Encoded e = SqsWireFormat.encode("{}".getBytes(StandardCharsets.UTF_8), headers(10), "q");
        assertThat(e.attributes()).hasSize(10).doesNotContainKey(SqsWireFormat.PACKED_HEADERS);
        assertThat(e.base64()).isFalse();
    }

    @Test
    void headersOverTheBudgetArePackedIntoOneJsonAttributeAndComeBackWhole() {
        Headers in = headers(14);
        SqsWireFormat.Encoded e = SqsWireFormat.encode("{}".getBytes(StandardCharsets.UTF_8), in, "q");
        assertThat(e.attributes()).hasSize(10).containsKeys("Content-Type", "MessageId", "CorrelationId",
                SqsWireFormat.PACKED_HEADERS);
        SqsWireFormat.Decoded d = SqsWireFormat.decode(e.body(), e.attributes());
        assertThat(d.headers().asMap()).isEqualTo(in.asMap());
    }

    @Test
    void headerNamesAndValuesSqsRefusesArePacked() {
        Headers in = Headers.of(Map.of("Content-Type", "x", "has space", "1", "Empty", "", "AWS.Trace", "t"));
        SqsWireFormat.Encoded e = SqsWireFormat.encode(new byte[] {'a'}, in, "q");
        assertThat(e.attributes()).containsOnlyKeys("Content-Type", SqsWireFormat.PACKED_HEADERS);
        assertThat(SqsWireFormat.decode(e.body(), e.attributes()).headers().asMap()).isEqualTo(in.asMap());
    }

    @Test
    void binaryBodyTravelsAsBase64WithItsMarkerWithinTheBudget() {
        byte[] cbor = {(byte) 0xa1, 0x61, 0x61, 0x01, 0x00, (byte) 0xff};
        SqsWireFormat.Encoded e = SqsWireFormat.encode(cbor, headers(12), "q");
        assertThat(e.base64()).isTrue();
        assertThat(e.attributes()).hasSize(10).containsEntry(SqsWireFormat.BODY_ENCODING,
                MessageAttributeValue.builder().dataType("String").stringValue("base64").build());
        SqsWireFormat.Decoded d = SqsWireFormat.decode(e.body(), e.attributes());
        assertThat(d.body()).isEqualTo(cbor);
        assertThat(d.headers().asMap()).isEqualTo(headers(12).asMap());
    }

    @Test
    void textWithACharacterSqsRefusesIsBase64() {
        assertThat(SqsWireFormat.asSqsText("a\u0001b".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(SqsWireFormat.asSqsText("grüße 😀".getBytes(StandardCharsets.UTF_8))).isEqualTo("grüße 😀");
    }

    @Test
    void aMessageOverOneMebibyteOnTheWireFailsBeforeTheCall() {
        byte[] body = new byte[SqsWireFormat.MAX_MESSAGE_BYTES];
        java.util.Arrays.fill(body, (byte) 'a');
        assertThatThrownBy(() -> SqsWireFormat.encode(body, headers(3), "orders"))
                .isInstanceOf(TransportException.class)
                .hasMessageContaining("over SQS's limit of 1048576 bytes (queue orders)")
                .satisfies(t -> assertThat(((TransportException) t).isRetryable()).isFalse());
        assertThat(SqsWireFormat.encode(body, Headers.empty(), "orders").body()).hasSize(SqsWireFormat.MAX_MESSAGE_BYTES);
    }
}
