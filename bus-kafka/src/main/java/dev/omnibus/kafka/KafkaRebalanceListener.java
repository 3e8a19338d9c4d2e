package dev.omnibus.kafka;

import dev.omnibus.TransportException;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rebalance protocol of a {@link KafkaReceiver} (its class comment says what it guarantees);
 * runs on the receiver's loop thread, inside {@code poll}.
 */
final class KafkaRebalanceListener implements ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRebalanceListener.class);

    private final KafkaReceiver r;

    KafkaRebalanceListener(KafkaReceiver receiver) {
        this.r = receiver;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> previous = Map.of();
        try {
            previous = r.consumer.committed(new HashSet<>(partitions), Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.debug("Endpoint {}: reading the committed positions of {} failed; no record is marked redelivered",
                    r.queue, partitions, e);
        }
        for (TopicPartition tp : partitions) {
            PartitionTracker t = new PartitionTracker(r.inFlight);
            OffsetAndMetadata c = previous.get(tp);
            if (c != null) {
                t.previousOwner(c.metadata());
            }
            r.trackers.put(tp, t);
        }
        LOG.debug("Endpoint {}: assigned {}", r.queue, partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        for (TopicPartition tp : partitions) {
            r.buffered.remove(tp);
        }
        r.redeliveries.removeIf(d -> partitions.contains(d.partition));
        if (!r.closing) {
            awaitSettled(partitions);
        }
        for (TopicPartition tp : partitions) {
            r.handler.onRevoked(r.scopeOf(tp));
        }
        Map<TopicPartition, PartitionTracker> gone = new HashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionTracker t = r.trackers.get(tp);
            if (t != null) {
                gone.put(tp, t);
            }
        }
        for (PartitionTracker t : gone.values()) {
            t.freeze(); // later settlements do nothing: the watermark is final
        }
        r.commitSync(gone.keySet());
        TransportException revoked = new TransportException("partition revoked before a commit covered the record",
                null, true);
        for (TopicPartition tp : gone.keySet()) {
            r.trackers.remove(tp).revoke(revoked);
        }
        LOG.debug("Endpoint {}: released {}", r.queue, partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            r.buffered.remove(tp);
            r.handler.onRevoked(r.scopeOf(tp));
            PartitionTracker t = r.trackers.remove(tp);
            if (t != null) {
                t.revoke(new TransportException(tp + " was lost (this member left the group)", null, true));
            }
        }
        r.redeliveries.removeIf(d -> partitions.contains(d.partition));
        LOG.warn("Endpoint {}: partitions {} lost; their unsettled records go to the next owner", r.queue, partitions);
    }

    private void awaitSettled(Collection<TopicPartition> partitions) {
        long deadline = System.nanoTime() + r.settings.revocationTimeout().toNanos();
        while (System.nanoTime() < deadline) {
            int running = 0;
            for (TopicPartition tp : partitions) {
                PartitionTracker t = r.trackers.get(tp);
                running += t == null ? 0 : t.inFlight();
            }
            if (running == 0) {
                return;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(2); // a bounded wait for other threads' settlements, inside the rebalance
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.warn("Endpoint {}: records of revoked {} still running after {}; released unsettled", r.queue, partitions,
                r.settings.revocationTimeout());
    }
}
