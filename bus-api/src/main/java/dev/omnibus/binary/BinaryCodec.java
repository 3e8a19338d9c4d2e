package dev.omnibus.binary;

import dev.omnibus.SerializationException;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * The Omnibus binary form of a record, without an envelope: what {@link BinaryEnvelopeSerializer}
 * puts in its message field. Use it directly where the type is known from elsewhere (a stored
 * saga state, a benchmark):
 *
 * <pre>{@code
 * BinaryCodec codec = BinaryCodec.create();
 * byte[] bytes = codec.encode(new OrderSubmitted(id, "customer-1", total));
 * OrderSubmitted back = codec.decode(bytes, OrderSubmitted.class);
 * }</pre>
 *
 * <h2>The form</h2>
 * The record's components in declaration order, no names and no tags: ints and longs as zig-zag
 * varints, strings as a varint length and UTF-8, UUIDs as 16 bytes, decimals as scale and
 * unscaled value, {@code java.time} values as numbers, enums by ordinal, nested records inline,
 * collections, maps and arrays as a count and their elements; every reference value has a
 * presence byte (strings fold it into their length), so null round-trips everywhere. A component
 * of any other concrete type is written through Jackson as JSON, for that component only.
 * Components of abstract or interface types (other than the collections) fail when the codec is
 * built, naming the component.
 *
 * <h2>Schemas</h2>
 * There is no schema file: the codec of a type is derived from the record's components, once, on
 * first use, and cached. Writer and reader must have the same components in the same order;
 * {@link #fingerprint(Type)} is a 64-bit hash of that layout (component names and types,
 * recursively, not the class's name), which the envelope carries so that a mismatch fails with
 * the type's name instead of misreading. Bare bytes from {@link #encode} carry no fingerprint.
 *
 * <h2>Failures</h2>
 * Everything fails with a {@link SerializationException} (never retryable): a type that is not a
 * record, a component type the codec cannot handle, bytes that are truncated, overlong or have
 * bytes left over, a value the record's constructor rejects. Reading allocates nothing from a
 * length or count before checking it against the bytes left.
 *
 * <h2>Threading</h2>
 * Thread-safe; share one. Building a type's codec takes a lock once per type.
 */
public final class BinaryCodec {
    private final Codecs codecs;

    private BinaryCodec(Codecs codecs) {
        this.codecs = codecs;
    }

    /** A codec with its own cache of per-type codecs. */
    public static BinaryCodec create() {
        return new BinaryCodec(new Codecs());
    }

    /**
     * The bytes of {@code record}.
     *
     * @throws SerializationException if it is not a record or a component cannot be written
     */
    public byte[] encode(Object record) {
        Objects.requireNonNull(record, "record");
        RecordCodec codec = recordCodec(record.getClass());
        BinaryWriter w = BinaryWriter.acquire();
        try {
            codec.writeBody(w, record);
            return w.toByteArray();
        } finally {
            w.release();
        }
    }

    /**
     * Reads bytes written by {@link #encode} for a record of {@code type}.
     *
     * @throws SerializationException if the bytes are not a {@code type}
     */
    public <T> T decode(byte[] bytes, Class<T> type) {
        return type.cast(decode(bytes, (Type) type));
    }

    /** As {@link #decode(byte[], Class)}, for a parameterized record type such as {@code Fault<T>}. */
    public Object decode(byte[] bytes, Type type) {
        Objects.requireNonNull(bytes, "bytes");
        return read(bytes, 0, recordCodec(type));
    }

    /** The schema fingerprint of a record type: equal on both sides when they read each other. */
    public long fingerprint(Type type) {
        return recordCodec(type).fingerprint();
    }

    /** The codec of a record type (a class or a parameterized record). */
    RecordCodec recordCodec(Type type) {
        if (type instanceof Class<?> k && k.isRecord()) {
            return (RecordCodec) codecs.forClass(k);
        }
        if (Types.raw(type).isRecord() && codecs.of(type) instanceof RecordCodec rc) {
            return rc;
        }
        throw new SerializationException(type.getTypeName() + " is not a record: the binary codec writes and "
                + "binds records (register the record type, not an interface)");
    }

    /** The record from {@code offset} to the end of {@code bytes}; bytes left over are an error. */
    static Object read(byte[] bytes, int offset, RecordCodec codec) {
        BinaryReader r = new BinaryReader(bytes, offset, bytes.length);
        Object value = codec.readBody(r);
        if (r.remaining() != 0) {
            throw new SerializationException(r.remaining() + " bytes left over after " + codec.describe()
                    + ": not written for this type, or corrupt");
        }
        return value;
    }
}
