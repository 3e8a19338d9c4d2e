package dev.omnibus;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Everything a message carries besides its body, field for field as MassTransit's JSON
 * envelope ({@code application/vnd.masstransit+json}) names it.
 *
 * <p>Only {@link #messageType()} is required to dispatch; every other field may be null when a
 * foreign producer left it out (MassTransit accepts an envelope holding only {@code message} and
 * {@code messageType}). Immutable; {@code withX} methods return copies.
 *
 * @param messageId      unique id of this message, a time-ordered UUIDv7 when Omnibus writes it
 * @param requestId      set on a request; a response copies it
 * @param correlationId  the business correlation (an order id, say); also the default partition key
 * @param conversationId kept across a whole flow of messages
 * @param initiatorId    the id of the message whose consumer produced this one
 * @param sourceAddress  the endpoint that sent it
 * @param destinationAddress where it was sent or published to
 * @param responseAddress where a response goes
 * @param faultAddress   where a {@link Fault} goes, if not to the response address
 * @param messageType    URNs of the message's type and of every message interface it implements
 * @param sentTime       when it was sent
 * @param expirationTime after which it may be discarded, or null
 * @param headers        application and bus headers
 * @param host           the process that wrote it
 */
public record Envelope(
        UUID messageId,
        UUID requestId,
        UUID correlationId,
        UUID conversationId,
        UUID initiatorId,
        URI sourceAddress,
        URI destinationAddress,
        URI responseAddress,
        URI faultAddress,
        List<String> messageType,
        Instant sentTime,
        Instant expirationTime,
        Headers headers,
        HostInfo host) {

    public Envelope {
        messageType = messageType == null ? List.of() : List.copyOf(messageType);
        headers = headers == null ? Headers.empty() : headers;
    }

    /** A copy with other headers. */
    public Envelope withHeaders(Headers newHeaders) {
        return new Envelope(messageId, requestId, correlationId, conversationId, initiatorId, sourceAddress,
                destinationAddress, responseAddress, faultAddress, messageType, sentTime, expirationTime,
                newHeaders, host);
    }

    /** A copy with another message id. */
    public Envelope withMessageId(UUID id) {
        return new Envelope(id, requestId, correlationId, conversationId, initiatorId, sourceAddress,
                destinationAddress, responseAddress, faultAddress, messageType, sentTime, expirationTime,
                headers, host);
    }

    /** A copy with another destination. */
    public Envelope withDestinationAddress(URI destination) {
        return new Envelope(messageId, requestId, correlationId, conversationId, initiatorId, sourceAddress,
                destination, responseAddress, faultAddress, messageType, sentTime, expirationTime,
                headers, host);
    }

    /** A copy with another response address. */
    public Envelope withResponseAddress(URI response) {
        return new Envelope(messageId, requestId, correlationId, conversationId, initiatorId, sourceAddress,
                destinationAddress, response, faultAddress, messageType, sentTime, expirationTime,
                headers, host);
    }
}
