package dev.omnibus.binary;

import dev.omnibus.SerializationException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Writes and reads values of one Java type in the binary format. A codec of a reference type
 * writes null itself (a presence byte, or a zero length for strings), so every value, null or
 * not, takes at least one byte; codecs of primitive types are used only for record components of
 * that primitive type. Immutable and thread-safe.
 */
abstract class ValueCodec {
    /**
     * The shape of what this codec writes (set once; a record codec sets it after its components), e.g. {@code i32}, {@code list<str>}, {@code {id:uuid,…}};
     * hashed into a record's schema fingerprint.
     */
    String shape;

    private long fingerprint;

    ValueCodec(String shape) {
        this.shape = shape;
    }

    /** A 64-bit FNV-1a hash of {@link #shape}: equal shapes write and read the same bytes. */
    final long fingerprint() {
        long f = fingerprint;
        if (f == 0) {
            f = 0xcbf29ce484222325L;
            for (byte b : shape.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                f ^= b & 0xFF;
                f *= 0x100000001b3L;
            }
            fingerprint = f;
        }
        return f;
    }

    /** What this codec writes, for error messages: a record's class name, else its shape. */
    String describe() {
        return shape;
    }

    abstract void write(BinaryWriter w, Object value);

    abstract Object read(BinaryReader r);

    /** A reference type's codec: a presence byte (0 null, 1 a value), then the value. */
    abstract static class Nullable extends ValueCodec {
        Nullable(String shape) {
            super(shape);
        }

        @Override
        final void write(BinaryWriter w, Object value) {
            if (value == null) {
                w.writeByte(0);
            } else {
                w.writeByte(1);
                writeValue(w, value);
            }
        }

        @Override
        final Object read(BinaryReader r) {
            if (r.remaining() <= 0) {
                throw r.truncated("presence byte of " + describe());
            }
            int presence = r.readByte("presence byte");
            if (presence == 0) {
                return null;
            }
            if (presence != 1) {
                throw new SerializationException("presence byte of " + describe() + " is " + presence
                        + " (expected 0 or 1) at offset " + (r.position() - 1));
            }
            return readValue(r);
        }

        abstract void writeValue(BinaryWriter w, Object value);

        abstract Object readValue(BinaryReader r);
    }

    // ------------------------------------------------------------------ primitives (record components only)

    static final ValueCodec BOOLEAN = new ValueCodec("bool") {
        @Override
        void write(BinaryWriter w, Object value) {
            w.writeByte((Boolean) value ? 1 : 0);
        }

        @Override
        Object read(BinaryReader r) {
            return bool(r, "bool");
        }
    };

    static final ValueCodec INT = new ValueCodec("i32") {
        @Override
        void write(BinaryWriter w, Object value) {
            w.writeZigZagInt(((Number) value).intValue());
        }

        @Override
        Object read(BinaryReader r) {
            return r.readZigZagInt("i32");
        }
    };

    static final ValueCodec BYTE = new ValueCodec("i8") {
        @Override
        void write(BinaryWriter w, Object value) {
            w.writeByte((Byte) value);
        }

        @Override
        Object read(BinaryReader r) {
            return (byte) r.readByte("i8");
        }
    };

    static final ValueCodec SHORT = new ValueCodec("i16") {
        @Override
        void write(BinaryWriter w, Object value) {
            w.writeZigZagInt((Short) value);
        }

        @Override
        Object read(BinaryReader r) {
            int v = r.readZigZagInt("i16");
            if (v != (short) v) {
                throw new SerializationException("i16 value " + v + " does not fit a short");
            }
            return (short) v;
        }
    };

    static final ValueCodec CHAR = new ValueCodec("char") {
        @Override
        void write(BinaryWriter w, Object value) {
            w.writeVarint((Character) value);
        }

        @Override
        Object read(BinaryReader r) {
            int v = r.readVarint("char");
            if (v > Character.MAX_VALUE) {
                throw new SerializationException("char value " + v + " is not a UTF-16 unit");
            }
            return (char) v;
        }
    };

    static final ValueCodec LONG = new ValueCodec("i64") {
        @Override
        void write(BinaryWriter w, Object value) {
            w.writeZigZagLong((Long) value);
        }

        @Override
        Object read(BinaryReader r) {
            return r.readZigZagLong("i64");
        }
    };

    static final ValueCodec FLOAT = new ValueCodec("f32") {
        @Override
        void write(BinaryWriter w, Object value) {
            w.writeLong(Float.floatToRawIntBits((Float) value) & 0xFFFFFFFFL);
        }

        @Override
        Object read(BinaryReader r) {
            return Float.intBitsToFloat((int) r.readLong("f32"));
        }
    };

    static final ValueCodec DOUBLE = new ValueCodec("f64") {
        @Override
        void write(BinaryWriter w, Object value) {
            w.writeLong(Double.doubleToRawLongBits((Double) value));
        }

        @Override
        Object read(BinaryReader r) {
            return Double.longBitsToDouble(r.readLong("f64"));
        }
    };

    static boolean bool(BinaryReader r, String what) {
        int b = r.readByte(what);
        if (b > 1) {
            throw new SerializationException(what + " byte is " + b + " (expected 0 or 1) at offset " + (r.position() - 1));
        }
        return b == 1;
    }

    /** A primitive codec as the codec of its boxed type: a presence byte first. */
    static ValueCodec boxed(ValueCodec primitive) {
        return new Nullable(primitive.shape + "?") {
            @Override
            void writeValue(BinaryWriter w, Object value) {
                primitive.write(w, value);
            }

            @Override
            Object readValue(BinaryReader r) {
                return primitive.read(r);
            }
        };
    }

    // ------------------------------------------------------------------ references

    /** varint(UTF-8 length + 1), 0 for null. */
    static final ValueCodec STRING = new ValueCodec("str") {
        @Override
        void write(BinaryWriter w, Object value) {
            w.writeString((String) value);
        }

        @Override
        Object read(BinaryReader r) {
            return r.readString("string");
        }
    };

    /** 16 bytes, most significant first. */
    static final ValueCodec UUID_CODEC = new Nullable("uuid") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            UUID id = (UUID) value;
            w.writeLong(id.getMostSignificantBits());
            w.writeLong(id.getLeastSignificantBits());
        }

        @Override
        Object readValue(BinaryReader r) {
            return uuid(r, "uuid");
        }
    };

    static UUID uuid(BinaryReader r, String what) {
        return new UUID(r.readLong(what), r.readLong(what));
    }

    /** Zig-zag scale, then 0 and a zig-zag long unscaled value, or 1 and the two's-complement bytes. */
    static final ValueCodec BIG_DECIMAL = new Nullable("dec") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            BigDecimal d = (BigDecimal) value;
            w.writeZigZagInt(d.scale());
            if (d.precision() <= 18) {
                w.writeByte(0);
                w.writeZigZagLong(d.unscaledValue().longValue());
            } else {
                w.writeByte(1);
                byte[] b = d.unscaledValue().toByteArray();
                w.writeVarint(b.length);
                w.writeBytes(b, 0, b.length);
            }
        }

        @Override
        Object readValue(BinaryReader r) {
            int scale = r.readZigZagInt("decimal scale");
            if (!dev.omnibus.internal.InputLimits.decimalScaleAllowed(scale)) {
                throw new SerializationException("decimal scale is " + scale + ", outside ±"
                        + dev.omnibus.internal.InputLimits.MAX_DECIMAL_SCALE);
            }
            int form = r.readByte("decimal form");
            if (form == 0) {
                return BigDecimal.valueOf(r.readZigZagLong("decimal"), scale);
            }
            if (form != 1) {
                throw new SerializationException("decimal form byte is " + form + " (expected 0 or 1)");
            }
            return new BigDecimal(bigInteger(r), scale);
        }
    };

    static final ValueCodec BIG_INTEGER = new Nullable("int") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            byte[] b = ((BigInteger) value).toByteArray();
            w.writeVarint(b.length);
            w.writeBytes(b, 0, b.length);
        }

        @Override
        Object readValue(BinaryReader r) {
            return bigInteger(r);
        }
    };

    static BigInteger bigInteger(BinaryReader r) {
        int n = r.readLength("big integer length");
        if (n == 0) {
            throw new SerializationException("big integer has no bytes");
        }
        BigInteger v = new BigInteger(r.buffer(), r.position(), n);
        r.skip(n);
        return v;
    }

    /** Zig-zag epoch seconds, then nanoseconds. */
    static final ValueCodec INSTANT = new Nullable("instant") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            Instant t = (Instant) value;
            w.writeZigZagLong(t.getEpochSecond());
            w.writeVarint(t.getNano());
        }

        @Override
        Object readValue(BinaryReader r) {
            return instant(r, "instant");
        }
    };

    static Instant instant(BinaryReader r, String what) {
        long seconds = r.readZigZagLong(what);
        int nanos = r.readVarint(what);
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (RuntimeException e) {
            throw new SerializationException(what + " is out of range: " + seconds + " s " + nanos + " ns");
        }
    }

    static final ValueCodec DURATION = new Nullable("duration") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            Duration d = (Duration) value;
            w.writeZigZagLong(d.getSeconds());
            w.writeVarint(d.getNano());
        }

        @Override
        Object readValue(BinaryReader r) {
            long seconds = r.readZigZagLong("duration");
            int nanos = r.readVarint("duration");
            if (nanos > 999_999_999) {
                throw new SerializationException("duration nanoseconds " + nanos + " out of range");
            }
            return Duration.ofSeconds(seconds, nanos);
        }
    };

    /** Zig-zag epoch day. */
    static final ValueCodec LOCAL_DATE = new Nullable("date") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            w.writeZigZagLong(((LocalDate) value).toEpochDay());
        }

        @Override
        Object readValue(BinaryReader r) {
            return date(r);
        }
    };

    /** Nanosecond of the day. */
    static final ValueCodec LOCAL_TIME = new Nullable("time") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            w.writeVarlong(((LocalTime) value).toNanoOfDay());
        }

        @Override
        Object readValue(BinaryReader r) {
            return time(r);
        }
    };

    static final ValueCodec LOCAL_DATE_TIME = new Nullable("datetime") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            LocalDateTime t = (LocalDateTime) value;
            w.writeZigZagLong(t.toLocalDate().toEpochDay());
            w.writeVarlong(t.toLocalTime().toNanoOfDay());
        }

        @Override
        Object readValue(BinaryReader r) {
            return LocalDateTime.of(date(r), time(r));
        }
    };

    /** The local date-time, then the offset in seconds. */
    static final ValueCodec OFFSET_DATE_TIME = new Nullable("offsetdatetime") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            OffsetDateTime t = (OffsetDateTime) value;
            w.writeZigZagLong(t.toLocalDate().toEpochDay());
            w.writeVarlong(t.toLocalTime().toNanoOfDay());
            w.writeZigZagInt(t.getOffset().getTotalSeconds());
        }

        @Override
        Object readValue(BinaryReader r) {
            LocalDate d = date(r);
            LocalTime t = time(r);
            int offset = r.readZigZagInt("offset");
            try {
                return OffsetDateTime.of(d, t, ZoneOffset.ofTotalSeconds(offset));
            } catch (RuntimeException e) {
                throw new SerializationException("offset " + offset + " s is out of range");
            }
        }
    };

    static LocalDate date(BinaryReader r) {
        long day = r.readZigZagLong("date");
        try {
            return LocalDate.ofEpochDay(day);
        } catch (RuntimeException e) {
            throw new SerializationException("date epoch day " + day + " is out of range");
        }
    }

    static LocalTime time(BinaryReader r) {
        long nanos = r.readVarlong("time");
        try {
            return LocalTime.ofNanoOfDay(nanos);
        } catch (RuntimeException e) {
            throw new SerializationException("time of day " + nanos + " ns is out of range");
        }
    }

    static final ValueCodec URI_CODEC = new Nullable("uri") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            w.writeString(value.toString());
        }

        @Override
        Object readValue(BinaryReader r) {
            return uri(r.readString("uri"));
        }
    };

    static URI uri(String text) {
        if (text == null) {
            throw new SerializationException("uri is missing its text");
        }
        try {
            return new URI(text);
        } catch (java.net.URISyntaxException e) {
            throw new SerializationException("not a URI: " + e.getMessage());
        }
    }

    /** Raw bytes: a length, then the bytes. */
    static final ValueCodec BYTES = new Nullable("bytes") {
        @Override
        void writeValue(BinaryWriter w, Object value) {
            byte[] b = (byte[]) value;
            w.writeVarint(b.length);
            w.writeBytes(b, 0, b.length);
        }

        @Override
        Object readValue(BinaryReader r) {
            return r.readBytes(r.readLength("byte array length"));
        }
    };
}
