package dev.omnibus.rabbitmq;

import dev.omnibus.Address;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A destination as MassTransit reads it ({@code RabbitMqEndpointAddress.cs}): the exchange a send
 * goes to, how to declare it when it does not exist, and whether a queue is bound to it. The one
 * place where the transport parses an {@link Address}; immutable, thread-safe.
 *
 * <ul>
 *   <li>{@code rabbitmq://host[:port]/[vhost/]name[?query]} (also {@code rabbitmqs}, {@code amqp},
 *       {@code amqps}): exchange {@code name}, durable, not auto-delete, no queue bound
 *       ({@code bind=false}), as MassTransit's defaults. Path segments are percent-decoded
 *       ({@code my%20shop}); a {@code +} stays a plus, as .NET's {@code Uri.UnescapeDataString} leaves it.</li>
 *   <li>{@code queue:name}: exchange and queue {@code name}, bound ({@code bind=true}).</li>
 *   <li>{@code topic:name} / {@code exchange:name}: the exchange only.</li>
 *   <li>Query keys (case as MassTransit writes them): {@code temporary=true} (not durable, auto-delete),
 *       {@code durable}, {@code autodelete}, {@code type} (exchange type), {@code bind} (declare and bind
 *       a queue), {@code queue} (that queue's name, default {@code name}); a value that is not
 *       {@code true}/{@code false} is ignored, as {@code bool.TryParse} fails.</li>
 *   <li>RabbitMQ's direct reply-to pseudo-queue: a name that is {@code amq.rabbitmq.reply-to} or starts
 *       with {@code amq.rabbitmq.reply-to.} is published through the default exchange with the name as
 *       routing key, and nothing is declared.</li>
 * </ul>
 *
 * @param name         the exchange (or, for direct reply-to, the routing key)
 * @param virtualHost  the vhost named by the address, or null for the transport's own
 * @param exchangeType the exchange type ({@code fanout} unless {@code type=} says otherwise)
 * @param durable      whether to declare the exchange (and queue) durable
 * @param autoDelete   whether to declare them auto-delete
 * @param bindQueue    whether a queue is declared and bound to the exchange
 * @param queueName    the queue to bind ({@code name} unless {@code queue=} says otherwise)
 * @param topic        a {@code topic:}/{@code exchange:} address or {@code type=topic}: a publish that
 *                     may reach no queue (not {@code mandatory})
 */
record RabbitMqAddress(String name, String virtualHost, String exchangeType, boolean durable, boolean autoDelete,
        boolean bindQueue, String queueName, boolean topic) {
    /** RabbitMQ's direct reply-to pseudo-queue. */
    static final String REPLY_TO = "amq.rabbitmq.reply-to";

    /** Parses {@code address}; throws {@link IllegalArgumentException} when it names nothing. */
    static RabbitMqAddress of(Address address) {
        URI uri = address.uri();
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String name;
        String vhost = null;
        String query;
        boolean bind;
        boolean topic = address.isTopic();
        if (uri.isOpaque()) { // queue:x, topic:x, exchange:x
            String ssp = uri.getRawSchemeSpecificPart();
            int q = ssp.indexOf('?');
            name = unescape(q >= 0 ? ssp.substring(0, q) : ssp);
            query = q >= 0 ? ssp.substring(q + 1) : null;
            bind = scheme.equals("queue");
        } else {
            List<String> segments = segments(uri.getRawPath());
            if (segments.isEmpty()) {
                throw new IllegalArgumentException("the address " + address + " names no exchange");
            }
            name = segments.get(segments.size() - 1);
            if (segments.size() > 1) {
                vhost = String.join("/", segments.subList(0, segments.size() - 1));
            }
            query = uri.getRawQuery();
            bind = false; // MassTransit: a full address binds a queue only with bind=true
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("the address " + address + " names no exchange");
        }
        boolean durable = true;
        boolean autoDelete = false;
        String type = Topology.FANOUT;
        String queueName = null;
        if (query != null) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String key = unescape(eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
                String value = eq < 0 ? "" : unescape(pair.substring(eq + 1));
                Boolean flag = bool(value);
                switch (key) {
                    case "temporary" -> {
                        if (flag != null) {
                            autoDelete = flag;
                            durable = !flag;
                        }
                    }
                    case "durable" -> {
                        if (flag != null) {
                            durable = flag;
                        }
                    }
                    case "autodelete" -> {
                        if (flag != null) {
                            autoDelete = flag;
                        }
                    }
                    case "bind" -> {
                        if (flag != null) {
                            bind = flag;
                        }
                    }
                    case "type" -> {
                        if (!value.isBlank()) {
                            type = value;
                        }
                    }
                    case "queue" -> {
                        if (!value.isBlank()) {
                            queueName = value;
                        }
                    }
                    default -> {
                        // delayedtype, alternateexchange, bindexchange, singleactiveconsumer: not used by a send here
                    }
                }
            }
        }
        if (bind && queueName == null) {
            queueName = name;
        }
        return new RabbitMqAddress(name, vhost, type, durable, autoDelete, bind, bind ? queueName : null, topic);
    }

    /** True for RabbitMQ's direct reply-to pseudo-queue, which is published to through the default exchange. */
    boolean isReplyTo() {
        return isReplyTo(name);
    }

    static boolean isReplyTo(String name) {
        return name.equals(REPLY_TO) || name.startsWith(REPLY_TO + ".");
    }

    /** A boolean as .NET's {@code bool.TryParse} reads it (case-insensitive, trimmed), else null. */
    private static Boolean bool(String value) {
        String v = value.trim();
        if (v.equalsIgnoreCase("true")) {
            return Boolean.TRUE;
        }
        if (v.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        return null;
    }

    private static List<String> segments(String rawPath) {
        List<String> out = new ArrayList<>();
        if (rawPath == null) {
            return out;
        }
        for (String s : rawPath.split("/")) {
            if (!s.isEmpty()) {
                out.add(unescape(s));
            }
        }
        return out;
    }

    /**
     * Escapes a path segment as .NET's {@code Uri.EscapeDataString} does: every byte of its UTF-8 form
     * except the RFC 3986 unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) becomes {@code %XX}, so a
     * space is {@code %20} (never {@code +}) and {@code /} is {@code %2F}. {@code :} is kept, as in
     * MassTransit's exchange names ({@code Acme:SubmitOrder}), where .NET's {@code UriBuilder} keeps it
     * too; {@code keepColon} false escapes it.
     */
    static String escape(String s, boolean keepColon) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~' || (keepColon && c == ':')) {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /**
     * Escapes an exchange name for an address path: letters (any script), digits and {@code _ - . : ~}
     * stay as they are (every valid MassTransit entity name, {@code RabbitMqEntityNameValidator}), anything
     * else becomes {@code %XX} of its UTF-8 bytes, so a direct reply-to token's {@code /}, {@code +} and
     * {@code =} survive the trip through an address.
     */
    static String escapeName(String name) {
        StringBuilder out = null;
        for (int i = 0; i < name.length(); ) {
            int cp = name.codePointAt(i);
            int n = Character.charCount(cp);
            boolean keep = Character.isLetterOrDigit(cp) || cp == '_' || cp == '-' || cp == '.' || cp == ':' || cp == '~';
            if (!keep && out == null) {
                out = new StringBuilder(name.length() + 8).append(name, 0, i);
            }
            if (out != null) {
                if (keep) {
                    out.appendCodePoint(cp);
                } else {
                    out.append(escape(name.substring(i, i + n), false));
                }
            }
            i += n;
        }
        return out == null ? name : out.toString();
    }

    /** Percent-decodes {@code s} (UTF-8); a {@code +} stays a plus, as .NET's {@code Uri.UnescapeDataString} leaves it. */
    static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
                i += 3;
            } else {
                int cp = s.codePointAt(i);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i += Character.charCount(cp);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }
}
