package dev.omnibus;

import java.time.Instant;
import java.util.Objects;

/**
 * The health of one receive endpoint, from {@link Bus#health()}: whether it receives, and the last
 * thing that went wrong with its receive loop.
 *
 * <pre>{@code
 * for (EndpointHealth e : bus.health().endpoints()) {
 *     if (!e.healthy()) log.warn("{} is {} since {}: {}", e.endpoint(), e.status(), e.since(), e.lastError());
 * }
 * }</pre>
 *
 * @param endpoint   the endpoint's name
 * @param status     what it does now
 * @param since      when it entered {@code status} (the bus's clock)
 * @param lastError  the last receive-loop failure (a consumer cancelled by the broker, a channel closed,
 *                   a failed resubscription), or null if there was none; kept after a recovery
 * @param recoveries how many times the endpoint subscribed again after its receive loop stopped
 */
public record EndpointHealth(String endpoint, Status status, Instant since, String lastError, int recoveries) {
    /** What an endpoint does. */
    public enum Status {
        /** Not subscribed yet: the bus is starting. */
        STARTING,
        /** Subscribed and receiving. */
        RUNNING,
        /**
         * Its receive loop stopped (or its connection is being recovered): it subscribes again with
         * backoff. Messages wait on the broker meanwhile.
         */
        RECOVERING,
        /** It could not subscribe again for a reason a retry does not fix ({@link #lastError} says which). */
        FAILED,
        /** The bus stopped it. */
        STOPPED
    }

    public EndpointHealth {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(since, "since");
    }

    /** Whether it receives: {@link Status#RUNNING}. */
    public boolean healthy() {
        return status == Status.RUNNING;
    }
}
