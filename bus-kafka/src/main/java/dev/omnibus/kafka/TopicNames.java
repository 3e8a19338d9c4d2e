package dev.omnibus.kafka;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Kafka topic names for the bus's names. A topic name holds {@code [a-zA-Z0-9._-]} and at most 249
 * characters; an endpoint name may also hold {@code :} and letters of any script. Pure functions.
 *
 * <ul>
 * <li>An endpoint {@code orders} reads topic {@code <prefix>orders}; its faults go to
 *     {@code <prefix>orders_error} and {@code <prefix>orders_skipped}.</li>
 * <li>A message type {@code urn:message:Shop.Orders:OrderPlaced} is published to topic
 *     {@code <prefix>Shop.Orders.OrderPlaced} (the URN's namespace and name, {@code :} made {@code .}).</li>
 * <li>A name that needs changing to be valid ({@code :} aside) gets the first 8 hex digits of the
 *     SHA-256 of the original appended, so two names that differ only in invalid characters never
 *     share a topic; a name too long is cut and suffixed the same way.</li>
 * </ul>
 */
final class TopicNames {
    static final int MAX_LENGTH = 249;
    private static final String URN_PREFIX = "urn:message:";

    private TopicNames() {
    }

    /** The topic of endpoint (or destination) {@code name}. */
    static String endpoint(String prefix, String name) {
        return valid(prefix + name);
    }

    /** The topic a message type URN is published to. */
    static String messageType(String prefix, String urn) {
        String rest = urn.startsWith(URN_PREFIX) ? urn.substring(URN_PREFIX.length()) : urn;
        return valid(prefix + rest);
    }

    /** {@code raw} made a valid topic name, unchanged when it already is one. */
    static String valid(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        boolean changed = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
                out.append(c);
            } else if (c == ':') {
                out.append('.'); // namespaces: "a:b" and "a.b" share a topic, as their MassTransit exchanges look alike
            } else {
                out.append('_');
                changed = true;
            }
        }
        String name = out.toString();
        if (name.equals(".") || name.equals("..")) {
            changed = true;
        }
        if (!changed && name.length() <= MAX_LENGTH) {
            return name;
        }
        String suffix = "-" + hash(raw);
        int keep = Math.min(name.length(), MAX_LENGTH - suffix.length());
        return name.substring(0, keep) + suffix;
    }

    private static String hash(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JVM", e);
        }
    }
}
