package dev.omnibus.rabbitmq.wire;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A golden wire file and the field-by-field comparison of a {@link Captured} message with it.
 *
 * <p>A golden file (under {@code src/test/resources/wire/golden/}, JSON with {@code //} comments
 * that cite MassTransit's source) has the shape of {@link Captured}'s tree: {@code delivery},
 * {@code properties}, {@code headers}, {@code envelope}, plus an optional {@code ignoreHeaders}
 * array naming headers the <em>broker</em> adds (dead-lettering's {@code x-death}), which are not
 * the sender's doing. Everything else is compared exactly: a key missing on either side is a
 * difference, a {@code null} is not an absent key, a number is not a string.
 *
 * <p>Values that change on every run are written as forms:
 * <ul>
 *   <li>{@code "~guid"}: a lowercase {@code D}-format GUID ({@code Guid.ToString("D")});</li>
 *   <li>{@code "~time"}: UTC ISO-8601 ending in {@code Z}, 0 to 7 fractional digits (System.Text.Json's
 *       DateTime);</li>
 *   <li>{@code "~time7"}: UTC with exactly 7 fractional digits ({@code DateTime.ToString("O")});</li>
 *   <li>{@code "~text"}: any non-empty string; {@code "~digits"}: a string of decimal digits;</li>
 *   <li>{@code "~int"}: a JSON integer; {@code "~millis"}: a string of decimal digits (AMQP expiration);
 *       {@code "~millis<=N"}: such a string with a value in (N − 1000, N] (a time to live written as the
 *       time left, a documented difference);</li>
 *   <li>{@code "=a.b.c"}: equal to the captured value at that path, or in a named reference
 *       ({@code "=request.envelope.messageId"});</li>
 *   <li>{@code "${name}"} inside any string: replaced by the test's variable before parsing.</li>
 * </ul>
 */
final class Golden {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .enable(JsonReadFeature.ALLOW_TRAILING_COMMA)
            .build();
    private static final Pattern VAR = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");
    private static final Pattern GUID_D = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,7})?Z");
    private static final Pattern TIME7 = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{7}Z");
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    private final String name;
    private final JsonNode expected;

    private Golden(String name, JsonNode expected) {
        this.name = name;
        this.expected = expected;
    }

    /** Loads {@code wire/golden/<name>.json}, replacing every {@code ${var}}; an unknown variable is an error. */
    static Golden load(String name, Map<String, String> vars) {
        String resource = "/wire/golden/" + name + ".json";
        try (InputStream in = Golden.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no golden file " + resource);
            }
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = VAR.matcher(text);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String v = vars.get(m.group(1));
                if (v == null) {
                    throw new IllegalArgumentException(resource + " uses ${" + m.group(1) + "}, which the test does not set");
                }
                m.appendReplacement(out, Matcher.quoteReplacement(v.replace("\\", "\\\\").replace("\"", "\\\"")));
            }
            m.appendTail(out);
            return new Golden(name, MAPPER.readTree(out.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden file " + resource, e);
        }
    }

    /** Parses a golden tree given as text (the matcher's own tests). */
    static Golden of(String name, String json) {
        try {
            return new Golden(name, MAPPER.readTree(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String name() {
        return name;
    }

    /**
     * Every difference between the golden file and {@code actual}, one line each, in document
     * order; empty when they agree. {@code refs} name other captured messages that {@code "=ref.path"}
     * forms may point at.
     */
    List<String> differences(Captured actual, Map<String, Captured> refs) {
        Map<String, JsonNode> roots = new LinkedHashMap<>();
        refs.forEach((k, v) -> roots.put(k, v.tree()));
        List<String> diffs = new ArrayList<>();
        Set<String> ignored = new HashSet<>();
        expected.path("ignoreHeaders").forEach(n -> ignored.add(n.asText()));
        for (String section : new String[] {"delivery", "properties", "headers", "envelope"}) {
            JsonNode want = expected.get(section);
            if (want == null) {
                continue; // a golden file may leave a section out (none of ours does)
            }
            JsonNode got = actual.tree().path(section);
            if (section.equals("headers")) {
                compareObject(section, want, got, actual.tree(), roots, diffs, ignored);
            } else {
                compare(section, want, got, actual.tree(), roots, diffs);
            }
        }
        return diffs;
    }

    List<String> differences(Captured actual) {
        return differences(actual, Map.of());
    }

    private static void compare(String path, JsonNode want, JsonNode got, JsonNode root, Map<String, JsonNode> refs,
            List<String> diffs) {
        if (got == null || got.isMissingNode()) {
            diffs.add(path + ": missing (expected " + want + ")");
            return;
        }
        if (want.isTextual() && isForm(want.asText())) {
            String problem = checkForm(want.asText(), got, root, refs);
            if (problem != null) {
                diffs.add(path + ": " + problem);
            }
            return;
        }
        if (want.isObject()) {
            compareObject(path, want, got, root, refs, diffs, Set.of());
            return;
        }
        if (want.isArray()) {
            if (!got.isArray()) {
                diffs.add(path + ": expected an array " + want + " but was " + got);
                return;
            }
            if (want.size() != got.size()) {
                diffs.add(path + ": expected " + want.size() + " elements " + want + " but was " + got.size() + " " + got);
                return;
            }
            for (int i = 0; i < want.size(); i++) {
                compare(path + "[" + i + "]", want.get(i), got.get(i), root, refs, diffs);
            }
            return;
        }
        if (want.isNumber() && got.isNumber()) {
            if (want.decimalValue().compareTo(got.decimalValue()) != 0) {
                diffs.add(path + ": expected " + want + " but was " + got);
            }
            return;
        }
        if (!want.equals(got)) {
            diffs.add(path + ": expected " + describe(want) + " but was " + describe(got));
        }
    }

    private static void compareObject(String path, JsonNode want, JsonNode got, JsonNode root, Map<String, JsonNode> refs,
            List<String> diffs, Set<String> ignored) {
        if (!got.isObject()) {
            diffs.add(path + ": expected an object but was " + describe(got));
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> fields = want.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            JsonNode g = got.get(f.getKey());
            if (g == null) {
                diffs.add(path + "." + f.getKey() + ": missing (expected " + f.getValue() + ")");
            } else {
                compare(path + "." + f.getKey(), f.getValue(), g, root, refs, diffs);
            }
        }
        Iterator<String> names = got.fieldNames();
        while (names.hasNext()) {
            String n = names.next();
            if (!want.has(n) && !ignored.contains(n)) {
                diffs.add(path + "." + n + ": unexpected (was " + got.get(n) + ")");
            }
        }
    }

    private static boolean isForm(String s) {
        return s.startsWith("~") || s.startsWith("=");
    }

    private static String checkForm(String form, JsonNode got, JsonNode root, Map<String, JsonNode> refs) {
        if (form.startsWith("=")) {
            String ref = form.substring(1);
            JsonNode base = root;
            int dot = ref.indexOf('.');
            if (dot > 0 && refs.containsKey(ref.substring(0, dot))) {
                base = refs.get(ref.substring(0, dot));
                ref = ref.substring(dot + 1);
            }
            JsonNode other = path(base, ref);
            if (other.isMissingNode()) {
                return "expected the value of " + form.substring(1) + ", which is missing";
            }
            return other.equals(got) ? null
                    : "expected " + describe(other) + " (the value of " + form.substring(1) + ") but was " + describe(got);
        }
        if (form.startsWith("~millis<=")) {
            long max = Long.parseLong(form.substring("~millis<=".length()));
            if (!got.isTextual() || !DIGITS.matcher(got.asText()).matches()) {
                return "expected a string of decimal digits but was " + describe(got);
            }
            long v = Long.parseLong(got.asText());
            return v <= max && v > max - 1000 ? null
                    : "expected milliseconds in (" + (max - 1000) + ", " + max + "] but was " + describe(got);
        }
        return switch (form) {
            case "~guid" -> got.isTextual() && GUID_D.matcher(got.asText()).matches() ? null
                    : "expected a lowercase D-format GUID but was " + describe(got);
            case "~time" -> got.isTextual() && TIME.matcher(got.asText()).matches() ? null
                    : "expected UTC ISO-8601 with at most 7 fractional digits (yyyy-MM-ddTHH:mm:ss[.fffffff]Z) but was "
                            + describe(got);
            case "~time7" -> got.isTextual() && TIME7.matcher(got.asText()).matches() ? null
                    : "expected .NET's round-trip \"O\" UTC time, exactly 7 fractional digits (yyyy-MM-ddTHH:mm:ss.fffffffZ) but was "
                            + describe(got);
            case "~text" -> got.isTextual() && !got.asText().isEmpty() ? null : "expected a non-empty string but was " + describe(got);
            case "~digits", "~millis" -> got.isTextual() && DIGITS.matcher(got.asText()).matches() ? null
                    : "expected a string of decimal digits but was " + describe(got);
            case "~int" -> got.isIntegralNumber() ? null : "expected a JSON integer but was " + describe(got);
            default -> "unknown form " + form + " in the golden file";
        };
    }

    private static String describe(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "<absent>";
        }
        if (n.isTextual()) {
            return "\"" + n.asText() + "\" (string)";
        }
        if (n.isNumber()) {
            return n + " (number)";
        }
        return n.toString();
    }

    /** The node at a dotted path; keys may contain dashes ({@code headers.MT-Fault-Message}). */
    static JsonNode path(JsonNode root, String dotted) {
        JsonNode n = root;
        for (String part : dotted.split("\\.")) {
            if (n == null) {
                return MissingNode.getInstance();
            }
            n = n.get(part);
        }
        return n == null ? MissingNode.getInstance() : n;
    }

}
