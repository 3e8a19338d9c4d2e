package dev.omnibus.internal;

import dev.omnibus.Headers;
import dev.omnibus.spi.Delivery.DeadLetterQueue;

/**
 * One step of an endpoint's receive pipeline, around everything after it. The pipeline is linked
 * once per endpoint ({@link Link}); a stage either calls {@code next.proceed(r)}, or ends the
 * delivery by returning (the settlement stage then acknowledges it) or by throwing
 * {@link DeadLetter} (the settlement stage moves it). Stages are shared by every delivery of the
 * endpoint and called concurrently: they keep per-delivery state in the {@link ReceiveContext}.
 */
interface ReceiveStage {
    /** A short name, listed by {@code Bus.pipeline(endpoint)}. */
    String name();

    void handle(ReceiveContext r, Link next) throws Exception;

    /** A stage and everything after it. Immutable; built once per endpoint. */
    final class Link {
        private final ReceiveStage stage;
        private final Link next;

        Link(ReceiveStage stage, Link next) {
            this.stage = stage;
            this.next = next;
        }

        void proceed(ReceiveContext r) throws Exception {
            stage.handle(r, next);
        }
    }

    /**
     * Ends a delivery in {@code <endpoint>_error} or {@code _skipped}: thrown by a stage, handled by the
     * settlement stage. A control-flow exception: no stack trace.
     */
    final class DeadLetter extends Exception {
        private static final long serialVersionUID = 1L;
        final transient DeadLetterQueue queue;
        final transient Headers headers;
        final String reason;

        DeadLetter(DeadLetterQueue queue, Headers headers, String reason, Throwable cause) {
            super(reason, cause, false, false);
            this.queue = queue;
            this.headers = headers;
            this.reason = reason;
        }
    }
}
