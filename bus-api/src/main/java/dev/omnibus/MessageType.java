package dev.omnibus;

import java.lang.reflect.Type;
import java.util.List;

/**
 * A registered message type: its URN, the Java type its body binds to, and the URNs written in
 * the envelope's {@code messageType} (the type itself first, then its message interfaces).
 *
 * @param urn          the type's own URN
 * @param rawType      the Java class
 * @param javaType     the full Java type ({@code Fault<OrderSubmitted>} for a fault)
 * @param messageTypes every URN the type is known by on the wire, its own first
 */
public record MessageType(String urn, Class<?> rawType, Type javaType, List<String> messageTypes) {
    public MessageType {
        messageTypes = List.copyOf(messageTypes);
    }

    /** Whether a message of this type reaches a consumer of {@code other}. */
    public boolean isAssignableTo(MessageType other) {
        return messageTypes.contains(other.urn);
    }
}
