package dev.omnibus.rabbitmq;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@code headers} object of a MassTransit JSON envelope with a streaming parser, so the
 * transport can copy the application headers to the AMQP header table as MassTransit does (its send
 * context's headers are both written into the envelope and copied to the table). One pass over the
 * body, skipping {@code message} and every other field without building a tree. Only top-level
 * scalar values are returned (text, numbers, booleans); arrays and objects are skipped, as
 * MassTransit drops them from the table. A body that is not a JSON object gives no headers: the
 * serializer wrote it, and reading the headers is never a reason to fail a publish. Thread-safe.
 */
final class EnvelopeHeaders {
    /** The MassTransit JSON envelope's content type. */
    static final String CONTENT_TYPE = "application/vnd.masstransit+json";
    private static final Logger LOG = LoggerFactory.getLogger(EnvelopeHeaders.class);
    private static final JsonFactory JSON = JsonFactory.builder().build();

    private EnvelopeHeaders() {
    }

    /** The scalar entries of the envelope's {@code headers} object, in order; empty when there are none. */
    static Map<String, Object> read(byte[] body) {
        return noHeaders(body) ? Map.of() : parse(body);
    }

    /** {@link #read} without the scan: always parses. */
    static Map<String, Object> parse(byte[] body) {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Map.of();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equalsIgnoreCase("headers") && value == JsonToken.START_OBJECT) {
                    return headers(p);
                }
                p.skipChildren();
            }
            return Map.of();
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read the headers of a {} body; none copied to the AMQP header table", CONTENT_TYPE, e);
            return Map.of();
        }
    }

    /**
     * A scan without a parser that proves the body has no header to copy, the usual case (the
     * serializer writes {@code "headers":{}}): a publish profile showed the full parse at about 7 % of
     * the samples. One pass: with no backslash in the body no string can hold a quote, so every quoted
     * {@code "headers"} (any case) is a real token; if none of them is followed by {@code :} and an
     * object with something in it, no {@code headers} object at any depth has an entry. False means
     * "parse to find out", never "there are headers".
     */
    static boolean noHeaders(byte[] b) {
        int n = b.length;
        for (int i = 0; i < n; i++) {
            byte x = b[i];
            if (x == '\\') {
                return false;
            }
            if (x != '"' || i + 9 > n || b[i + 8] != '"' || !headersAt(b, i + 1)) {
                continue;
            }
            int j = skipSpace(b, i + 9);
            if (j >= n || b[j] != ':') {
                continue;
            }
            j = skipSpace(b, j + 1);
            if (j >= n || b[j] != '{') {
                continue;
            }
            j = skipSpace(b, j + 1);
            if (j >= n || b[j] != '}') {
                return false;
            }
        }
        return true;
    }

    private static boolean headersAt(byte[] b, int at) {
        String word = "headers";
        for (int k = 0; k < 7; k++) {
            if ((b[at + k] | 0x20) != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static int skipSpace(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r')) {
            i++;
        }
        return i;
    }

    private static Map<String, Object> headers(JsonParser p) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (t) {
                case VALUE_STRING -> out.put(name, p.getText());
                case VALUE_TRUE -> out.put(name, Boolean.TRUE);
                case VALUE_FALSE -> out.put(name, Boolean.FALSE);
                case VALUE_NUMBER_INT -> out.put(name, switch (p.getNumberType()) {
                    case INT -> p.getIntValue();
                    case LONG -> p.getLongValue();
                    default -> p.getText(); // beyond a long: as text
                });
                case VALUE_NUMBER_FLOAT -> out.put(name, p.getDoubleValue());
                default -> p.skipChildren(); // null, arrays, objects
            }
        }
        return out;
    }
}
