package dev.omnibus.kafka;

import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.ProducedMessage;
import dev.omnibus.spi.Transport;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One record of a {@link KafkaReceiver}, handed to the bus. It settles once; settling is thread-safe
 * and never waits for the broker.
 *
 * <h2>What each settling stage means on a log</h2>
 * <ul>
 * <li>{@link #ack}: the record is settled; the stage completes when a commit covers it, which is
 *     after every earlier record of its partition settled too (the partition's watermark, see
 *     {@link PartitionTracker}), at most a commit interval later.</li>
 * <li>{@link #deadLetter}: a copy (same key, the original headers plus the fault's) is written to
 *     {@code <endpoint>_error} or {@code _skipped}; once the broker has it, the record is settled as by
 *     {@link #ack}. If the copy fails, the record is handed to the bus again and the stage fails.</li>
 * <li>{@link #requeue()}: a log cannot put a record back. While the endpoint runs, the record is
 *     handed to the bus again by this process (its delivery count one higher), ahead of later ones;
 *     while it stops, the record is released: left uncommitted, so whoever reads the partition next
 *     reads it again (and the records after it, if they were settled after it: at-least-once).</li>
 * <li>After the partition was revoked or the endpoint closed ({@link #isValid()} false), every
 *     call does nothing and returns a completed stage; the partition's next owner reads the record.</li>
 * </ul>
 */
final class KafkaDelivery extends RecordDelivery {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    final TopicPartition partition;
    final PartitionTracker tracker;
    private final KafkaReceiver receiver;
    private final CompletableFuture<Void> committed;
    private final int deliveryCount;
    private final AtomicBoolean settled = new AtomicBoolean();

    KafkaDelivery(KafkaReceiver receiver, ConsumerRecord<byte[], byte[]> record, TopicPartition partition,
            PartitionTracker tracker, CompletableFuture<Void> committed, int deliveryCount) {
        super(record);
        this.receiver = receiver;
        this.partition = partition;
        this.tracker = tracker;
        this.committed = committed;
        this.deliveryCount = deliveryCount;
    }

    /** The same record handed again by this process (a requeue while the endpoint runs). */
    KafkaDelivery again() {
        return new KafkaDelivery(receiver, record, partition, tracker, tracker.handed(record.offset()), deliveryCount + 1);
    }



    @Override
    public String queue() {
        return receiver.queue();
    }

    /**
     * The record's key: the partition key (else the correlation id) it was produced with, which also
     * chose its partition. A record without a key has no order to keep (null), as on Kafka itself.
     */
    @Override
    public String orderingKey() {
        byte[] key = record.key();
        return key == null ? null : new String(key, StandardCharsets.UTF_8);
    }

    @Override
    public int deliveryCount() {
        return deliveryCount;
    }

    /** {@code topic-partition}: what a rebalance revokes. */
    @Override
    public String scope() {
        return receiver.scopeOf(partition);
    }

    @Override
    public boolean isValid() {
        return !tracker.revoked() && !receiver.isClosed();
    }

    @Override
    public CompletionStage<Void> ack() {
        if (!settled.compareAndSet(false, true)) {
            return DONE;
        }
        return settle();
    }

    private CompletionStage<Void> settle() {
        if (!tracker.settled(record.offset())) {
            return DONE; // revoked meanwhile: the next owner reads it
        }
        receiver.settledOne();
        return receiver.temporary() ? DONE : committed;
    }

    /**
     * On a transactional endpoint ({@link KafkaTransactions}): settles the record with its consumer's
     * messages held beside it; they are written in the transaction that commits the partition's
     * watermark past the record, and the stage completes when it committed. A message that can never
     * be written (over the transport's size limit, or a reply to a topic that does not exist) sends
     * the record to {@code _error} instead, with the reason. Elsewhere: {@link Delivery#ackWith}'s
     * default (send, then ack).
     */
    @Override
    public CompletionStage<Void> ackWith(List<ProducedMessage> messages, Transport transport) {
        if (receiver.transactions == null || messages.isEmpty()) {
            return sendThenAck(messages, transport);
        }
        for (ProducedMessage m : messages) {
            String unwritable = receiver.transport().unwritable(m);
            if (unwritable != null) {
                return deadLetter(DeadLetterQueue.ERROR, Headers.of(java.util.Map.of("MT-Reason", "fault",
                        "MT-Fault-ExceptionType", TransportException.class.getName(), "MT-Fault-Message", unwritable)))
                        .thenCompose(v -> CompletableFuture.<Void>failedFuture(new TransportException(unwritable, null, false)));
            }
        }
        if (!settled.compareAndSet(false, true)) {
            return DONE;
        }
        if (!tracker.settled(record.offset(), List.copyOf(messages))) {
            return DONE; // revoked or rewound meanwhile: the record comes again, and its outputs with it
        }
        receiver.settledOne();
        return committed;
    }

    @Override
    public CompletionStage<Void> requeue() {
        if (!settled.compareAndSet(false, true)) {
            return DONE;
        }
        receiver.requeue(this);
        return DONE;
    }

    @Override
    public CompletionStage<Void> deadLetter(DeadLetterQueue queue, Headers extraHeaders) {
        if (!settled.compareAndSet(false, true)) {
            return DONE;
        }
        String to = queue.nameFor(receiver.queue());
        return receiver.transport().copy(to, record, headers().withAll(extraHeaders))
                .handle((ok, e) -> {
                    if (e != null) {
                        receiver.requeue(this);
                        return CompletableFuture.<Void>failedFuture(e);
                    }
                    return settle().toCompletableFuture();
                })
                .thenCompose(f -> f);
    }

    @Override
    public String toString() {
        return "KafkaDelivery[" + partition + "@" + record.offset() + ", count " + deliveryCount + "]";
    }
}
