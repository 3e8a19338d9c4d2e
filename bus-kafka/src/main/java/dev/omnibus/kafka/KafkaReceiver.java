package dev.omnibus.kafka;

import dev.omnibus.TransportException;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receive loop of one endpoint: one consumer, one thread ({@code omnibus-kafka-<bus>-<endpoint>}).
 *
 * <h2>Threading</h2>
 * The consumer is touched only by the loop's thread. Deliveries are settled on the bus's threads
 * through each partition's {@link PartitionTracker}; the loop commits the trackers' watermarks every
 * commit interval ({@code commitAsync}, never a commit per record), on revocation and at close
 * ({@code commitSync}). The loop never waits on a consumer: it hands records while the bus holds
 * fewer than {@code prefetch} unsettled ones, buffers what it could not hand, pauses a partition
 * once its share of the window is buffered, and keeps polling (so the group keeps the member) until
 * there is room.
 *
 * <h2>Rebalances</h2>
 * On revocation, records buffered for the partition are dropped unhanded; the bus's records of the
 * partition get up to the revocation timeout to settle (nothing new is handed meanwhile); then the bus
 * drops those it has not started ({@link DeliveryHandler#onRevoked}), the partition's deliveries
 * become invalid (late settlements do nothing), and the settled watermark is committed before the
 * partition is released. A lost partition (the member was expelled) is dropped without a commit.
 *
 * <h2>Transactions</h2>
 * With {@link KafkaTransportBuilder#transactions} and an endpoint that holds its consumers' outputs
 * ({@code useInMemoryOutbox()}), every commit above is a transaction of the endpoint's own producer that
 * also writes the outputs of the records below the committed watermarks ({@link KafkaTransactions}).
 *
 * <h2>Reply endpoints</h2>
 * A temporary endpoint reads its own topic without a group ({@code assign}), commits nothing, and its
 * topic is deleted when the transport closes.
 */
final class KafkaReceiver implements ReceiveHandle, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaReceiver.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration POLL_WHILE_PAUSED = Duration.ofMillis(10);

    private final KafkaTransport transport;
    final String queue;
    private final Collection<String> topics;
    private final boolean temporary;
    private final int prefetch;
    private final int lowWater;
    private volatile boolean waitingForRoom;
    final DeliveryHandler handler;
    final Consumer<byte[], byte[]> consumer;
    final KafkaSettings settings;
    final AtomicInteger inFlight = new AtomicInteger();
    /** Written on the loop thread only; read by deliveries from any thread. */
    final Map<TopicPartition, PartitionTracker> trackers = new ConcurrentHashMap<>();
    final Map<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> buffered = new HashMap<>();
    final ConcurrentLinkedDeque<KafkaDelivery> redeliveries = new ConcurrentLinkedDeque<>();
    private final Map<TopicPartition, String> scopes = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean deliveriesStopped;
    volatile boolean closing;
    private volatile boolean closed;
    private long lastCommitNanos = System.nanoTime();
    /** Null unless the endpoint commits in transactions with its consumers' outputs ({@link KafkaTransactions}). */
    final KafkaTransactions transactions;

    KafkaReceiver(KafkaTransport transport, String queue, Collection<String> topics, boolean temporary, int prefetch,
            DeliveryHandler handler, Consumer<byte[], byte[]> consumer, String threadName, String transactionalId) {
        this.transport = transport;
        this.queue = queue;
        this.topics = List.copyOf(topics);
        this.temporary = temporary;
        this.prefetch = prefetch;
        this.lowWater = prefetch - Math.max(1, prefetch / 4);
        this.handler = handler;
        this.consumer = consumer;
        this.settings = transport.settings();
        this.thread = new Thread(this, threadName);
        this.thread.setDaemon(true);
        this.transactions = transactionalId == null ? null : new KafkaTransactions(this, transactionalId);
    }

    void start() {
        if (temporary) {
            List<TopicPartition> parts = new ArrayList<>();
            transport.topics().describe(topics).values().forEach(d -> d.partitions()
                    .forEach(p -> parts.add(new TopicPartition(d.name(), p.partition()))));
            consumer.assign(parts);
            for (TopicPartition tp : parts) {
                trackers.put(tp, new PartitionTracker(inFlight));
            }
        } else {
            if (transactions != null) {
                transactions.start();
            }
            consumer.subscribe(topics, new KafkaRebalanceListener(this));
        }
        thread.start();
    }

    String queue() {
        return queue;
    }

    boolean temporary() {
        return temporary;
    }

    KafkaTransport transport() {
        return transport;
    }

    boolean isClosed() {
        return closed;
    }

    String scopeOf(TopicPartition tp) {
        return scopes.computeIfAbsent(tp, TopicPartition::toString);
    }

    /**
     * A delivery settled (acknowledged or moved): wakes the loop when it waits for room and the
     * window has drained to its low-water mark (a quarter free), so a full window refills at once
     * instead of at the next poll, without a wake-up per record.
     */
    void settledOne() {
        if (waitingForRoom && inFlight.get() <= lowWater) {
            LockSupport.unpark(thread);
        }
    }

    /** Parks the loop until {@link #settledOne} makes room, at most {@link #POLL_WHILE_PAUSED}. */
    private void awaitRoom() {
        waitingForRoom = true;
        try {
            if (inFlight.get() > lowWater) { // checked after raising the flag: a settlement in between unparks
                LockSupport.parkNanos(this, POLL_WHILE_PAUSED.toNanos());
            }
        } finally {
            waitingForRoom = false;
        }
    }

    /** A requeue: handed again while the endpoint runs, released (left uncommitted) while it stops. */
    void requeue(KafkaDelivery d) {
        if (deliveriesStopped || closing) {
            d.tracker.released(d.record.offset());
        } else if (!d.tracker.revoked()) {
            redeliveries.addFirst(d);
        }
    }

    // ------------------------------------------------------------------------------------------
    // The loop

    @Override
    public void run() {
        Throwable died = null;
        try {
            while (!closing) {
                if (!deliveriesStopped) {
                    dispatch();
                }
                boolean paused = adjustPauses();
                boolean full = inFlight.get() >= prefetch;
                if (!deliveriesStopped && (full || hasBuffered())) {
                    // records wait in the buffer or the window is full: never block in poll then (a
                    // settlement between dispatch and here leaves room the next dispatch must use at once)
                    if (full) {
                        awaitRoom();
                    }
                    buffer(consumer.poll(Duration.ZERO)); // rebalance callbacks and fetches keep running
                } else {
                    buffer(consumer.poll(paused ? POLL_WHILE_PAUSED : POLL));
                }
                if (!deliveriesStopped) {
                    dispatch();
                }
                commitIfDue(false);
            }
            commitIfDue(true);
            commitSync(new ArrayList<>(trackers.keySet()));
        } catch (Throwable t) {
            if (!closing) {
                died = t;
                LOG.error("Endpoint {}: the Kafka receive loop stopped on an error; the endpoint subscribes again", queue, t);
            }
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("Endpoint {}: closing the Kafka consumer failed: {}", queue, e.toString());
            }
            if (transactions != null) {
                transactions.close();
            }
            for (PartitionTracker t : trackers.values()) {
                t.revoke(new TransportException("endpoint " + queue + " closed before the commit", null, true));
            }
            closed = true;
        }
        if (died != null) { // after the consumer left its group: a new subscription can take the partitions at once
            handler.onReceiveStopped(died);
        }
    }

    private boolean hasBuffered() {
        for (ArrayDeque<ConsumerRecord<byte[], byte[]>> q : buffered.values()) {
            if (!q.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private void buffer(ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            if (!trackers.containsKey(tp)) {
                continue; // revoked during this poll
            }
            ArrayDeque<ConsumerRecord<byte[], byte[]>> q = buffered.computeIfAbsent(tp, k -> new ArrayDeque<>());
            q.addAll(records.records(tp));
        }
    }

    /** Hands redeliveries, then buffered records (partitions in turn), while the prefetch window has room. */
    private void dispatch() {
        List<Delivery> batch = null;
        KafkaDelivery again;
        while (inFlight.get() < prefetch + redeliveries.size() && (again = redeliveries.pollFirst()) != null) {
            if (again.tracker.revoked()) {
                continue;
            }
            batch = add(batch, again.again());
        }
        boolean any = true;
        while (any && inFlight.get() < prefetch) {
            any = false;
            Iterator<Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>>> it = buffered.entrySet().iterator();
            while (it.hasNext() && inFlight.get() < prefetch) {
                Map.Entry<TopicPartition, ArrayDeque<ConsumerRecord<byte[], byte[]>>> e = it.next();
                ConsumerRecord<byte[], byte[]> r = e.getValue().pollFirst();
                if (r == null) {
                    it.remove();
                    continue;
                }
                any = true;
                PartitionTracker tracker = trackers.get(e.getKey());
                int count = tracker.firstDeliveryCount(r.offset());
                KafkaDelivery d = new KafkaDelivery(this, r, e.getKey(), tracker, tracker.handed(r.offset()), count);
                if (r.value() == null) {
                    d.ack(); // a tombstone carries no message: settled without the bus
                    continue;
                }
                batch = add(batch, d);
            }
        }
        if (batch != null) {
            handler.onDeliveries(batch);
        }
    }

    private static List<Delivery> add(List<Delivery> batch, Delivery d) {
        List<Delivery> b = batch == null ? new ArrayList<>() : batch;
        b.add(d);
        return b;
    }

    /**
     * Pauses what must wait, resumes what may flow; true when anything is paused.
     *
     * <p>A partition keeps fetching until the records buffered for it reach its share of the
     * prefetch window ({@code prefetch / assigned partitions}), whether or not the window is full:
     * the window is then refilled from every partition in turn as it drains. Pausing a partition
     * as soon as anything of it was buffered filled the window from the one or two partitions the
     * last fetch returned, so on a key-ordered endpoint it held the keys of those partitions only
     * and most workers idled (10-14 of 32 busy in the load tool's 1-5 ms run; 32 with shares).
     * Buffered records stay bounded by the prefetch plus one poll ({@code max.poll.records}).
     */
    private boolean adjustPauses() {
        Set<TopicPartition> assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return false;
        }
        int share = Math.max(1, prefetch / assigned.size());
        Set<TopicPartition> pause = new HashSet<>();
        Set<TopicPartition> resume = new HashSet<>();
        Set<TopicPartition> paused = consumer.paused();
        for (TopicPartition tp : assigned) {
            ArrayDeque<ConsumerRecord<byte[], byte[]>> q = buffered.get(tp);
            boolean hold = deliveriesStopped || q != null && q.size() >= share;
            if (hold && !paused.contains(tp)) {
                pause.add(tp);
            } else if (!hold && paused.contains(tp)) {
                resume.add(tp);
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
        return !consumer.paused().isEmpty();
    }

    private void commitIfDue(boolean now) {
        if (temporary) {
            return;
        }
        long t = System.nanoTime();
        if (!now && t - lastCommitNanos < settings.commitInterval().toNanos()) {
            return;
        }
        lastCommitNanos = t;
        if (transactions != null) {
            transactions.commit(new ArrayList<>(trackers.keySet()), false, true);
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
        for (Map.Entry<TopicPartition, PartitionTracker> e : trackers.entrySet()) {
            long p = e.getValue().toCommit();
            if (p >= 0) {
                positions.put(e.getKey(), new OffsetAndMetadata(p, e.getValue().commitMetadata()));
            }
        }
        if (positions.isEmpty()) {
            return;
        }
        consumer.commitAsync(positions, (done, error) -> {
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : positions.entrySet()) {
                PartitionTracker tracker = trackers.get(e.getKey());
                if (tracker == null) {
                    continue;
                }
                if (error == null) {
                    tracker.committed(e.getValue().offset());
                } else {
                    LOG.debug("Endpoint {}: commit of {} failed; retried at the next interval", queue, e.getKey(), error);
                    tracker.commitFailed(e.getValue().offset(), new TransportException(
                            "committing " + e.getKey() + " failed: " + error, error, true));
                }
            }
        });
    }

    /** Commits the settled watermark of {@code parts} and waits for the broker (revocation, close). */
    void commitSync(Collection<TopicPartition> parts) {
        if (temporary) {
            return;
        }
        if (transactions != null) {
            transactions.commit(parts, true, false);
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
        for (TopicPartition tp : parts) {
            PartitionTracker tracker = trackers.get(tp);
            long w = tracker == null ? -1 : tracker.finalPosition();
            if (w >= 0) {
                positions.put(tp, new OffsetAndMetadata(w, tracker.commitMetadata()));
            }
        }
        if (positions.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(positions, Duration.ofSeconds(10));
            positions.forEach((tp, p) -> trackers.get(tp).committed(p.offset()));
        } catch (RuntimeException e) {
            LOG.warn("Endpoint {}: committing {} failed ({}); the next owner reads their settled records again", queue,
                    positions, e.toString());
            positions.forEach((tp, p) -> trackers.get(tp).commitFailed(p.offset(),
                    new TransportException("committing " + tp + " failed: " + e, e, true)));
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
        closing = true; // the loop sees it within one poll (at most 100 ms): no wakeup, which could cut its final commit
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
