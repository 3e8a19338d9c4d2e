package dev.omnibus.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnibus.Headers;
import dev.omnibus.HostInfo;
import dev.omnibus.SerializationException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reads envelope values out of a parsed tree as MassTransit's tolerant reader does: a missing
 * field, JSON {@code null} and an empty string are all "absent" (null); anything present but
 * malformed is a {@link SerializationException} naming the field and saying what was expected.
 * Stateless and thread-safe.
 */
final class EnvelopeNodes {
    private static final int MAX_ECHO = 80;

    private EnvelopeNodes() {
    }

    /** A GUID field: {@code D}, {@code N}, {@code B} or {@code P} form; empty is absent. */
    static UUID id(JsonNode node, String field) {
        String text = text(node, field);
        return text == null ? null : id(text, field);
    }

    /** A GUID from text: {@code D}, {@code N}, {@code B} or {@code P} form; empty is absent. */
    static UUID id(String text, String field) {
        String t = text.trim();
        if (t.isEmpty()) {
            return null;
        }
        try {
            return WireValues.parseGuid(t);
        } catch (IllegalArgumentException e) {
            throw new SerializationException(field + " is not a GUID: " + echo(text)
                    + " (expected 8-4-4-4-12 or 32 hex digits, e.g. 181c0000-6393-3630-36a4-08daf4e7c6da)");
        }
    }

    /** An address field: an absolute or short-form URI; empty is absent. */
    static URI address(JsonNode node, String field) {
        String text = text(node, field);
        return text == null ? null : address(text, field);
    }

    /** An address from text; empty is absent. */
    static URI address(String text, String field) {
        String t = text.trim();
        if (t.isEmpty()) {
            return null;
        }
        try {
            return new URI(t);
        } catch (URISyntaxException e) {
            throw new SerializationException(field + " is not a URI: " + echo(text) + " (" + e.getReason() + ")");
        }
    }

    /** A date-time field: ISO-8601, UTC when no offset is given; empty is absent. */
    static Instant time(JsonNode node, String field) {
        String text = text(node, field);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return WireValues.parseInstant(text.trim());
        } catch (DateTimeException e) {
            throw new SerializationException(field + " is not an ISO-8601 date-time: " + echo(text)
                    + " (expected e.g. 2023-07-04T11:39:59.689102Z)");
        }
    }

    /** The message type URNs: an array of strings (a single string is taken as a one-element array). */
    static List<String> messageTypes(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isTextual()) {
            String urn = node.textValue().trim();
            return urn.isEmpty() ? List.of() : List.of(urn);
        }
        if (!node.isArray()) {
            throw new SerializationException(field + " must be an array of URN strings, not " + kind(node));
        }
        List<String> urns = new ArrayList<>(node.size());
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new SerializationException(field + " must be an array of URN strings, but holds " + kind(item));
            }
            String urn = item.textValue().trim();
            if (!urn.isEmpty()) {
                urns.add(urn);
            }
        }
        return urns;
    }

    /** The headers object as Java values; absent or null gives no headers. */
    static Headers headers(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return Headers.empty();
        }
        if (!node.isObject()) {
            throw new SerializationException(field + " must be a JSON object of name to value, not " + kind(node));
        }
        if (node.isEmpty()) {
            return Headers.empty();
        }
        Map<String, Object> values = new LinkedHashMap<>(node.size() * 2);
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            Object value = toJava(e.getValue());
            if (value != null) {
                values.put(e.getKey(), value);
            }
        }
        return Headers.of(values);
    }

    /**
     * A JSON value as plain Java: String, Boolean, Integer/Long/BigInteger for integers (the
     * smallest that fits), Double for other numbers, unmodifiable List and Map, null for null.
     */
    static Object toJava(JsonNode node) {
        switch (node.getNodeType()) {
            case STRING:
                return node.textValue();
            case BOOLEAN:
                return node.booleanValue();
            case NUMBER:
                if (node.isIntegralNumber()) {
                    return node.canConvertToInt() ? (Object) node.intValue()
                            : node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
                }
                return node.doubleValue();
            case ARRAY: {
                List<Object> list = new ArrayList<>(node.size());
                for (JsonNode item : node) {
                    list.add(toJava(item));
                }
                return Collections.unmodifiableList(list);
            }
            case OBJECT: {
                Map<String, Object> map = new LinkedHashMap<>(node.size() * 2);
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    map.put(e.getKey(), toJava(e.getValue()));
                }
                return Collections.unmodifiableMap(map);
            }
            case BINARY:
                return node.asText();
            default:
                return null;
        }
    }

    /**
     * The host object, property names matched case-insensitively (MassTransit writes camelCase in
     * the envelope and PascalCase in the {@code MT-Host-Info} header); unknown names are ignored.
     */
    static HostInfo host(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new SerializationException(field + " must be a JSON object, not " + kind(node));
        }
        String machineName = null;
        String processName = null;
        Integer processId = null;
        String assembly = null;
        String assemblyVersion = null;
        String frameworkVersion = null;
        String massTransitVersion = null;
        String operatingSystemVersion = null;
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equalsIgnoreCase("machineName")) {
                machineName = text(v, field + ".machineName");
            } else if (name.equalsIgnoreCase("processName")) {
                processName = text(v, field + ".processName");
            } else if (name.equalsIgnoreCase("processId")) {
                processId = processId(v, field + ".processId");
            } else if (name.equalsIgnoreCase("assembly")) {
                assembly = text(v, field + ".assembly");
            } else if (name.equalsIgnoreCase("assemblyVersion")) {
                assemblyVersion = text(v, field + ".assemblyVersion");
            } else if (name.equalsIgnoreCase("frameworkVersion")) {
                frameworkVersion = text(v, field + ".frameworkVersion");
            } else if (name.equalsIgnoreCase("massTransitVersion")) {
                massTransitVersion = text(v, field + ".massTransitVersion");
            } else if (name.equalsIgnoreCase("operatingSystemVersion")) {
                operatingSystemVersion = text(v, field + ".operatingSystemVersion");
            }
        }
        return new HostInfo(machineName, processName, processId, assembly, assemblyVersion, frameworkVersion,
                massTransitVersion, operatingSystemVersion);
    }

    private static Integer processId(JsonNode v, String field) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            return v.intValue();
        }
        if (v.isTextual()) {
            String t = v.textValue().trim();
            if (t.isEmpty()) {
                return null;
            }
            try {
                return Integer.valueOf(t);
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new SerializationException(field + " must be an integer, not " + kind(v));
    }

    /** A scalar as text; null for missing or null; containers are an error. */
    static String text(JsonNode v, String field) {
        if (v == null || v.isNull() || v.isMissingNode()) {
            return null;
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isValueNode()) {
            return v.asText();
        }
        throw new SerializationException(field + " must be a string, not " + kind(v));
    }

    /** "an array", "the number 12", … for error messages. */
    static String kind(JsonNode node) {
        switch (node.getNodeType()) {
            case ARRAY:
                return "an array";
            case OBJECT:
                return "an object";
            case STRING:
                return "the string " + echo(node.textValue());
            case NUMBER:
                return "the number " + node.asText();
            case BOOLEAN:
                return "the boolean " + node.asText();
            case NULL:
                return "null";
            default:
                return node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code text} quoted and cut short enough for a log line. */
    static String echo(String text) {
        String t = text.length() > MAX_ECHO ? text.substring(0, MAX_ECHO) + "…" : text;
        return '"' + t + '"';
    }
}
