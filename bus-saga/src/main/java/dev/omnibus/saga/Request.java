package dev.omnibus.saga;

import dev.omnibus.Address;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * A request a saga sends to a service, with the event its response raises and the timeout that
 * fires when no response comes. Declared by {@link StateMachine#request}; used by the
 * {@code request(...)} activity, which sends the request (correlation id = the instance id) and
 * schedules the timeout; the response's event clears the timeout before its activities run.
 *
 * <p>The responder answers with {@code ctx.respond(response)}. The request carries the saga
 * endpoint's own queue as its response address, so the response is sent there, carrying the
 * instance id as its correlation id: declare {@link #completed()} with
 * {@link EventCorrelation#byCorrelationId()} or a property of the response. When the responder's
 * consumer fails for good, its {@code Fault<Q>} comes back to the same queue: declare the request
 * with a {@link #faulted()} event ({@link StateMachine#faultEvent}) to handle it; it clears the
 * timeout as the response does. Without one, the fault is skipped by the saga's endpoint and the
 * timeout fires. Immutable.
 *
 * @param <Q> the request type
 * @param <R> the response type
 */
public final class Request<Q, R> {
    private final String name;
    private final Address destination;
    private final Event<R> completed;
    private final Schedule<?> timeout;
    private final Function<UUID, ?> timeoutMessage;
    private final Event<?> faulted;

    <M> Request(String name, Address destination, Event<R> completed, Event<?> faulted, Schedule<M> timeout,
            Function<UUID, ? extends M> timeoutMessage) {
        this.faulted = faulted;
        this.name = Objects.requireNonNull(name, "name");
        this.destination = Objects.requireNonNull(destination, "destination");
        this.completed = Objects.requireNonNull(completed, "completed");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.timeoutMessage = Objects.requireNonNull(timeoutMessage, "timeoutMessage");
    }

    /** The request's name. */
    public String name() {
        return name;
    }

    /** Where the request is sent. */
    public Address destination() {
        return destination;
    }

    /** The event the response raises. */
    public Event<R> completed() {
        return completed;
    }

    /** The event the request's {@code Fault<Q>} raises, or null when the request was declared without one. */
    public Event<?> faulted() {
        return faulted;
    }

    /** The timeout scheduled with the request; handle {@code timeout().received()} in the waiting state. */
    public Schedule<?> timeout() {
        return timeout;
    }

    /** Builds the timeout message for an instance id. */
    public Object timeoutMessage(UUID instanceId) {
        return timeoutMessage.apply(instanceId);
    }

    @Override
    public String toString() {
        return name;
    }
}
