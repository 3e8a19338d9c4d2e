package dev.omnibus.internal;

import dev.omnibus.MessageConsumer;
import dev.omnibus.MessageType;

/**
 * A consumer registered on an endpoint for a message type. Internal: not API.
 *
 * @param type     the consumed type (a record, an interface, or a fault type)
 * @param consumer the consumer
 * @param name     its class name, for logs and fault headers
 */
public record ConsumerBinding(MessageType type, MessageConsumer<Object> consumer, String name) {
}
