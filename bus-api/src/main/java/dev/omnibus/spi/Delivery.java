package dev.omnibus.spi;

import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One message handed to a {@link DeliveryHandler}. It is settled exactly once, by one of
 * {@link #ack}, {@link #requeue}, {@link #requeue(Duration)} or {@link #deadLetter}; calls after the
 * first return a completed stage and do nothing, as do calls after the receive handle closed or the
 * delivery's scope was revoked ({@link #isValid()} false: the broker hands the message to someone
 * else then).
 *
 * <h2>Settling</h2>
 * Each settling method returns a stage that completes when the broker has taken the decision
 * (an AMQP ack written, an offset committed, an SQS delete confirmed), and completes exceptionally
 * with a {@link TransportException} when it could not: the bus logs such a failure at WARN with the
 * message id, because the message will come again. On a {@linkplain TransportCapabilities.Settlement#CUMULATIVE
 * cumulative} transport the stage completes when the position covering this delivery is committed,
 * which may be later than the call. Settling methods are thread-safe and may be called from any
 * thread; none blocks on the broker.
 *
 * <pre>{@code
 * delivery.ack().whenComplete((ok, e) -> { if (e != null) log.warn("ack of {} failed", id, e); });
 * }</pre>
 */
public interface Delivery {
    /** The body bytes (never null). */
    byte[] body();

    /**
     * The decoded message when an in-process transport passed it by reference
     * ({@link OutgoingMessage#reference()}), else null; the bus then reads {@link #body()}.
     */
    default DecodedMessage reference() {
        return null;
    }

    /** The transport headers ({@link OutgoingMessage#CONTENT_TYPE}, {@link OutgoingMessage#MESSAGE_ID}, …). */
    Headers headers();

    /** The queue (endpoint) it came from. */
    String queue();

    /**
     * The key the bus partitions work by: deliveries with equal keys run one at a time, in the order
     * handed over. The transport decides (a record key, a message group, a header); the default reads
     * {@link OutgoingMessage#PARTITION_KEY}, else {@link OutgoingMessage#CORRELATION_ID}. Null: no order.
     */
    default String orderingKey() {
        Object key = headers().get(OutgoingMessage.PARTITION_KEY);
        if (key == null) {
            key = headers().get(OutgoingMessage.CORRELATION_ID);
        }
        return key == null ? null : key.toString();
    }

    /**
     * How many times the broker has delivered this message, this time included (1 on the first
     * delivery). Brokers that only flag a redelivery report 2 for any redelivery.
     */
    default int deliveryCount() {
        return redelivered() ? 2 : 1;
    }

    /** Whether the broker delivered this message before (a crash or a requeue happened). */
    default boolean redelivered() {
        return deliveryCount() > 1;
    }

    /**
     * The scope this delivery belongs to, for {@link DeliveryHandler#onRevoked}: a partition
     * ({@code orders-3}), a lease, or the queue name where nothing narrower applies.
     */
    default String scope() {
        return queue();
    }

    /**
     * False once settling this delivery can no longer have an effect: its partition was revoked, its
     * lease lapsed, its channel closed. The bus stops work on an invalid delivery where it can and
     * never counts its settlement as done.
     */
    default boolean isValid() {
        return true;
    }

    /** Done with it: the broker forgets it. */
    CompletionStage<Void> ack();

    /**
     * Done with it, together with the messages its consumer produced while the bus held them back
     * (an endpoint with {@code ReceiveEndpointBuilder.useInMemoryOutbox()}): the messages leave, in
     * their order, and the delivery is settled as by {@link #ack}, only once the transport confirmed
     * them all. The bus calls it instead of {@link #ack} when the consumer succeeded and produced
     * something; a delivery settled another way (retried, moved to {@code _error}) never lets its
     * messages leave.
     *
     * <p>The default sends each message through {@code transport} ({@link ProducedMessage#sendThrough}),
     * waits for every confirmation, then calls {@link #ack}: the messages leave before the ack, at least
     * once (a crash between the two, or a failed send, means the delivery comes again and its consumer
     * produces them again). When a send fails the delivery is {@linkplain #requeue() requeued} (moved to
     * {@code _error} with the reason instead when the failure is a {@link dev.omnibus.BusException} that
     * retrying cannot help, such as a message over the transport's size limit) and the stage fails
     * with the send's error. A transport that can write the messages and the settlement
     * in one broker transaction overrides it (Kafka: the messages and the consumed offset commit
     * together, or neither does).
     *
     * @param messages  the held messages, in the order the consumer produced them (not empty)
     * @param transport the bus's transport, for the default's sends
     */
    default CompletionStage<Void> ackWith(List<ProducedMessage> messages, Transport transport) {
        if (messages.isEmpty()) {
            return ack();
        }
        CompletableFuture<?>[] sent = new CompletableFuture<?>[messages.size()];
        for (int i = 0; i < sent.length; i++) {
            sent[i] = messages.get(i).sendThrough(transport);
        }
        return CompletableFuture.allOf(sent).handle((ok, e) -> {
            if (e == null) {
                return ack();
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof dev.omnibus.BusException b && !b.isRetryable()) { // would fail every time: to _error
                Headers reason = Headers.of(java.util.Map.of("MT-Reason", "fault",
                        "MT-Fault-ExceptionType", cause.getClass().getName(),
                        "MT-Fault-Message", String.valueOf(cause.getMessage())));
                return deadLetter(DeadLetterQueue.ERROR, reason).thenCompose(v -> CompletableFuture.<Void>failedFuture(cause));
            }
            return requeue().thenCompose(v -> CompletableFuture.<Void>failedFuture(cause));
        }).thenCompose(stage -> stage);
    }

    /** Put it back on its queue for another delivery, at once. */
    CompletionStage<Void> requeue();

    /**
     * Put it back for another delivery after {@code delay}, using the broker's own delay. The bus
     * calls it only when {@link TransportCapabilities#maxNativeDelay()} covers {@code delay}; the
     * default fails the stage, for transports without a native delay.
     */
    default CompletionStage<Void> requeue(Duration delay) {
        return CompletableFuture.failedFuture(new TransportException(
                "this transport cannot requeue with a delay (TransportCapabilities.maxNativeDelay is " + Duration.ZERO + ")",
                null, false));
    }

    /**
     * Whether {@link #requeue(Duration)} keeps this delivery ahead of the later messages of its
     * {@linkplain #orderingKey() ordering key}: the broker delivers none of them until this one is
     * settled (an SQS FIFO message group waits while its head is invisible). When true, the bus's
     * delayed redelivery requeues the delivery in place, within {@link TransportCapabilities#maxNativeDelay()},
     * instead of scheduling a copy behind them, so a retried message never loses its place. Default false.
     */
    default boolean requeueKeepsOrder() {
        return false;
    }

    /**
     * Asks the broker to keep this delivery reserved for {@code extension} more (an SQS visibility
     * timeout). A no-op where a delivery holds no lease (AMQP, Kafka, in memory).
     */
    default CompletionStage<Void> extendLease(Duration extension) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Moves it, with its body and headers plus {@code extraHeaders}, to the endpoint's error or
     * skipped queue, then removes it from this queue. The move is confirmed before the removal; the
     * stage completes after both.
     */
    CompletionStage<Void> deadLetter(DeadLetterQueue queue, Headers extraHeaders);

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
