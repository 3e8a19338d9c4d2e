package dev.omnibus.benchmarks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The encoding a user of a raw client does to send a message as a MassTransit JSON envelope: plain
 * Jackson of a record with the envelope's fields, a new id and the send time each time. The load
 * tools' "raw produce + encode" baselines use it, the twin of {@link PlainEnvelopeDecoder}, so Omnibus's
 * produce is also compared with a raw producer that does the encoding Omnibus does. Thread-safe.
 */
final class PlainEnvelopeEncoder {
    private static final ObjectMapper MAPPER = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final Map<String, String> HOST = Map.of("machineName", "load", "processName", "java",
            "frameworkVersion", "17", "massTransitVersion", "omnibus");

    private PlainEnvelopeEncoder() {
    }

    /** The envelope a MassTransit consumer reads, with the fields the bus writes for a send. */
    record Envelope(String messageId, String conversationId, String sourceAddress, String destinationAddress,
            List<String> messageType, Instant sentTime, Map<String, Object> headers, Map<String, String> host,
            Object message) {
    }

    /** {@code message} in a new envelope of {@code messageType} (a URN) bound for {@code destination}. */
    static byte[] encode(Object message, String messageType, String source, String destination) throws JsonProcessingException {
        String id = UUID.randomUUID().toString();
        return MAPPER.writeValueAsBytes(new Envelope(id, id, source, destination, List.of(messageType), Instant.now(),
                Map.of(), HOST, message));
    }
}
