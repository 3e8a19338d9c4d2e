package dev.omnibus.internal;

import dev.omnibus.ConsumeContext;
import dev.omnibus.Envelope;
import dev.omnibus.MessageType;
import dev.omnibus.spi.DecodedMessage;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.Serializer;
import java.util.List;

/**
 * What the receive pipeline knows about one delivery, filled in stage by stage: the delivery, then
 * its decoded envelope, its message type and consumers, then the consume context. Used by one
 * thread at a time (the worker running the delivery).
 */
final class ReceiveContext {
    final ReceiveEndpointRuntime endpoint;
    final Delivery delivery;
    Serializer serializer;
    DecodedMessage decoded;
    Envelope envelope;
    MessageType type;
    List<ConsumerBinding> consumers;
    /** The consume context the bus made; filters may pass a different view of it inward. */
    DefaultConsumeContext consumeContext;
    /** The context the current filter handed on (a redirected view, say). */
    ConsumeContext<?> current;
    /** The consumer running now, for fault headers; null outside the consumers. */
    String consumer;

    ReceiveContext(ReceiveEndpointRuntime endpoint, Delivery delivery) {
        this.endpoint = endpoint;
        this.delivery = delivery;
    }

    /** The message id for logs: the envelope's once decoded, else the transport header. */
    Object messageId() {
        if (envelope != null && envelope.messageId() != null) {
            return envelope.messageId();
        }
        return delivery.headers().get(dev.omnibus.spi.OutgoingMessage.MESSAGE_ID);
    }
}
