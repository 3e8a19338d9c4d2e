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
}
