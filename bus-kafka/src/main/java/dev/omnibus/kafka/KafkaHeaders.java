package dev.omnibus.kafka;

import dev.omnibus.Headers;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Bus headers to Kafka record headers and back. As MassTransit's Kafka support writes them
 * ({@code DictionaryHeadersSerialize}): every value as UTF-8 text, under the bus's names
 * ({@code MessageId}, {@code CorrelationId}, {@code Content-Type}, …); read back as strings. A value
 * that is not text, a number or a boolean is written with {@code toString()}.
 */
final class KafkaHeaders {
    private KafkaHeaders() {
    }

    static RecordHeaders write(Headers headers) {
        RecordHeaders out = new RecordHeaders();
        for (Map.Entry<String, Object> e : headers.asMap().entrySet()) {
            Object v = e.getValue();
            if (v != null) {
                out.add(new RecordHeader(e.getKey(), v.toString().getBytes(StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    /** The headers of a record; a name given twice keeps its last value (Kafka allows repeats). */
    static Headers read(org.apache.kafka.common.header.Headers headers) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Header h : headers) {
            byte[] v = h.value();
            if (v != null) {
                out.put(h.key(), new String(v, StandardCharsets.UTF_8));
            }
        }
        return Headers.of(out);
    }
}
