package dev.omnibus.internal;

import java.time.Duration;

/**
 * Thrown by a receive stage to send the delivery back to its own queue instead of acknowledging it
 * or moving it to {@code _error}: a delayed redelivery kept in place (its key's later messages wait
 * behind it), or a delivery whose lease lapsed while it was being retried (the broker owns it again;
 * no {@code Fault<T>}, no copy). The settlement stage requeues it, after {@link #delay} when set.
 */
final class RequeueDelivery extends Exception {
    private static final long serialVersionUID = 1L;

    /** Null: at once. */
    final transient Duration delay;

    RequeueDelivery(String reason, Duration delay, Throwable cause) {
        super(reason, cause, false, false);
        this.delay = delay;
    }
}
