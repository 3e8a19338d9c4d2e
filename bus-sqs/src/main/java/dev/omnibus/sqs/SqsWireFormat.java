package dev.omnibus.sqs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.OutgoingMessage;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/**
 * A message's body and headers as an SQS message body and message attributes, and back.
 *
 * <h2>Body</h2>
 * SQS bodies are text (XML 1.0 characters). A body that is valid UTF-8 made of characters SQS
 * accepts travels as that text; any other (CBOR, other binary codecs, control characters) travels
 * base64-encoded, marked by the attribute {@value #BODY_ENCODING} = {@code base64}.
 *
 * <h2>Headers</h2>
 * SQS carries at most 10 message attributes. Headers travel as {@code String} attributes under their
 * own names while they fit; when they do not (more headers than the budget left after the body
 * marker, or a header whose name or value SQS refuses as an attribute: a name with characters other
 * than {@code A-Za-z0-9_-.}, an empty value), {@code Content-Type}, {@code MessageId} and
 * {@code CorrelationId} and then the other headers in order stay attributes up to one less than the
 * budget, and the rest are packed into one attribute, {@value #PACKED_HEADERS}, a JSON object of
 * strings. Every header value is written as text ({@code toString()}) and read back as a string.
 *
 * <h2>Size</h2>
 * SQS measures the body and the attributes (names, types, values) together against its 1 MiB limit;
 * {@link #encode} fails with a non-retryable {@link TransportException} before any call when they are over.
 * Pure functions; thread-safe.
 */
final class SqsWireFormat {
    static final int MAX_ATTRIBUTES = 10;
    static final int MAX_MESSAGE_BYTES = 1024 * 1024;
    static final String BODY_ENCODING = "Omnibus-Body-Encoding";
    static final String PACKED_HEADERS = "Omnibus-Headers";
    private static final List<String> FIRST = List.of(OutgoingMessage.CONTENT_TYPE, OutgoingMessage.MESSAGE_ID,
            OutgoingMessage.CORRELATION_ID);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private SqsWireFormat() {
    }

    /** An encoded message: the SQS body, its attributes, and whether the body is base64. */
    record Encoded(String body, Map<String, MessageAttributeValue> attributes, boolean base64) {
    }

    /** A decoded message: body bytes and headers. */
    record Decoded(byte[] body, Headers headers) {
    }

    static Encoded encode(byte[] body, Headers headers, String queue) {
        Encoded e = encodeAnySize(body, headers);
        long size = wireBytes(e);
        if (size > MAX_MESSAGE_BYTES) {
            throw new TransportException("a message of " + size + " bytes on the wire (body " + body.length + " bytes"
                    + (e.base64() ? ", base64-encoded" : "") + ", plus its headers) is over SQS's limit of "
                    + MAX_MESSAGE_BYTES + " bytes (queue " + queue + ")", null, false);
        }
        return e;
    }

    /** As {@link #encode}, without the size check (the caller measures it with {@link #wireBytes(Encoded)}). */
    static Encoded encodeAnySize(byte[] body, Headers headers) {
        String text = asSqsText(body);
        boolean base64 = text == null;
        if (base64) {
            text = Base64.getEncoder().encodeToString(body);
        }
        return new Encoded(text, attributes(headers, base64), base64);
    }

    static Decoded decode(String body, Map<String, MessageAttributeValue> attributes) {
        Map<String, Object> headers = new LinkedHashMap<>();
        boolean base64 = false;
        for (Map.Entry<String, MessageAttributeValue> e : attributes.entrySet()) {
            String v = e.getValue().stringValue();
            if (v == null) {
                continue; // a binary attribute another producer wrote: not a bus header
            }
            if (e.getKey().equals(BODY_ENCODING)) {
                base64 = "base64".equals(v);
            } else if (e.getKey().equals(PACKED_HEADERS)) {
                headers.putAll(unpack(v));
            } else {
                headers.put(e.getKey(), v);
            }
        }
        byte[] bytes = base64 ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        return new Decoded(bytes, Headers.of(headers));
    }

    static Map<String, MessageAttributeValue> attributes(Headers headers, boolean base64) {
        int budget = MAX_ATTRIBUTES - (base64 ? 1 : 0);
        List<String> direct = new ArrayList<>();
        List<String> packed = new ArrayList<>();
        List<String> order = new ArrayList<>();
        for (String f : FIRST) {
            if (headers.contains(f)) {
                order.add(f);
            }
        }
        for (String n : headers.names()) {
            if (!FIRST.contains(n)) {
                order.add(n);
            }
        }
        for (String n : order) {
            Object v = headers.get(n);
            if (v == null) {
                continue;
            }
            if (isAttributeName(n) && isAttributeValue(v.toString())) {
                direct.add(n);
            } else {
                packed.add(n);
            }
        }
        if (!packed.isEmpty() || direct.size() > budget) {
            int keep = Math.min(direct.size(), budget - 1);
            packed.addAll(0, direct.subList(keep, direct.size()));
            direct = direct.subList(0, keep);
        }
        Map<String, MessageAttributeValue> out = new LinkedHashMap<>();
        for (String n : direct) {
            out.put(n, string(headers.get(n).toString()));
        }
        if (!packed.isEmpty()) {
            Map<String, String> rest = new LinkedHashMap<>();
            for (String n : packed) {
                rest.put(n, headers.get(n).toString());
            }
            try {
                out.put(PACKED_HEADERS, string(JSON.writeValueAsString(rest)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a map of strings did not serialize", e);
            }
        }
        if (base64) {
            out.put(BODY_ENCODING, string("base64"));
        }
        return out;
    }

    private static Map<String, String> unpack(String json) {
        try {
            return JSON.readValue(json, STRING_MAP);
        } catch (JsonProcessingException e) {
            return Map.of(PACKED_HEADERS, json); // not ours: keep it as it came, for the error queue
        }
    }

    private static MessageAttributeValue string(String v) {
        return MessageAttributeValue.builder().dataType("String").stringValue(v).build();
    }

    /** The bytes SQS counts against its limit: the body's UTF-8 and the attributes. */
    static long wireBytes(Encoded e) {
        return wireBytes(e.body(), e.attributes());
    }

    private static long wireBytes(String body, Map<String, MessageAttributeValue> attributes) {
        return body.getBytes(StandardCharsets.UTF_8).length + attributeBytes(attributes);
    }

    static long attributeBytes(Map<String, MessageAttributeValue> attributes) {
        long n = 0;
        for (Map.Entry<String, MessageAttributeValue> e : attributes.entrySet()) {
            n += e.getKey().getBytes(StandardCharsets.UTF_8).length + e.getValue().dataType().length()
                    + e.getValue().stringValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return n;
    }

    /** SQS attribute names: {@code A-Za-z0-9_-.}, at most 256, no {@code ..}, no leading or trailing dot, not AWS's. */
    static boolean isAttributeName(String n) {
        if (n.isEmpty() || n.length() > 256 || n.startsWith(".") || n.endsWith(".") || n.contains("..")) {
            return false;
        }
        String lower = n.toLowerCase(Locale.ROOT);
        if (lower.startsWith("aws.") || lower.startsWith("amazon.") || n.equals(BODY_ENCODING) || n.equals(PACKED_HEADERS)) {
            return false;
        }
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                    || c == '.')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAttributeValue(String v) {
        return !v.isEmpty() && validText(v);
    }

    /** The body as text if it is valid UTF-8 of characters SQS accepts; null otherwise. */
    static String asSqsText(byte[] body) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        return validText(s) ? s : null;
    }

    /** #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF (surrogate pairs are whole after decoding). */
    private static boolean validText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c <= 0xD7FF) {
                continue;
            }
            if (c == 0x9 || c == 0xA || c == 0xD || (c >= 0xE000 && c <= 0xFFFD)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            return false;
        }
        return true;
    }
}
