package dev.omnibus.rabbitmq;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * MassTransit's exchange names for message type URNs ({@code RabbitMqMessageNameFormatter}):
 * {@code urn:message:Ns:Name} → {@code Ns:Name}; nested {@code Outer+Inner} → {@code Outer-Inner};
 * generic {@code Ns:G[[Ns2:A],[Ns:B]]} → {@code Ns:G--Ns2:A::B--} (an argument's namespace is left
 * out when it equals the enclosing type's). Thread-safe (stateless).
 */
final class ExchangeNames {
    private static final String PREFIX = "urn:message:";
    private static final Pattern INVALID = Pattern.compile("[^\\w\\p{L}\\-.:]");
    private static final int MAX_BYTES = 255;

    private ExchangeNames() {
    }

    /** The exchange name of a message type URN. */
    static String forUrn(String urn) {
        String s = urn.startsWith(PREFIX) ? urn.substring(PREFIX.length()) : urn;
        String name;
        try {
            name = format(s, null);
        } catch (RuntimeException e) {
            name = s;
        }
        name = INVALID.matcher(name).replaceAll("-");
        return fit(name);
    }

    private static String format(String s, String enclosingNamespace) {
        int bracket = s.indexOf("[[");
        String head = bracket < 0 ? s : s.substring(0, bracket);
        int colon = head.lastIndexOf(':');
        String ns = colon >= 0 ? head.substring(0, colon) : null;
        String name = (colon >= 0 ? head.substring(colon + 1) : head).replace('+', '-');
        StringBuilder out = new StringBuilder();
        if (ns != null && !ns.equals(enclosingNamespace)) {
            out.append(ns).append(':');
        }
        out.append(name);
        if (bracket >= 0) {
            if (!s.endsWith("]")) {
                throw new IllegalArgumentException("unbalanced generic URN " + s);
            }
            List<String> args = arguments(s.substring(bracket + 1, s.length() - 1));
            out.append("--");
            for (int i = 0; i < args.size(); i++) {
                if (i > 0) {
                    out.append("::");
                }
                out.append(format(args.get(i), ns));
            }
            out.append("--");
        }
        return out.toString();
    }

    /** Splits {@code [A],[B[[C]]]} into {@code A} and {@code B[[C]]}. */
    private static List<String> arguments(String list) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int start = -1;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '[') {
                if (depth == 0) {
                    start = i + 1;
                }
                depth++;
            } else if (c == ']') {
                depth--;
                if (depth == 0) {
                    out.add(list.substring(start, i));
                }
            }
        }
        if (depth != 0 || out.isEmpty()) {
            throw new IllegalArgumentException("unbalanced generic arguments " + list);
        }
        return out;
    }

    /** Exchange and queue names are at most 255 bytes: a longer one is cut and given a hash suffix. */
    static String fit(String name) {
        if (name.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES) {
            return name;
        }
        String hash = Integer.toHexString(name.hashCode());
        String cut = name;
        while (cut.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES - hash.length() - 1) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "~" + hash;
    }
}
