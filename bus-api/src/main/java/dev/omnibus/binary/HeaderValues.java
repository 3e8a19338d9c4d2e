package dev.omnibus.binary;

import dev.omnibus.Headers;
import dev.omnibus.SerializationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Header values in the binary envelope: a tag byte, then the value. The kinds are the JSON
 * envelope's (text, numbers, booleans, lists and maps of those); UUIDs, URIs, java.time values,
 * enums and other {@link CharSequence}s are written as text, as the JSON envelope writes them, so
 * they read back as strings. Any other value fails the write with the header's name.
 */
final class HeaderValues {
    private static final int NULL = 0;
    private static final int TEXT = 1;
    private static final int INT = 2;
    private static final int LONG = 3;
    private static final int TRUE = 4;
    private static final int FALSE = 5;
    private static final int DOUBLE = 6;
    private static final int BIG_INTEGER = 7;
    private static final int BIG_DECIMAL = 8;
    private static final int LIST = 9;
    private static final int MAP = 10;

    private HeaderValues() {
    }

    static void write(BinaryWriter w, Headers headers) {
        Map<String, Object> m = headers.asMap();
        w.writeVarint(m.size());
        for (Map.Entry<String, Object> e : m.entrySet()) {
            w.writeString(e.getKey());
            writeValue(w, e.getKey(), e.getValue());
        }
    }

    static Headers read(BinaryReader r) {
        int n = r.readCount("header count", 2);
        if (n == 0) {
            return Headers.empty();
        }
        Map<String, Object> m = new LinkedHashMap<>(Math.max(4, (int) (n / .75f) + 1));
        for (int i = 0; i < n; i++) {
            String name = r.readString("header name");
            if (name == null) {
                throw new SerializationException("header " + i + " has no name");
            }
            m.put(name, readValue(r));
        }
        return Headers.of(m);
    }

    private static void writeValue(BinaryWriter w, String name, Object v) {
        if (v == null) {
            w.writeByte(NULL);
        } else if (v instanceof String s) {
            w.writeByte(TEXT);
            w.writeString(s);
        } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            w.writeByte(INT);
            w.writeZigZagInt(((Number) v).intValue());
        } else if (v instanceof Long l) {
            w.writeByte(LONG);
            w.writeZigZagLong(l);
        } else if (v instanceof Boolean b) {
            w.writeByte(b ? TRUE : FALSE);
        } else if (v instanceof Double || v instanceof Float) {
            w.writeByte(DOUBLE);
            w.writeLong(Double.doubleToRawLongBits(((Number) v).doubleValue()));
        } else if (v instanceof BigInteger b) {
            w.writeByte(BIG_INTEGER);
            ValueCodec.BIG_INTEGER.write(w, b);
        } else if (v instanceof BigDecimal d) {
            w.writeByte(BIG_DECIMAL);
            ValueCodec.BIG_DECIMAL.write(w, d);
        } else if (v instanceof List<?> list) {
            w.writeByte(LIST);
            w.writeVarint(list.size());
            for (Object e : list) {
                writeValue(w, name, e);
            }
        } else if (v instanceof Map<?, ?> map) {
            w.writeByte(MAP);
            w.writeVarint(map.size());
            for (Map.Entry<?, ?> e : map.entrySet()) {
                w.writeString(String.valueOf(e.getKey()));
                writeValue(w, name, e.getValue());
            }
        } else if (v instanceof CharSequence || v instanceof java.util.UUID || v instanceof java.net.URI
                || v instanceof java.time.temporal.TemporalAccessor || v instanceof java.time.Duration || v instanceof Enum<?>) {
            w.writeByte(TEXT);
            w.writeString(v.toString());
        } else {
            throw new SerializationException("header " + name + " holds a " + v.getClass().getName()
                    + ": binary envelope headers are text, numbers, booleans, lists and maps");
        }
    }

    private static Object readValue(BinaryReader r) {
        int tag = r.readByte("header value tag");
        switch (tag) {
            case NULL:
                return null;
            case TEXT:
                return r.readString("header text");
            case INT:
                return r.readZigZagInt("header int");
            case LONG:
                return r.readZigZagLong("header long");
            case TRUE:
                return Boolean.TRUE;
            case FALSE:
                return Boolean.FALSE;
            case DOUBLE:
                return Double.longBitsToDouble(r.readLong("header double"));
            case BIG_INTEGER:
                return ValueCodec.BIG_INTEGER.read(r);
            case BIG_DECIMAL:
                return ValueCodec.BIG_DECIMAL.read(r);
            case LIST: {
                int n = r.readCount("header list count", 1);
                r.enter();
                List<Object> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(readValue(r));
                }
                r.leave();
                return out;
            }
            case MAP: {
                int n = r.readCount("header map count", 2);
                r.enter();
                Map<String, Object> out = new LinkedHashMap<>(Math.max(4, (int) (n / .75f) + 1));
                for (int i = 0; i < n; i++) {
                    String key = r.readString("header map key");
                    out.put(key, readValue(r));
                }
                r.leave();
                return out;
            }
            default:
                throw new SerializationException("header value tag " + tag + " is unknown (at offset "
                        + (r.position() - 1) + ")");
        }
    }
}
