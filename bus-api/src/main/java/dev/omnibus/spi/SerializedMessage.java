package dev.omnibus.spi;

import dev.omnibus.Headers;

/**
 * The output of a {@link Serializer}.
 *
 * @param body             the bytes to send
 * @param contentType      their content type
 * @param transportHeaders headers the format wants carried beside the body (may be empty)
 */
public record SerializedMessage(byte[] body, String contentType, Headers transportHeaders) {
    public SerializedMessage {
        transportHeaders = transportHeaders == null ? Headers.empty() : transportHeaders;
    }
}
