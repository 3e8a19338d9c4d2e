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
 * {@code correlation_id}, as MassTransit writes them; everything else goes to the header table.
 * Thread-safe (stateless).
 */
final class AmqpHeaders {
    /** Room left in a frame for the properties other than the header table, and for framing. */
    static final int FRAME_OVERHEAD = 4096;
    private static final int SHORTSTR_MAX = 255;

    private AmqpHeaders() {
    }

    /** The AMQP properties of an outgoing message: persistent, with its expiration in ms. */
    static AMQP.BasicProperties properties(OutgoingMessage m, long nowMillis) {
        Map<String, Object> table = new LinkedHashMap<>();
        String contentType = null;
        String messageId = null;
        String correlationId = null;
        for (Map.Entry<String, Object> e : m.headers().asMap().entrySet()) {
            String k = e.getKey();
            Object v = e.getValue();
            if (k.equals(OutgoingMessage.CONTENT_TYPE) && fitsShort(v)) {
                contentType = v.toString();
            } else if (k.equals(OutgoingMessage.MESSAGE_ID) && fitsShort(v)) {
                messageId = v.toString();
            } else if (k.equals(OutgoingMessage.CORRELATION_ID) && fitsShort(v)) {
                correlationId = v.toString();
            } else {
                table.put(k, toAmqp(v));
            }
        }
        AMQP.BasicProperties.Builder b = new AMQP.BasicProperties.Builder()
                .deliveryMode(2)
                .contentType(contentType)
                .messageId(messageId)
                .correlationId(correlationId)
                .headers(table.isEmpty() ? null : table);
        if (m.expiration() != null) {
            long ms = Math.max(1, m.expiration().toEpochMilli() - nowMillis);
            b.expiration(Long.toString(ms));
        }
        return b.build();
    }

    private static boolean fitsShort(Object v) {
        return v != null && v.toString().getBytes(StandardCharsets.UTF_8).length <= SHORTSTR_MAX;
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
