package dev.omnibus.spi;

import dev.omnibus.Headers;

/**
 * One message handed to a {@link DeliveryHandler}. It must be settled exactly once, by one of
 * {@link #ack}, {@link #requeue} or {@link #deadLetter}; calls after the first are ignored, as
 * are calls after the receive handle was closed (the transport has requeued it then).
 * Settling methods are thread-safe and may be called from any thread.
 */
public interface Delivery {
    /** The body bytes. */
    byte[] body();

    /** The transport headers ({@link OutgoingMessage#CONTENT_TYPE}, {@link OutgoingMessage#MESSAGE_ID}, …). */
    Headers headers();

    /** Whether the broker delivered this message before (a crash or a requeue happened). */
    boolean redelivered();

    /** The queue it came from. */
    String queue();

    /** Done with it: the broker forgets it. */
    void ack();

    /** Put it back on its queue for another delivery. */
    void requeue();

    /**
     * Moves it, with its body and headers plus {@code extraHeaders}, to the endpoint's error or
     * skipped queue, then removes it from this queue. The move is confirmed before the removal.
     */
    void deadLetter(DeadLetterQueue queue, Headers extraHeaders);

    /** Where a message that cannot be consumed goes. */
    enum DeadLetterQueue {
        /** {@code <queue>_error}: a consumer failed, or the body could not be read. */
        ERROR("_error"),
        /** {@code <queue>_skipped}: the endpoint consumes no type of the message. */
        SKIPPED("_skipped");

        private final String suffix;

        DeadLetterQueue(String suffix) {
            this.suffix = suffix;
        }

        /** The queue name for endpoint queue {@code queue}. */
        public String nameFor(String queue) {
            return queue + suffix;
        }
    }
}
