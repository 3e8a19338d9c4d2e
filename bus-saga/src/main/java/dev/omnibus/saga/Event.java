package dev.omnibus.saga;

import java.util.List;
import java.util.Objects;

/**
 * Something that happens to a saga instance: the arrival of a message of one type, correlated to an
 * instance by an {@link EventCorrelation}; or a composite event, raised when all of its constituent
 * events have arrived, in any order. Declared by {@link StateMachine#event} and
 * {@link StateMachine#compositeEvent}; immutable.
 *
 * @param <T> the message type (for a composite event: the message of the last constituent)
 */
public final class Event<T> {
    private final String name;
    private final Class<T> messageType;
    private final EventCorrelation<T> correlation;
    private final List<Event<?>> constituents;
    private final Class<?> faultedType;

    Event(String name, Class<T> messageType, EventCorrelation<T> correlation, List<Event<?>> constituents) {
        this(name, messageType, correlation, constituents, null);
    }

    Event(String name, Class<T> messageType, EventCorrelation<T> correlation, List<Event<?>> constituents, Class<?> faultedType) {
        this.name = Objects.requireNonNull(name, "name");
        this.messageType = messageType;
        this.correlation = correlation;
        this.constituents = List.copyOf(constituents);
        this.faultedType = faultedType;
    }

    /**
     * For an event raised by {@code Fault<Q>} (declared with {@link StateMachine#faultEvent}): the
     * faulted message's type {@code Q}; otherwise null. Its {@link #messageType()} is {@code Fault}.
     */
    public Class<?> faultedType() {
        return faultedType;
    }

    /** The event's name (the message type's simple name unless given). */
    public String name() {
        return name;
    }

    /** The message type, or null for a composite event. */
    public Class<T> messageType() {
        return messageType;
    }

    /** How a message finds its instance, or null when declared without one (the envelope's correlationId is used). */
    public EventCorrelation<T> correlation() {
        return correlation;
    }

    /** For a composite event, the events that must all arrive; otherwise empty. */
    public List<Event<?>> constituents() {
        return constituents;
    }

    /** Whether this is a composite event. */
    public boolean isComposite() {
        return !constituents.isEmpty();
    }

    @Override
    public String toString() {
        return name;
    }
}
