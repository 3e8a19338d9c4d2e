package dev.omnibus.spi;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A message a consumer produced and the bus held back until its delivery is settled (an endpoint
 * with {@code ReceiveEndpointBuilder.useInMemoryOutbox()}): encoded exactly as it would have been
 * handed to the transport, and handed to {@link Delivery#ackWith} with the delivery's settlement.
 *
 * @param type        the message's registered type (a transport reads {@link MessageType#urn()} to publish)
 * @param destination the endpoint it is sent to, or null when it is published to its type's subscribers
 * @param message     what goes to the transport
 * @param reply       the destination came from a consumed message (its response or fault address): it
 *                    goes through {@link Transport#reply}, which never creates what it names
 */
public record ProducedMessage(MessageType type, Address destination, OutgoingMessage message, boolean reply) {
    public ProducedMessage {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
        if (reply && destination == null) {
            throw new IllegalArgumentException("a reply needs its destination");
        }
    }

    /** A publish (no destination) or a send that is not a reply. */
    public ProducedMessage(MessageType type, Address destination, OutgoingMessage message) {
        this(type, destination, message, false);
    }

    /** True for a publish (no destination), false for a send. */
    public boolean published() {
        return destination == null;
    }

    /**
     * Hands it to {@code transport} as the bus would have when it was produced: {@link Transport#publish},
     * {@link Transport#reply} or {@link Transport#send}. The future completes when the transport confirmed it, and fails (never
     * throws) when it could not.
     */
    public CompletableFuture<Void> sendThrough(Transport transport) {
        try {
            return published() ? transport.publish(type, message)
                    : reply ? transport.reply(destination, message) : transport.send(destination, message);
        } catch (RuntimeException e) { // a transport breaking its contract: still a failed future
            return CompletableFuture.failedFuture(e);
        }
    }
}
