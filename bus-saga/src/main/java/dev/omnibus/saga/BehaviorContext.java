package dev.omnibus.saga;

import dev.omnibus.ConsumeContext;
import java.util.UUID;

/**
 * What an activity sees: the instance being moved, the event and its message, and the consume
 * context of the delivery. Used on the consuming thread while the instance is held (one message
 * at a time per instance); do not keep it. Messages to produce are returned from the DSL's
 * {@code publish}/{@code send}/{@code respond} functions rather than produced here, so that they go
 * out only once the instance is saved.
 *
 * @param <S> the saga state type
 * @param <T> the message type
 */
public interface BehaviorContext<S, T> {
    /** The instance's correlation id. */
    UUID id();

    /** The user's saga state: change it in {@code then(...)}; it is saved after the activities ran. */
    S instance();

    /** The message that raised the event (for a composite event, the last constituent's). */
    T message();

    /** The event being handled (for enter and leave activities, the event that caused the move). */
    Event<?> event();

    /** The instance's current state. */
    State state();

    /** The delivery being consumed: envelope, headers, endpoint. */
    ConsumeContext<?> consumeContext();
}
