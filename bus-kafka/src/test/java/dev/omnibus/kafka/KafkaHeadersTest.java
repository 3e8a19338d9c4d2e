package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Headers;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class KafkaHeadersTest {
    @Test
    void headersTravelAsUtf8TextAndComeBackAsStrings() {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("MessageId", "0d4b0000-1111-2222-3333-444455556666");
        values.put("MT-Redelivery-Count", 3);
        values.put("Grüße", "naïve");
        RecordHeaders written = KafkaHeaders.write(Headers.of(values));
        assertThat(new String(written.lastHeader("MT-Redelivery-Count").value(), StandardCharsets.UTF_8)).isEqualTo("3");
        Headers read = KafkaHeaders.read(written);
        assertThat(read.asMap()).containsExactly(Map.entry("MessageId", "0d4b0000-1111-2222-3333-444455556666"),
                Map.entry("MT-Redelivery-Count", "3"), Map.entry("Grüße", "naïve"));
    }

    @Test
    void aNameGivenTwiceKeepsItsLastValueAndNullValuesAreDropped() {
        RecordHeaders raw = new RecordHeaders();
        raw.add("CorrelationId", "first".getBytes(StandardCharsets.UTF_8));
        raw.add("CorrelationId", "second".getBytes(StandardCharsets.UTF_8));
        raw.add("Empty", null);
        assertThat(KafkaHeaders.read(raw).asMap()).containsExactly(Map.entry("CorrelationId", "second"));
    }
}
