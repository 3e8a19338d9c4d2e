package dev.omnibus.binary;

import dev.omnibus.Envelope;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.DecodedMessage;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * A binary envelope read, and its message still bytes. {@link #message(Type)} checks the
 * fingerprint the sender wrote against the codec of the type asked for, then binds; it remembers
 * the last binding, so consumers of the same type share one instance. Safe to use from several
 * threads: a race binds twice, harmlessly.
 */
final class BinaryDecodedMessage implements DecodedMessage {
    private final Envelope envelope;
    private final byte[] body;
    private final int offset;
    private final long fingerprint;
    private final BinaryCodec codec;
    private volatile Bound last;

    BinaryDecodedMessage(Envelope envelope, byte[] body, int offset, long fingerprint, BinaryCodec codec) {
        this.envelope = envelope;
        this.body = body;
        this.offset = offset;
        this.fingerprint = fingerprint;
        this.codec = codec;
    }

    @Override
    public Envelope envelope() {
        return envelope;
    }

    @Override
    public Object message(Type type) {
        Objects.requireNonNull(type, "type");
        Bound b = last;
        if (b != null && b.type.equals(type)) {
            return b.value;
        }
        Object value;
        try {
            RecordCodec rc = codec.recordCodec(type);
            if (rc.fingerprint() != fingerprint) {
                throw new SerializationException("message was written with schema fingerprint "
                        + Long.toHexString(fingerprint) + " but " + type.getTypeName() + " here has "
                        + Long.toHexString(rc.fingerprint())
                        + ": sender and receiver have different versions of the record (components added, removed,"
                        + " renamed, retyped or reordered)");
            }
            value = BinaryCodec.read(body, offset, rc);
        } catch (SerializationException e) {
            throw new SerializationException("message does not fit " + type.getTypeName() + " (messageId "
                    + envelope.messageId() + "): " + e.getMessage(), e);
        }
        last = new Bound(type, value);
        return value;
    }

    @Override
    public String toString() {
        return "DecodedMessage[messageId=" + envelope.messageId() + ", messageType=" + envelope.messageType() + "]";
    }

    private record Bound(Type type, Object value) {
    }
}
