package dev.omnibus.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.LongString;
import dev.omnibus.Headers;
import dev.omnibus.spi.OutgoingMessage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between Omnibus transport headers and AMQP properties and header tables, and keeps a
 * header table inside the frame size. {@code Content-Type}, {@code MessageId} and
 * {@code CorrelationId} travel as the AMQP properties {@code content_type}, {@code message_id} and
 * {@code correlation_id}, as MassTransit writes them; everything else goes to the header table,
 * converted as MassTransit converts send headers, together with the application headers of a
 * MassTransit JSON envelope. Thread-safe (stateless).
 */
final class AmqpHeaders {
    /** Room left in a frame for the properties other than the header table, and for framing. */
    static final int FRAME_OVERHEAD = 4096;
    private static final int SHORTSTR_MAX = 255;

    private AmqpHeaders() {
    }

    /**
     * The AMQP properties of an outgoing message: persistent, with its expiration in ms. Every other
     * transport header goes to the header table converted as MassTransit converts send headers
     * ({@link #toMassTransit}); then, for a MassTransit JSON envelope, the application headers of
     * the envelope's {@code headers} object that the table does not hold yet, converted the same way
     * and trimmed ({@link #fit}) to what is left of {@code maxTableBytes}: they are in the body
     * anyway, so they never make a publish fail.
     */
    static AMQP.BasicProperties properties(OutgoingMessage m, long nowMillis, int maxTableBytes) {
        Headers h = m.headers();
        Object ct = h.get(OutgoingMessage.CONTENT_TYPE);
        Object id = h.get(OutgoingMessage.MESSAGE_ID);
        Object cid = h.get(OutgoingMessage.CORRELATION_ID);
        String contentType = fitsShort(ct) ? ct.toString() : null;
        String messageId = fitsShort(id) ? id.toString() : null;
        String correlationId = fitsShort(cid) ? cid.toString() : null;
        int asProperties = (contentType != null ? 1 : 0) + (messageId != null ? 1 : 0) + (correlationId != null ? 1 : 0);
        // the usual publish carries nothing but these three: no table to build (a publish profile had
        // the map, its iteration and the builder at a fifth of the publishing thread's samples)
        Map<String, Object> table = h.size() == asProperties ? null : table(h, contentType, messageId, correlationId);
        if (EnvelopeHeaders.CONTENT_TYPE.equals(contentType)) {
            Map<String, Object> copied = EnvelopeHeaders.read(m.body());
            if (!copied.isEmpty()) {
                Map<String, Object> t = table == null ? new LinkedHashMap<>() : table;
                int room = maxTableBytes - tableSize(t);
                Map<String, Object> extra = new LinkedHashMap<>();
                copied.forEach((k, v) -> {
                    if (!t.containsKey(k) && !steering(k) && !k.equals(OutgoingMessage.CONTENT_TYPE)
                            && !k.equals(OutgoingMessage.MESSAGE_ID) && !k.equals(OutgoingMessage.CORRELATION_ID)) {
                        Object x = toMassTransit(v);
                        if (x != null) {
                            extra.put(k, x);
                        }
                    }
                });
                if (room > 4 && !extra.isEmpty()) {
                    fit(extra, room);
                    t.putAll(extra);
                }
                table = t;
            }
        }
        String expiration = m.expiration() == null ? null
                : Long.toString(Math.max(1, m.expiration().toEpochMilli() - nowMillis));
        return new AMQP.BasicProperties(contentType, null, table == null || table.isEmpty() ? null : table, 2, null,
                correlationId, null, expiration, messageId, null, null, null, null, null);
    }

    /**
     * Whether RabbitMQ acts on header {@code name} when a publish carries it: {@code CC} and {@code BCC}
     * route copies to those routing keys too (sender-selected distribution). Never copied from a
     * message's envelope or from a received message onto a republish: a message must not steer where
     * the bus sends copies of it.
     */
    static boolean steering(String name) {
        return name.equals("CC") || name.equals("BCC");
    }

    /**
     * The header table of {@code h}: every header but those that travel as properties, converted
     * as MassTransit converts send headers ({@link #toMassTransit}).
     */
    private static Map<String, Object> table(Headers h, String contentType, String messageId, String correlationId) {
        Map<String, Object> table = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : h.asMap().entrySet()) {
            String k = e.getKey();
            if (k.equals(OutgoingMessage.CONTENT_TYPE) && contentType != null
                    || k.equals(OutgoingMessage.MESSAGE_ID) && messageId != null
                    || k.equals(OutgoingMessage.CORRELATION_ID) && correlationId != null) {
                continue;
            }
            Object x = toMassTransit(e.getValue());
            if (x != null) {
                table.put(k, x);
            }
        }
        return table;
    }

    /**
     * A send header's value as MassTransit writes it to the AMQP header table
     * ({@code RabbitMqTransport/RabbitMqSendTransportContext.cs}, {@code SetHeaders}): a UUID as its
     * {@code D} text, an instant or date as an AMQP timestamp (whole seconds), a URI as text, text as
     * it is, {@code true} as {@code "True"}; {@code false}, lists, maps and null are not written
     * (null is returned); numbers as they are; anything else as its text.
     */
    static Object toMassTransit(Object v) {
        if (v == null || v instanceof Boolean b && !b) {
            return null;
        }
        if (v instanceof Boolean) {
            return "True"; // bool.TrueString
        }
        if (v instanceof String || v instanceof LongString || v instanceof Integer || v instanceof Long
                || v instanceof Double || v instanceof Float || v instanceof Short || v instanceof Byte
                || v instanceof BigDecimal || v instanceof Date) {
            return v;
        }
        if (v instanceof java.time.Instant i) {
            return Date.from(i);
        }
        if (v instanceof java.time.OffsetDateTime t) {
            return Date.from(t.toInstant());
        }
        if (v instanceof java.time.ZonedDateTime t) {
            return Date.from(t.toInstant());
        }
        if (v instanceof java.util.Collection<?> || v instanceof Map<?, ?> || v instanceof Object[] || v instanceof byte[]) {
            return null; // no case of SetHeaders matches an IEnumerable or a dictionary
        }
        if (v instanceof java.math.BigInteger n) {
            return n.bitLength() < 64 ? (Object) n.longValue() : n.toString();
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        return v.toString(); // UUID ("D"), URI, enums, …
    }

    private static boolean fitsShort(Object v) {
        if (v == null) {
            return false;
        }
        String s = v.toString();
        return s.length() * 3 <= SHORTSTR_MAX || utf8Length(s) <= SHORTSTR_MAX; // at most 3 bytes a char
    }

    /** A header value as the AMQP client writes it. */
    static Object toAmqp(Object v) {
        if (v == null || v instanceof String || v instanceof Integer || v instanceof Long || v instanceof Boolean
                || v instanceof Double || v instanceof Float || v instanceof Short || v instanceof Byte
                || v instanceof BigDecimal || v instanceof byte[] || v instanceof Date || v instanceof LongString) {
            return v;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> t = new LinkedHashMap<>();
            map.forEach((k, x) -> t.put(String.valueOf(k), toAmqp(x)));
            return t;
        }
        if (v instanceof List<?> list) {
            List<Object> l = new ArrayList<>(list.size());
            list.forEach(x -> l.add(toAmqp(x)));
            return l;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        return v.toString(); // UUID, URI, Instant, enums…
    }

    /** The header naming the response address, as MassTransit's raw JSON serializer writes it. */
    static final String RESPONSE_ADDRESS = "MT-Response-Address";

    /**
     * The transport headers of a delivery: its properties under Omnibus's names, then its header
     * table. A direct reply-to {@code reply_to} ({@code amq.rabbitmq.reply-to.<token>}, which the
     * broker gives the responder) is exposed as {@link #RESPONSE_ADDRESS}, the address
     * {@code replyAddress} makes of it, unless the table names a response address already (one that
     * is not the bare {@code amq.rabbitmq.reply-to}, which names no requester).
     */
    static Headers fromDelivery(AMQP.BasicProperties p, java.util.function.Function<String, String> replyAddress) {
        Headers h = fromDelivery(p);
        String replyTo = p.getReplyTo();
        if (replyTo != null && replyTo.startsWith(RabbitMqAddress.REPLY_TO + ".")) {
            Object current = h.get(RESPONSE_ADDRESS);
            if (current == null || current.toString().endsWith("/" + RabbitMqAddress.REPLY_TO)) {
                h = h.with(RESPONSE_ADDRESS, replyAddress.apply(replyTo));
            }
        }
        return h;
    }

    /** The transport headers of a delivery: its properties under Omnibus's names, then its header table. */
    static Headers fromDelivery(AMQP.BasicProperties p) {
        Map<String, Object> h = new LinkedHashMap<>();
        if (p.getContentType() != null) {
            h.put(OutgoingMessage.CONTENT_TYPE, p.getContentType());
        }
        if (p.getMessageId() != null) {
            h.put(OutgoingMessage.MESSAGE_ID, p.getMessageId());
        }
        if (p.getCorrelationId() != null) {
            h.put(OutgoingMessage.CORRELATION_ID, p.getCorrelationId());
        }
        if (p.getHeaders() != null) {
            p.getHeaders().forEach((k, v) -> {
                Object x = fromAmqp(v);
                if (x != null) {
                    h.putIfAbsent(k, x);
                }
            });
        }
        return Headers.of(h);
    }

    /** An AMQP header value as a JSON-compatible value: text as String, tables as maps, arrays as lists. */
    static Object fromAmqp(Object v) {
        if (v instanceof LongString ls) {
            return ls.toString();
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> t = new LinkedHashMap<>();
            map.forEach((k, x) -> t.put(String.valueOf(k), fromAmqp(x)));
            return t;
        }
        if (v instanceof List<?> list) {
            List<Object> l = new ArrayList<>(list.size());
            list.forEach(x -> l.add(fromAmqp(x)));
            return l;
        }
        if (v instanceof Date d) {
            return d.toInstant().toString();
        }
        if (v instanceof byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
        return v;
    }

    /** An upper bound of the encoded size of a header table, in bytes. */
    static int tableSize(Map<String, Object> table) {
        if (table == null) {
            return 0;
        }
        long size = 4;
        for (Map.Entry<String, Object> e : table.entrySet()) {
            size += 1 + utf8Length(e.getKey()) + 1 + valueSize(e.getValue());
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    @SuppressWarnings("unchecked")
    private static long valueSize(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof String s) {
            return 4 + utf8Length(s);
        }
        if (v instanceof LongString ls) {
            return 4 + ls.length();
        }
        if (v instanceof byte[] b) {
            return 4 + b.length;
        }
        if (v instanceof Map<?, ?> m) {
            return tableSize((Map<String, Object>) m);
        }
        if (v instanceof List<?> l) {
            long s = 4;
            for (Object x : l) {
                s += 1 + valueSize(x);
            }
            return s;
        }
        return 9;
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    /**
     * Shrinks {@code table} in place until it fits in {@code maxBytes}: the longest text value is
     * cut in half (ending in "…"), repeatedly; a value that cannot shrink further is dropped.
     * Returns whether anything was cut.
     */
    static boolean fit(Map<String, Object> table, int maxBytes) {
        boolean cut = false;
        for (int guard = 0; guard < 200 && tableSize(table) > maxBytes; guard++) {
            String longest = null;
            long longestSize = -1;
            for (Map.Entry<String, Object> e : table.entrySet()) {
                long s = valueSize(e.getValue());
                if (s > longestSize) {
                    longest = e.getKey();
                    longestSize = s;
                }
            }
            if (longest == null) {
                break;
            }
            Object v = table.get(longest);
            String text = v instanceof String s ? s : v instanceof LongString ls ? ls.toString() : null;
            if (text != null && text.length() > 128) {
                table.put(longest, text.substring(0, text.length() / 2) + "…");
            } else {
                table.remove(longest);
            }
            cut = true;
        }
        return cut;
    }
}
