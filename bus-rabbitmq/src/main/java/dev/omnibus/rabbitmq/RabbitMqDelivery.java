package dev.omnibus.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.Delivery;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A delivery of one {@link RabbitMqReceiver}. It settles once; settling is thread-safe and never
 * waits for the broker.
 *
 * <h2>What each settling stage means</h2>
 * <ul>
 * <li>{@link #ack} / {@link #requeue()}: {@code basic.ack} / {@code basic.nack(requeue)} written to the
 *     channel, the ack coalesced with others of the channel ({@link CoalescedAcks}: written within about
 *     {@value RabbitMqReceiver#ACK_INTERVAL_MS} ms). AMQP does not answer them, so the stage completes once the frame is written, and fails
 *     with a retryable {@link TransportException} when it could not be (the channel closed under it):
 *     the broker then delivers the message again.</li>
 * <li>{@link #deadLetter} and {@link #requeue(Duration)}: a copy is published with a publisher confirm
 *     (to {@code <queue>_error}/{@code _skipped}, or through the delay path back to this queue), and
 *     the original is acknowledged only after the confirm; the stage completes after both. If the copy
 *     fails, the original is requeued and the stage fails. If the channel closed between the confirm and
 *     the ack, the stage fails and the broker delivers the original again (the copy exists too).</li>
 * <li>A delivery that is no longer {@linkplain #isValid() valid} (its channel closed or was recovered
 *     since, so its delivery tag is stale or names another message; or its receive loop closed), or was
 *     settled already: every settling call returns an already completed stage and does nothing, as
 *     {@link Delivery} specifies. The broker has requeued the message and will deliver it again;
 *     {@link #isValid()} is how the caller tells this no-op from a settlement.</li>
 * </ul>
 *
 * <h2>Delivery count</h2>
 * On a quorum queue the broker counts failed deliveries in {@code x-delivery-count};
 * {@link #deliveryCount()} is that plus one. Elsewhere it is 2 for a redelivered message, else 1.
 * Copies this transport publishes (moves, delayed requeues) drop {@code x-delivery-count}: the copy is a
 * new message to the broker, and a stale count must not be read from it on another queue.
 */
final class RabbitMqDelivery implements Delivery {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqDelivery.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    /** The header in which quorum queues count earlier (failed) deliveries. */
    static final String DELIVERY_COUNT = "x-delivery-count";

    private final RabbitMqReceiver loop;
    private final long tag;
    private final int epochAtDelivery;
    private final AMQP.BasicProperties properties;
    private final byte[] body;
    private final boolean redelivered;
    /** {@link #WAITING} in the bus's buffer, {@link #STARTED} once the bus asked {@link #isValid()}, or {@link #SETTLED}. */
    private final AtomicInteger state = new AtomicInteger();
    private static final int WAITING = 0;
    private static final int STARTED = 1;
    private static final int SETTLED = 2;
    /** When the broker handed it over: its consumer_timeout counts from then. */
    private final long receivedNanos = System.nanoTime();
    private volatile Headers headers;

    RabbitMqDelivery(RabbitMqReceiver loop, long tag, int epoch, AMQP.BasicProperties properties, byte[] body,
            boolean redelivered) {
        this.loop = loop;
        this.tag = tag;
        this.epochAtDelivery = epoch;
        this.properties = properties;
        this.body = body;
        this.redelivered = redelivered;
    }

    @Override
    public byte[] body() {
        return body;
    }

    @Override
    public Headers headers() {
        Headers h = headers;
        if (h == null) {
            h = AmqpHeaders.fromDelivery(properties, name -> loop.transport().addressOf(name, "").toString());
            headers = h;
        }
        return h;
    }

    @Override
    public boolean redelivered() {
        return redelivered;
    }

    @Override
    public int deliveryCount() {
        Object count = properties.getHeaders() == null ? null : properties.getHeaders().get(DELIVERY_COUNT);
        int flagged = redelivered ? 2 : 1;
        return count instanceof Number n ? Math.max(flagged, n.intValue() + 1) : flagged;
    }

    @Override
    public String queue() {
        return loop.queue();
    }

    /**
     * Also marks the delivery started: the bus asks before it runs the delivery through its pipeline,
     * so a delivery never asked is still waiting in the bus's buffer, and {@link #releaseIfWaiting} may
     * give it back to the broker. Once released it is not valid, and the bus skips it.
     */
    @Override
    public boolean isValid() {
        state.compareAndSet(WAITING, STARTED);
        return state.get() != SETTLED && loop.current(epochAtDelivery);
    }

    /**
     * Gives the delivery back to the broker ({@code basic.nack(requeue)}) if the bus has not started
     * on it and it was received more than {@code ageNanos} ago; true if it did. So a delivery waiting
     * behind a slow consumer never reaches the broker's {@code consumer_timeout}, which would close the
     * whole channel: the broker delivers it again (flagged redelivered) with a fresh timer.
     */
    boolean releaseIfWaiting(long now, long ageNanos) {
        if (now - receivedNanos <= ageNanos || !state.compareAndSet(WAITING, SETTLED)) {
            return false;
        }
        loop.forget(this);
        if (loop.current(epochAtDelivery)) {
            nack();
        }
        return true;
    }

    /** Claims the right to settle; false if settled before, the loop closed, or the delivery is stale. */
    private boolean claim() {
        int s;
        do {
            s = state.get();
            if (s == SETTLED) {
                return false;
            }
        } while (!state.compareAndSet(s, SETTLED));
        loop.forget(this);
        return loop.current(epochAtDelivery);
    }

    @Override
    public CompletionStage<Void> ack() {
        return claim() ? basicAck() : DONE;
    }

    @Override
    public CompletionStage<Void> requeue() {
        return claim() ? nack() : DONE;
    }

    @Override
    public CompletionStage<Void> requeue(Duration delay) {
        long ms = delay.toMillis();
        if (ms <= 0) {
            return requeue();
        }
        long max = loop.transport().maxNativeDelayMillis();
        if (ms > max) { // not claimed: the caller may still settle it another way
            return CompletableFuture.failedFuture(new TransportException("a delay of " + delay + " is over RabbitMQ's "
                    + "native limit of " + Duration.ofMillis(max) + " (TransportCapabilities.maxNativeDelay)", null, false));
        }
        if (!claim()) {
            return DONE;
        }
        AMQP.BasicProperties copy = properties.builder().headers(copyHeaders()).expiration(null).build();
        return moveThenAck("the delay queue towards " + queue(),
                () -> loop.transport().publishDelayed(queue(), copy, body, ms));
    }

    @Override
    public CompletionStage<Void> deadLetter(DeadLetterQueue target, Headers extraHeaders) {
        if (!claim()) {
            return DONE;
        }
        String destination = target.nameFor(queue());
        Map<String, Object> table = copyHeaders();
        extraHeaders.asMap().forEach((k, v) -> table.put(k, AmqpHeaders.toAmqp(v)));
        if (AmqpHeaders.fit(table, loop.transport().maxHeaderTableSize())) {
            LOG.warn("Queue {}: headers of message {} trimmed to fit the frame size on the way to {}", queue(),
                    properties.getMessageId(), destination);
        }
        AMQP.BasicProperties moved = properties.builder().headers(table).expiration(null).build();
        return moveThenAck(destination, () -> loop.transport().publishRaw(destination, moved, body));
    }

    private Map<String, Object> copyHeaders() {
        Map<String, Object> table = new LinkedHashMap<>();
        if (properties.getHeaders() != null) {
            table.putAll(properties.getHeaders());
        }
        table.remove(DELIVERY_COUNT);
        table.keySet().removeIf(AmqpHeaders::steering); // from the wire: never a routing instruction for the republish
        return table;
    }

    /** Publishes a copy with a confirm, then acks the original (or requeues it if the copy failed). */
    private CompletionStage<Void> moveThenAck(String destination,
            java.util.function.Supplier<CompletableFuture<Void>> publishCopy) {
        loop.moveStarted();
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> copied;
        try {
            copied = publishCopy.get();
        } catch (RuntimeException e) {
            copied = CompletableFuture.failedFuture(e);
        }
        copied.whenComplete((ok, e) -> {
            try {
                afterCopy(e, destination, done);
            } finally {
                loop.moveEnded();
            }
        });
        return done;
    }

    private void afterCopy(Throwable e, String destination, CompletableFuture<Void> done) {
        boolean current = loop.current(epochAtDelivery);
        if (e == null) {
            if (current) {
                basicAck().whenComplete((ok, ex) -> {
                    if (ex != null) {
                        done.completeExceptionally(ex);
                    } else {
                        done.complete(null);
                    }
                });
            } else {
                done.completeExceptionally(new TransportException("message " + properties.getMessageId() + " was copied to "
                        + destination + " but the channel closed before the original was acknowledged; it will come again",
                        null, true));
            }
            return;
        }
        LOG.error("Queue {}: copying message {} to {} failed; the original goes back to the queue", queue(),
                properties.getMessageId(), destination, e);
        if (current) {
            nack();
        }
        done.completeExceptionally(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                ? e.getCause() : e);
    }

    /** The ack, coalesced with others of the channel ({@link CoalescedAcks}); completes when written. */
    private CompletableFuture<Void> basicAck() {
        CompletableFuture<Void> written = loop.acks().settled(tag, epochAtDelivery);
        return written == null ? DONE : written;
    }

    /** {@code basic.nack(requeue)} now, then the tag no longer holds back the coalesced acks. */
    private CompletableFuture<Void> nack() {
        CompletableFuture<Void> written = write("requeue", () -> loop.channel().basicNack(tag, false, true));
        loop.acks().released(tag, epochAtDelivery);
        return written;
    }

    /** One write to the channel; its failure fails the stage (the bus's settlement stage logs it at WARN). */
    private CompletableFuture<Void> write(String what, ChannelWrite op) {
        try {
            op.run();
            return DONE;
        } catch (IOException | AlreadyClosedException e) {
            LOG.debug("Queue {}: {} of message {} failed ({}); the broker delivers it again", queue(), what,
                    properties.getMessageId(), e.getMessage());
            return CompletableFuture.failedFuture(new TransportException(what + " of message " + properties.getMessageId()
                    + " on queue '" + queue() + "' failed; the broker delivers it again: " + e.getMessage(), e, true));
        }
    }

    @FunctionalInterface
    private interface ChannelWrite {
        void run() throws IOException;
    }

    @Override
    public String toString() {
        return "RabbitMqDelivery[" + queue() + " #" + tag + ", " + body.length + " bytes]";
    }
}
