package dev.omnibus.kafka;

import dev.omnibus.TransportException;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.TopicIdPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receive loop of an endpoint in queue mode: one {@code KafkaShareConsumer} in the endpoint's
 * share group, explicit acknowledgement, one thread ({@code omnibus-kafka-<bus>-<endpoint>}).
 *
 * <h2>Threading</h2>
 * The share consumer is not thread-safe and is touched only by the loop's thread. Settlements and
 * renewals asked for on the bus's threads ({@link KafkaShareDelivery}) are queued and applied there:
 * {@code acknowledge(record, type)}, then {@code commitAsync} (or the next poll) sends them; the
 * acknowledgement commit callback, which the client runs on this thread inside those calls, completes
 * each delivery's stage when the broker confirmed it, or fails it with a retryable
 * {@link TransportException}.
 *
 * <h2>What the 4.3 share consumer allows, and the loop that follows from it</h2>
 * In explicit mode every record a poll returned must be acknowledged (accept, release, reject or
 * renew) before the next poll, and while any record is being renewed the consumer fetches nothing
 * new. So the loop works batch by batch: it polls at most {@code prefetch} records
 * ({@code share.acquire.mode=record_limit}, {@code max.poll.records}), hands them to the bus, then
 * applies settlements as they come without polling, until either every record of the batch is
 * settled (it polls again) or the oldest unsettled one has held its lock for half the lock duration:
 * then it renews ({@code RENEW}) every unsettled record and polls, which returns them with fresh
 * locks (they are not handed again). That is the prefetch bound, the lock renewal for slow consumers,
 * and the poll that keeps the member in the group, in one rule. A slow record holds back the next
 * batch of this member, not other members.
 *
 * <h2>Stop</h2>
 * {@link #stopDeliveries()}: nothing new is polled (a record acquired and released at once would
 * count a delivery). {@link #close()}: settlements already asked for are applied, every record the
 * bus did not settle is released, the acknowledgements are committed (up to 5 s), the consumer
 * closes; stages still unconfirmed fail with a retryable {@link TransportException}.
 */
final class KafkaShareReceiver implements ReceiveHandle, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaShareReceiver.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final long WAIT_MS = 10;
    private static final int DEFAULT_LOCK_MS = 30_000;

    /** A record of the share group: its partition and offset. */
    record RecordId(String topic, int partition, long offset) {
        @Override
        public String toString() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    /** A settlement ({@code ACCEPT}, {@code RELEASE}) or a renewal ({@code RENEW}) asked for on another thread. */
    private record Request(KafkaShareDelivery delivery, AcknowledgeType type, CompletableFuture<Void> renewed) {
    }

    private final KafkaTransport transport;
    private final String queue;
    private final Collection<String> topics;
    private final DeliveryHandler handler;
    private final ShareConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final LinkedBlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    // ---- the loop thread only
    /** Returned by the last poll and not acknowledged yet: a poll must wait for them. */
    private final Map<RecordId, KafkaShareDelivery> held = new HashMap<>();
    /** Renewal sent; the record comes back from a later poll with a fresh lock. */
    private final Map<RecordId, KafkaShareDelivery> renewing = new HashMap<>();
    /** Final acknowledgement sent, confirmation awaited. */
    private final Map<RecordId, KafkaShareDelivery> confirming = new HashMap<>();
    private boolean renewAsked;
    private volatile boolean deliveriesStopped;
    private volatile boolean closing;
    private volatile boolean closed;

    KafkaShareReceiver(KafkaTransport transport, String queue, Collection<String> topics, DeliveryHandler handler,
            ShareConsumer<byte[], byte[]> consumer, String threadName) {
        this.transport = transport;
        this.queue = queue;
        this.topics = List.copyOf(topics);
        this.handler = handler;
        this.consumer = consumer;
        this.thread = new Thread(this, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        consumer.setAcknowledgementCommitCallback(this::onConfirmed);
        consumer.subscribe(topics);
        thread.start();
    }

    String queue() {
        return queue;
    }

    KafkaTransport transport() {
        return transport;
    }

    boolean isClosed() {
        return closed;
    }

    /** Any thread: settle {@code d} with {@code type} on the loop thread. */
    void request(KafkaShareDelivery d, AcknowledgeType type) {
        requests.add(new Request(d, type, null));
    }

    /** Any thread: renew {@code d}'s lock now; {@code renewed} completes when the broker confirmed it. */
    void renew(KafkaShareDelivery d, CompletableFuture<Void> renewed) {
        requests.add(new Request(d, AcknowledgeType.RENEW, renewed));
    }

    // ------------------------------------------------------------------------------------------
    // The loop

    @Override
    public void run() {
        try {
            while (!closing) {
                applyRequests();
                if (!held.isEmpty() && !renewalDue()) {
                    Request r = requests.poll(WAIT_MS, TimeUnit.MILLISECONDS); // waiting for the bus to settle
                    if (r != null) {
                        apply(r);
                        applyRequests();
                    }
                    consumer.commitAsync(); // sends what was acknowledged; runs the confirmation callbacks
                    continue;
                }
                if (!held.isEmpty()) {
                    renewHeld();
                } else if (deliveriesStopped && renewing.isEmpty()) {
                    consumer.commitAsync();
                    Thread.sleep(WAIT_MS); // stopping: nothing is acquired any more
                    continue;
                }
                take(consumer.poll(POLL));
            }
            shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Endpoint {}: the Kafka share receive loop was interrupted; no more records are read", queue);
        } catch (Throwable t) {
            if (!closing) {
                LOG.error("Endpoint {}: the Kafka share receive loop stopped on an error; no more records are read", queue, t);
            }
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5)); // releases whatever is still acquired
            } catch (RuntimeException e) {
                LOG.warn("Endpoint {}: closing the Kafka share consumer failed: {}", queue, e.toString());
            }
            closed = true;
            TransportException gone = new TransportException("endpoint " + queue
                    + " closed before the broker confirmed the acknowledgement", null, true);
            List<KafkaShareDelivery> all = new ArrayList<>(held.values());
            all.addAll(renewing.values());
            all.addAll(confirming.values());
            for (KafkaShareDelivery d : all) {
                fail(d, gone);
            }
            Request r;
            while ((r = requests.poll()) != null) {
                fail(r.delivery(), gone);
            }
        }
    }

    /** The records of a poll: new ones are handed to the bus, renewed ones are held again. */
    private void take(ConsumerRecords<byte[], byte[]> records) {
        List<Delivery> batch = null;
        long now = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            RecordId id = new RecordId(r.topic(), r.partition(), r.offset());
            KafkaShareDelivery d = renewing.remove(id);
            if (d != null) {
                d.acquiredNanos = now;
                held.put(id, d);
                if (d.pendingFinal != null) {
                    acknowledge(d, d.pendingFinal);
                }
                continue;
            }
            d = new KafkaShareDelivery(this, r, id);
            d.acquiredNanos = now;
            held.put(id, d);
            if (deliveriesStopped) {
                acknowledge(d, AcknowledgeType.RELEASE); // acquired as the stop began: back at once
            } else if (r.value() == null) {
                acknowledge(d, AcknowledgeType.ACCEPT); // a tombstone carries no message
            } else {
                if (batch == null) {
                    batch = new ArrayList<>();
                }
                batch.add(d);
            }
        }
        if (batch != null) {
            handler.onDeliveries(batch);
        }
    }

    private void applyRequests() {
        Request r;
        while ((r = requests.poll()) != null) {
            apply(r);
        }
    }

    private void apply(Request r) {
        KafkaShareDelivery d = r.delivery();
        if (r.type() == AcknowledgeType.RENEW) {
            if (held.containsKey(d.id)) {
                d.renewals.add(r.renewed());
                renewAsked = true;
            } else if (renewing.containsKey(d.id)) {
                d.renewals.add(r.renewed()); // the renewal on its way answers this one too
            } else {
                r.renewed().complete(null); // settled meanwhile: nothing to renew
            }
            return;
        }
        if (held.containsKey(d.id)) {
            acknowledge(d, r.type());
        } else if (renewing.containsKey(d.id)) {
            d.pendingFinal = r.type(); // applied when the renewed record is back
        } else {
            fail(d, new TransportException("record " + d.id + " of endpoint " + queue
                    + " is no longer held by this member (its lock was lost); the broker delivers it again", null, true));
        }
    }

    /** Acknowledges a held record with its final type. */
    private void acknowledge(KafkaShareDelivery d, AcknowledgeType type) {
        held.remove(d.id);
        d.pendingFinal = null;
        consumer.acknowledge(d.record, type);
        d.unconfirmed++;
        d.finalSent = true;
        confirming.put(d.id, d);
    }

    private boolean renewalDue() {
        if (renewAsked) {
            return true;
        }
        long lockNanos = TimeUnit.MILLISECONDS.toNanos(consumer.acquisitionLockTimeoutMs().orElse(DEFAULT_LOCK_MS));
        long oldest = Long.MAX_VALUE;
        for (KafkaShareDelivery d : held.values()) {
            oldest = Math.min(oldest, d.acquiredNanos);
        }
        return System.nanoTime() - oldest > lockNanos / 2;
    }

    /** Renews every held record, so the loop may poll (which returns them with fresh locks). */
    private void renewHeld() {
        renewAsked = false;
        for (KafkaShareDelivery d : held.values()) {
            consumer.acknowledge(d.record, AcknowledgeType.RENEW);
            d.unconfirmed++;
            renewing.put(d.id, d);
        }
        LOG.debug("Endpoint {}: renewing the locks of {} records still running", queue, held.size());
        held.clear();
    }

    /** The acknowledgement commit callback: runs on the loop thread, inside poll and commit calls. */
    private void onConfirmed(Map<TopicIdPartition, Set<Long>> offsets, Exception error) {
        for (Map.Entry<TopicIdPartition, Set<Long>> e : offsets.entrySet()) {
            TopicIdPartition tp = e.getKey();
            for (long offset : e.getValue()) {
                RecordId id = new RecordId(tp.topic(), tp.partition(), offset);
                KafkaShareDelivery d = confirming.get(id);
                if (d == null) {
                    d = renewing.get(id);
                }
                if (d == null) {
                    d = held.get(id);
                }
                if (d == null) {
                    continue; // a tombstone's or a gap's acknowledgement, or one already failed
                }
                d.unconfirmed--;
                boolean last = d.finalSent && d.unconfirmed <= 0;
                if (error == null) {
                    if (last) {
                        confirming.remove(id);
                        d.confirmed.complete(null);
                    } else {
                        completeRenewals(d, null);
                    }
                } else {
                    TransportException failure = new TransportException("the broker did not take the acknowledgement of "
                            + id + " (endpoint " + queue + "): " + error, error, true);
                    if (last) {
                        confirming.remove(id);
                        d.lost();
                        d.confirmed.completeExceptionally(failure);
                    } else {
                        // a renewal failed: the lock is gone and the record will not come back here
                        renewing.remove(id);
                        fail(d, failure);
                    }
                    LOG.debug("Endpoint {}: {}", queue, failure.getMessage());
                }
            }
        }
    }

    private static void completeRenewals(KafkaShareDelivery d, Throwable error) {
        for (CompletableFuture<Void> f : d.renewals) {
            if (error == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(error);
            }
        }
        d.renewals.clear();
    }

    private static void fail(KafkaShareDelivery d, TransportException e) {
        d.lost();
        completeRenewals(d, e);
        d.confirmed.completeExceptionally(e);
    }

    /** At close: what the bus settled is acknowledged, the rest released, and all of it committed. */
    private void shutdown() {
        applyRequests();
        for (KafkaShareDelivery d : new ArrayList<>(held.values())) {
            acknowledge(d, AcknowledgeType.RELEASE);
        }
        if (!confirming.isEmpty()) {
            try {
                consumer.commitSync(Duration.ofSeconds(5)); // runs the confirmation callbacks
            } catch (RuntimeException e) {
                LOG.warn("Endpoint {}: committing the last acknowledgements failed ({}); their records are delivered again",
                        queue, e.toString());
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // ReceiveHandle

    @Override
    public void stopDeliveries() {
        deliveriesStopped = true;
    }

    @Override
    public void close() {
        deliveriesStopped = true;
        closing = true; // seen within one poll (at most 100 ms)
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
