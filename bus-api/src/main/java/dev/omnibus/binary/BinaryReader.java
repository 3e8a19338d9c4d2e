package dev.omnibus.binary;

import dev.omnibus.SerializationException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads the binary format from a byte range, checking every step: a read past the end, a varint
 * longer than its type, or a length or count larger than the bytes left is a
 * {@link SerializationException} saying so. Nothing is allocated from a length before it is
 * checked against the bytes left, and every element of a collection takes at least one byte, so
 * a count is bounded the same way. Nesting deeper than {@link #MAX_DEPTH} fails too. Not
 * thread-safe; one per decode.
 */
final class BinaryReader {
    /** Deepest nesting of records, collections and header values read. */
    static final int MAX_DEPTH = 200;

    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final byte[] buf;
    private final int limit;
    private int pos;
    private int depth;

    BinaryReader(byte[] buf, int offset, int limit) {
        this.buf = buf;
        this.pos = offset;
        this.limit = limit;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return limit - pos;
    }

    byte[] buffer() {
        return buf;
    }

    void skip(int n) {
        pos += n;
    }

    SerializationException truncated(String what) {
        return new SerializationException("truncated: " + what + " runs past the end of the " + limit
                + "-byte body (at offset " + pos + ")");
    }

    void enter() {
        if (++depth > MAX_DEPTH) {
            throw new SerializationException("nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    void leave() {
        depth--;
    }

    int readByte(String what) {
        if (pos >= limit) {
            throw truncated(what);
        }
        return buf[pos++] & 0xFF;
    }

    /** A varint of at most 5 bytes, all 32 bits (a length or count above 2^31 comes back negative). */
    int readVarint(String what) {
        int result = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos >= limit) {
                throw truncated(what);
            }
            int b = buf[pos++];
            result |= (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 28 && (b & 0x70) != 0) {
                    break;
                }
                return result;
            }
        }
        throw new SerializationException(what + " is not a valid varint (too long) at offset " + pos);
    }

    long readVarlong(String what) {
        long result = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= limit) {
                throw truncated(what);
            }
            int b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                if (shift == 63 && (b & 0x7E) != 0) {
                    break;
                }
                return result;
            }
        }
        throw new SerializationException(what + " is not a valid varint (too long) at offset " + pos);
    }

    int readZigZagInt(String what) {
        int v = readVarint(what);
        return (v >>> 1) ^ -(v & 1);
    }

    long readZigZagLong(String what) {
        long v = readVarlong(what);
        return (v >>> 1) ^ -(v & 1);
    }

    long readLong(String what) {
        if (limit - pos < 8) {
            throw truncated(what);
        }
        long v = (long) LONG_BE.get(buf, pos);
        pos += 8;
        return v;
    }

    /** A length of bytes to follow, checked against the bytes left. */
    int readLength(String what) {
        int n = readVarint(what);
        if (n < 0 || n > limit - pos) {
            throw tooLong(what, n & 0xFFFFFFFFL);
        }
        return n;
    }

    /**
     * A count of elements to follow, each at least {@code minBytes} long, checked against the
     * bytes left so that no collection is sized from an unchecked number.
     */
    int readCount(String what, int minBytes) {
        int n = readVarint(what);
        if (n < 0 || (long) n * minBytes > limit - pos) {
            throw tooLong(what, n & 0xFFFFFFFFL);
        }
        return n;
    }

    private SerializationException tooLong(String what, long n) {
        return new SerializationException(what + " claims " + n + " but only " + (limit - pos)
                + " bytes are left (at offset " + pos + "): truncated or corrupt");
    }

    /** A string written by {@link BinaryWriter#writeString}, or null. */
    String readString(String what) {
        int n = readVarint(what);
        if (n == 0) {
            return null;
        }
        n--;
        if (n < 0 || n > limit - pos) {
            throw tooLong(what + " length", n & 0xFFFFFFFFL);
        }
        String s = new String(buf, pos, n, StandardCharsets.UTF_8);
        pos += n;
        return s;
    }

    byte[] readBytes(int n) {
        byte[] b = new byte[n];
        System.arraycopy(buf, pos, b, 0, n);
        pos += n;
        return b;
    }
}
