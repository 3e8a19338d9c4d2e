package dev.omnibus.binary;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer with the binary format's primitives: unsigned LEB128 varints for
 * lengths and counts, zig-zag varints for signed numbers, big-endian fixed 8-byte words for ids and
 * floating point. One per encode; {@link #acquire()} hands out a per-thread one so that a busy
 * thread does not regrow a buffer per message. Not thread-safe.
 */
final class BinaryWriter {
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int INITIAL = 512;
    /** A per-thread buffer that grew past this is dropped rather than kept. */
    private static final int KEEP_AT_MOST = 64 * 1024;
    private static final ThreadLocal<BinaryWriter> PER_THREAD = ThreadLocal.withInitial(BinaryWriter::new);

    private byte[] buf = new byte[INITIAL];
    private int pos;
    private boolean inUse;

    /** The calling thread's writer, emptied; {@link #release()} it when done. */
    static BinaryWriter acquire() {
        BinaryWriter w = PER_THREAD.get();
        if (w.inUse) {
            return new BinaryWriter(); // re-entered (an encode inside an encode): do not share
        }
        w.inUse = true;
        w.pos = 0;
        return w;
    }

    void release() {
        inUse = false;
        if (buf.length > KEEP_AT_MOST) {
            buf = new byte[INITIAL];
        }
    }

    int position() {
        return pos;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }

    /** A copy of bytes {@code from} to the current position. */
    byte[] copyFrom(int from) {
        return Arrays.copyOfRange(buf, from, pos);
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            grow(n);
        }
    }

    private void grow(int n) {
        long needed = (long) pos + n;
        if (needed > Integer.MAX_VALUE - 16) {
            throw new dev.omnibus.SerializationException("message is larger than 2 GB");
        }
        buf = Arrays.copyOf(buf, (int) Math.max(needed, Math.min(Integer.MAX_VALUE - 16, buf.length * 2L)));
    }

    /**
     * Turns the placeholder byte at {@code at} into the varint length of the bytes written after
     * it, moving them when the length needs more than one byte.
     */
    void patchLength(int at) {
        int len = pos - at - 1;
        if (len < 128) {
            buf[at] = (byte) len;
            return;
        }
        int extra = (32 - Integer.numberOfLeadingZeros(len) + 6) / 7 - 1;
        ensure(extra);
        System.arraycopy(buf, at + 1, buf, at + 1 + extra, len);
        int end = pos + extra;
        pos = at;
        writeVarint(len);
        pos = end;
    }

    void writeByte(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
    }

    /** An unsigned varint: 7 bits a byte, low bits first. */
    void writeVarint(int v) {
        ensure(5);
        while ((v & ~0x7F) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    void writeVarlong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    void writeZigZagInt(int v) {
        writeVarint((v << 1) ^ (v >> 31));
    }

    void writeZigZagLong(long v) {
        writeVarlong((v << 1) ^ (v >> 63));
    }

    void writeLong(long v) {
        ensure(8);
        LONG_BE.set(buf, pos, v);
        pos += 8;
    }

    void writeBytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }

    /** A string as varint(length + 1) and its UTF-8 bytes; null is a single 0. */
    void writeString(String s) {
        if (s == null) {
            writeByte(0);
            return;
        }
        int n = s.length();
        if (n < 127) {
            // Fast path: ASCII written straight into the buffer behind a one-byte length.
            ensure(n + 1);
            int start = pos;
            buf[start] = (byte) (n + 1);
            int i = 0;
            for (; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) {
                    break;
                }
                buf[start + 1 + i] = (byte) c;
            }
            if (i == n) {
                pos = start + 1 + n;
                return;
            }
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        writeVarint(utf8.length + 1);
        writeBytes(utf8, 0, utf8.length);
    }
}
