package dev.omnibus.kafka;

import dev.omnibus.TransportException;
import dev.omnibus.spi.ProducedMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consume-transform-produce for one transactional endpoint ({@link KafkaTransportBuilder#transactions}):
 * the endpoint's own transactional producer, and the commits of its {@link KafkaReceiver} made as
 * transactions. The KIP-447 model: one transactional producer per consumer, fenced through the consumer
 * group's metadata ({@code sendOffsetsToTransaction(offsets, consumer.groupMetadata())}), so a member
 * that lost its partitions cannot commit for them; its {@code transactional.id} is
 * {@code <consumer group>/<instance id>}, stable across restarts of the same instance, so a restarted
 * instance aborts what its dead predecessor left open at once instead of after the transaction timeout.
 *
 * <h2>What a transaction holds</h2>
 * Settled records' outputs wait in their partition's {@link PartitionTracker}. At each commit (the
 * interval, a revocation, the stop) one transaction takes, for each partition, the watermark and the
 * outputs of the records below it ({@link PartitionTracker#takeForTransaction}); records that finished
 * above the watermark (other keys, out of order) keep theirs for a later transaction. So a committed
 * position and the outputs of exactly the records below it become visible together, or neither does.
 *
 * <h2>Failure</h2>
 * If any step fails, the transaction is aborted (or, when the producer cannot abort, the producer is
 * replaced, which ends it). When it was certainly aborted for a reason its content cannot cause (the
 * group's generation moved in a rebalance, a retriable error such as a timeout), the same outputs and
 * positions go into the next transaction: nothing runs again. Otherwise (a write the broker refused, a
 * fenced producer, an outcome unknown) the partitions of the transaction are rewound: what the bus still holds of them is dropped unsettled, and the consumer
 * reads them again from the position the group has committed, so their records are delivered again
 * (as redelivered) and their consumers produce their outputs again.
 *
 * <p>Threading: used only by the receiver's poll thread (a producer's transactions are not for
 * concurrent use); a commit blocks that thread for the transaction's round trips.
 */
final class KafkaTransactions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransactions.class);
    private static final Duration COMMITTED_TIMEOUT = Duration.ofSeconds(10);

    private final KafkaReceiver r;
    private final String transactionalId;
    private KafkaProducer<byte[], byte[]> producer;
    private long commits;
    private long aborts;

    KafkaTransactions(KafkaReceiver receiver, String transactionalId) {
        this.r = receiver;
        this.transactionalId = transactionalId;
    }

    String transactionalId() {
        return transactionalId;
    }

    /** Makes the producer and registers its transactional id (aborting what a predecessor left open). */
    void start() {
        producer = r.transport().transactionalProducer(transactionalId);
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            producer = null;
            throw e;
        }
    }

    /**
     * Commits, in one transaction, the settled positions of {@code parts} (with {@code finalCommit} the
     * {@link PartitionTracker#finalPosition()}) and the held outputs of the records below them.
     *
     * @param rewindOnFailure rewind the partitions when it fails (false while they are being revoked:
     *                        their next owner reads from the committed position anyway)
     * @return the partitions committed; empty when nothing was due or the transaction failed
     */
    Set<TopicPartition> commit(Collection<TopicPartition> parts, boolean finalCommit, boolean rewindOnFailure) {
        if (producer == null && !restart()) {
            return Set.of(); // the next commit tries again; nothing was taken from the trackers
        }
        Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
        Map<TopicPartition, PartitionTracker.Batch> batches = new HashMap<>();
        List<ProducedMessage> outputs = new ArrayList<>();
        for (TopicPartition tp : parts) {
            PartitionTracker t = r.trackers.get(tp);
            PartitionTracker.Batch b = t == null ? null : t.takeForTransaction(finalCommit);
            if (b != null) {
                positions.put(tp, new OffsetAndMetadata(b.position(), t.commitMetadata()));
                batches.put(tp, b);
                outputs.addAll(b.outputs());
            }
        }
        if (positions.isEmpty()) {
            return Set.of();
        }
        try {
            producer.beginTransaction();
            for (ProducedMessage m : outputs) {
                r.transport().produceIn(producer, m);
            }
            producer.sendOffsetsToTransaction(positions, r.consumer.groupMetadata());
            producer.commitTransaction(); // flushes the writes: a failed one fails the commit
            commits++;
        } catch (RuntimeException e) {
            aborts++;
            boolean aborted = abort();
            if (aborted && rewindOnFailure && transient_(e)) {
                // certainly aborted, for a reason that is not its content (a rebalance moved the group's
                // generation, a timeout): the same outputs and positions go into the next transaction
                LOG.info("Endpoint {}: the transaction committing {} with {} produced messages was aborted ({}); "
                        + "retried at the next commit", r.queue, positions.keySet(), outputs.size(), e.toString());
                batches.forEach((tp, b) -> {
                    PartitionTracker t = r.trackers.get(tp);
                    if (t != null) {
                        t.transactionAborted(b);
                    }
                });
                return Set.of();
            }
            LOG.warn("Endpoint {}: the transaction committing {} with {} produced messages failed ({}); aborted, and "
                    + "the records are read again from the committed positions", r.queue, positions, outputs.size(),
                    e.toString());
            TransportException cause = new TransportException("the transaction committing " + positions.keySet()
                    + " failed: " + e, e, true);
            if (rewindOnFailure) {
                rewind(positions.keySet(), cause);
            }
            return Set.of();
        }
        positions.forEach((tp, p) -> {
            PartitionTracker t = r.trackers.get(tp);
            if (t != null) {
                t.committed(p.offset());
            }
        });
        return positions.keySet();
    }

    /**
     * Aborts the open transaction; true when it is certainly aborted. A producer that cannot abort
     * (fenced, fatal, a commit whose outcome is unknown) is replaced, which ends the transaction one
     * way or the other: false.
     */
    private boolean abort() {
        try {
            producer.abortTransaction();
            return true;
        } catch (RuntimeException e) {
            LOG.info("Endpoint {}: the transactional producer {} cannot abort ({}); replacing it", r.queue,
                    transactionalId, e.toString());
            producer.close(Duration.ZERO);
            producer = null;
            restart();
            return false;
        }
    }

    /**
     * Whether a failed transaction failed for a reason that retrying the same content can cure: the
     * group's generation moved (a rebalance: {@code CommitFailedException}, {@code RebalanceInProgress}) or
     * a retriable error such as a timeout. A refused write (too large, not authorized) is not: its records
     * run again instead.
     */
    private static boolean transient_(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.clients.consumer.CommitFailedException
                    || t instanceof org.apache.kafka.common.errors.RebalanceInProgressException
                    || t instanceof org.apache.kafka.common.errors.RetriableException) {
                return true;
            }
        }
        return false;
    }

    private boolean restart() {
        try {
            start();
            return true;
        } catch (RuntimeException e) {
            LOG.warn("Endpoint {}: starting the transactional producer {} failed ({}); commits wait until it starts",
                    r.queue, transactionalId, e.toString());
            return false;
        }
    }

    /**
     * Drops what the bus holds of {@code parts} (buffered, waiting, running: their settlements do nothing
     * now) and seeks the consumer back to the group's committed positions, so every record above them is
     * delivered again, marked redelivered.
     */
    private void rewind(Set<TopicPartition> parts, TransportException cause) {
        Map<TopicPartition, OffsetAndMetadata> committed = Map.of();
        try { // the broker's word: a commit whose outcome was unknown may have succeeded
            committed = r.consumer.committed(new HashSet<>(parts), COMMITTED_TIMEOUT);
        } catch (RuntimeException e) {
            LOG.warn("Endpoint {}: reading the committed positions of {} failed ({}); rewinding to the last known",
                    r.queue, parts, e.toString());
        }
        r.redeliveries.removeIf(d -> parts.contains(d.partition));
        for (TopicPartition tp : parts) {
            PartitionTracker old = r.trackers.get(tp);
            if (old == null) {
                continue;
            }
            OffsetAndMetadata c = committed == null ? null : committed.get(tp);
            long position = c != null ? c.offset() : old.rewindPosition();
            if (position < 0) {
                continue; // nothing of it was handed: nothing of it was in the transaction
            }
            r.buffered.remove(tp);
            r.handler.onRevoked(r.scopeOf(tp));
            PartitionTracker fresh = new PartitionTracker(r.inFlight);
            fresh.previousOwner(PartitionTracker.METADATA_PREFIX + old.handedUpTo());
            r.trackers.put(tp, fresh);
            old.revoke(cause);
            r.consumer.seek(tp, position);
        }
    }

    /** Transactions committed and aborted so far (for tests and logs). */
    long commits() {
        return commits;
    }

    long aborts() {
        return aborts;
    }

    @Override
    public void close() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("Endpoint {}: closing the transactional producer failed: {}", r.queue, e.toString());
            }
            producer = null;
        }
    }
}
