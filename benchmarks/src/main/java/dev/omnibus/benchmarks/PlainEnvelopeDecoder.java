package dev.omnibus.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;

/**
 * The decoding a user of a raw client does to get a message out of a MassTransit JSON envelope:
 * plain Jackson, {@code readTree} of the body and {@code treeToValue} of its {@code message}. The load
 * tools' "raw consume + decode" baselines use it, so Omnibus's consume is also compared with a raw
 * consumer that does the decoding Omnibus does. Thread-safe.
 */
final class PlainEnvelopeDecoder {
    private static final ObjectMapper MAPPER = JsonMapper.builder().addModule(new JavaTimeModule()).build();

    private PlainEnvelopeDecoder() {
    }

    /** The envelope's message bound to {@code type}; fails when there is none. */
    static <T> T decode(byte[] body, Class<T> type) throws IOException {
        JsonNode envelope = MAPPER.readTree(body);
        T message = MAPPER.treeToValue(envelope.get("message"), type);
        if (message == null) {
            throw new IOException("no message in the envelope");
        }
        return message;
    }
}
