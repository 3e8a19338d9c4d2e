package dev.omnibus.kafka;

import dev.omnibus.Headers;
import dev.omnibus.spi.Delivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One record of a share group ({@link KafkaShareReceiver}), handed to the bus. The broker holds it
 * for this member under an acquisition lock; it is settled once, on its own, in any order.
 *
 * <h2>What each settling stage means</h2>
 * <ul>
 * <li>{@link #ack}: {@code ACCEPT}; the stage completes when the broker confirmed the acknowledgement.</li>
 * <li>{@link #requeue()}: {@code RELEASE}: the broker delivers the record again, to any member, its
 *     {@link #deliveryCount()} one higher. A record that reaches the group's delivery count limit
 *     ({@code share.delivery.count.limit}, default 5) is archived by the broker instead: never delivered
 *     again, and not copied to {@code _error}.</li>
 * <li>{@link #requeue(Duration)}: not native (a share group has no delay); the bus's scheduler carries delays.</li>
 * <li>{@link #deadLetter}: a copy (same key, the original headers plus the fault's) to
 *     {@code <endpoint>_error} or {@code _skipped}, then {@code ACCEPT}; if the copy fails, {@code RELEASE}
 *     and the stage fails with the copy's error.</li>
 * <li>{@link #extendLease}: {@code RENEW}: the lock restarts at its full duration (the group's
 *     {@code share.record.lock.duration.ms}, whatever {@code extension} says). The receiver also renews
 *     every record the bus still holds before its lock runs out, so a slow consumer keeps its record.</li>
 * </ul>
 * A stage fails with a retryable {@link dev.omnibus.TransportException} when the broker refused the
 * acknowledgement (the lock was lost: the record goes to another delivery) or the endpoint closed first.
 * Settling is thread-safe and never waits for the broker: the receiver's loop thread applies it.
 */
final class KafkaShareDelivery extends RecordDelivery {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    final KafkaShareReceiver.RecordId id;
    /** Completes when the broker confirmed the final acknowledgement. */
    final CompletableFuture<Void> confirmed = new CompletableFuture<>();
    private final KafkaShareReceiver receiver;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile boolean lost;

    // ---- the receiver's loop thread only
    /** The final type, asked for while a renewal was on its way (applied when the record is back). */
    AcknowledgeType pendingFinal;
    /** Acknowledgements sent whose confirmation has not arrived. */
    int unconfirmed;
    boolean finalSent;
    /** When the record was last acquired or renewed (System.nanoTime). */
    long acquiredNanos;
    /** Stages of {@link #extendLease} calls, completed when a renewal is confirmed. */
    final List<CompletableFuture<Void>> renewals = new ArrayList<>();

    KafkaShareDelivery(KafkaShareReceiver receiver, ConsumerRecord<byte[], byte[]> record, KafkaShareReceiver.RecordId id) {
        super(record);
        this.receiver = receiver;
        this.id = id;
    }



    @Override
    public String queue() {
        return receiver.queue();
    }

    /** None: members of a share group take records of one key at once, so no order is promised. */
    @Override
    public String orderingKey() {
        return null;
    }

    /** The broker's count ({@code ConsumerRecord.deliveryCount()}), this delivery included. */
    @Override
    public int deliveryCount() {
        return record.deliveryCount().map(Short::intValue).orElse(1);
    }

    @Override
    public boolean isValid() {
        return !lost && !receiver.isClosed();
    }

    /** The broker no longer holds the record for this member (a failed renewal or acknowledgement). */
    void lost() {
        lost = true;
    }

    @Override
    public CompletionStage<Void> ack() {
        return settle(AcknowledgeType.ACCEPT);
    }

    @Override
    public CompletionStage<Void> requeue() {
        return settle(AcknowledgeType.RELEASE);
    }

    private CompletionStage<Void> settle(AcknowledgeType type) {
        if (!settled.compareAndSet(false, true) || !isValid()) {
            return DONE;
        }
        receiver.request(this, type);
        return confirmed;
    }

    @Override
    public CompletionStage<Void> extendLease(Duration extension) {
        if (settled.get() || !isValid()) {
            return DONE;
        }
        CompletableFuture<Void> renewed = new CompletableFuture<>();
        receiver.renew(this, renewed);
        return renewed;
    }

    @Override
    public CompletionStage<Void> deadLetter(DeadLetterQueue queue, Headers extraHeaders) {
        if (!settled.compareAndSet(false, true) || !isValid()) {
            return DONE;
        }
        String to = queue.nameFor(receiver.queue());
        return receiver.transport().copy(to, record, headers().withAll(extraHeaders))
                .handle((ok, e) -> {
                    if (e != null) {
                        receiver.request(this, AcknowledgeType.RELEASE);
                        return CompletableFuture.<Void>failedFuture(e);
                    }
                    receiver.request(this, AcknowledgeType.ACCEPT);
                    return confirmed;
                })
                .thenCompose(f -> f);
    }

    @Override
    public String toString() {
        return "KafkaShareDelivery[" + id + ", count " + deliveryCount() + "]";
    }
}
