package dev.omnibus.spi;

import dev.omnibus.Envelope;
import dev.omnibus.SerializationException;
import java.lang.reflect.Type;

/** A message whose envelope has been read and whose body is not bound yet. */
public interface DecodedMessage {
    /** The envelope; {@code messageType()} lists the URNs the sender wrote. */
    Envelope envelope();

    /**
     * Binds the body to {@code type}, a type from the bus's registry.
     *
     * @throws SerializationException if the body does not fit the type
     */
    Object message(Type type);

    /**
     * For a message an in-process transport passes by reference ({@link OutgoingMessage#reference()}):
     * its bytes, written on demand by the producing bus's serializer, for when something needs bytes after
     * all (a move to an error or skipped queue, a reader below the bus). Null for a message that came as
     * bytes (the default), whose delivery already has them.
     *
     * @throws dev.omnibus.SerializationException if the serializer cannot write the message
     */
    default SerializedMessage serialize() {
        return null;
    }
}
