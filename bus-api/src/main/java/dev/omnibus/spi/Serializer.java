package dev.omnibus.spi;

import dev.omnibus.Envelope;
import dev.omnibus.Headers;
import dev.omnibus.SerializationException;

/**
 * Turns an envelope and a message into bytes and back. The bus picks a serializer for incoming
 * bytes by their {@code Content-Type} transport header, and uses the endpoint's default one when
 * that header is missing or unknown.
 *
 * <p>Deserialization has two steps so that no class is chosen by the message: {@link #deserialize}
 * reads the envelope (and with it the message type URNs); the bus then looks those URNs up in its
 * registry and asks {@link DecodedMessage#message(java.lang.reflect.Type)} to bind the body to
 * the registered Java type.
 *
 * <p>Implementations must be thread-safe and stateless between calls.
 */
public interface Serializer {
    /** The content type written by this serializer, e.g. {@code application/vnd.masstransit+json}. */
    String contentType();

    /**
     * Writes {@code message} with {@code envelope}.
     *
     * @return the body, and any transport headers the format needs (a raw-body format carries the
     *         envelope fields there)
     * @throws SerializationException if the message cannot be written
     */
    SerializedMessage serialize(Envelope envelope, Object message);

    /**
     * Reads the envelope of {@code body}; the message itself is bound later.
     *
     * @param transportHeaders the headers the transport delivered beside the body
     * @throws SerializationException if the body is not in this format; the message says why
     */
    DecodedMessage deserialize(byte[] body, Headers transportHeaders);
}
