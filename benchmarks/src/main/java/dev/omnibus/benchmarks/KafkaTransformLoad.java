package dev.omnibus.benchmarks;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.benchmarks.Orders.OrderSubmitted;
import dev.omnibus.kafka.KafkaTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code KafkaLoadTool --transactions}: the cost of consume-transform-produce transactions. Each side
 * reads N keyed records (the Omnibus body of an {@code OrderSubmitted}, written beforehand, untimed) and
 * writes one record per input to an output topic; it is timed from its first input record to the moment
 * a {@code read_committed} reader of the output topic has seen all N outputs (what a downstream
 * service waits for). Five sides, in one run, on one broker, alternating which pair goes first:
 * <ul>
 * <li><b>Omnibus send-and-wait</b>: an endpoint whose consumer {@code ctx.send}s the message on; the
 *     worker waits for the broker's confirmation before the record is settled (the default);</li>
 * <li><b>Omnibus outbox</b>: the same with {@code useInMemoryOutbox()}: the send leaves after the
 *     consumer returned and the record is settled when it is confirmed, without holding the worker;</li>
 * <li><b>Omnibus transactional</b>: the outbox on a transport with {@code transactions(...)}: outputs
 *     and positions in one transaction per 100 ms commit;</li>
 * <li><b>raw at-least-once</b>: a {@code KafkaConsumer} loop that sends each output, and every 100 ms
 *     flushes the producer and commits the consumed positions ({@code commitAsync});</li>
 * <li><b>raw transactional</b>: the same loop with a transactional producer: a transaction per 100 ms
 *     holding the outputs and {@code sendOffsetsToTransaction(positions, groupMetadata)}.</li>
 * </ul>
 * Same client tuning on all sides (the load tool's), {@code read_committed} consumers everywhere.
 */
final class KafkaTransformLoad {
    /** What the load tool lends: its clients' settings, topic creation and clean-up registration. */
    interface Tool {
        KafkaTransport transport(String transactionalInstance);

        Properties rawProducerProperties();

        Properties rawConsumerProperties(String group, int maxPollRecords);

        void createTopics(String... names) throws Exception;

        void rawProduce(String topic, byte[] value, int n) throws Exception;

        /** Registers an Omnibus endpoint's consumer group for deletion at the end. */
        void group(String name);
    }

    private static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);
    private static final long TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(5);

    private final Tool tool;
    private final String prefix;
    private final String run;
    private final byte[] value;
    private final int messages;
    private final int rounds;
    private final int partitions;
    private final int concurrency;
    private final int prefetch;

    KafkaTransformLoad(Tool tool, String prefix, String run, byte[] value, int messages, int rounds, int partitions,
            int concurrency, int prefetch) {
        this.tool = tool;
        this.prefix = prefix;
        this.run = run;
        this.value = value;
        this.messages = messages;
        this.rounds = rounds;
        this.partitions = partitions;
        this.concurrency = concurrency;
        this.prefetch = prefetch;
    }

    void measure() throws Exception {
        System.out.printf(Locale.ROOT, "consume-transform-produce: %,d records per side, concurrency %d, prefetch %d, "
                + "commits every %d ms; %d rounds + warm-up%n", messages, concurrency, prefetch, COMMIT_INTERVAL.toMillis(),
                rounds);
        LoadComparison busCost = new LoadComparison("Omnibus outbox: at-least-once vs transactional", rounds);
        LoadComparison rawCost = new LoadComparison("raw: at-least-once vs transactional", rounds);
        LoadComparison vsRaw = new LoadComparison("at-least-once: raw vs Omnibus outbox", rounds);
        LoadComparison vsRawTx = new LoadComparison("transactional: raw vs Omnibus", rounds);
        LoadComparison waitCost = new LoadComparison("Omnibus: send-and-wait vs outbox", rounds);
        List<String> sides = List.of("bus", "busout", "bustx", "raw", "rawtx");
        for (int round = 0; round <= rounds; round++) {
            int n = round == 0 ? Math.min(messages, 5_000) : messages;
            String r = "-" + round;
            List<String> topics = new ArrayList<>();
            for (String side : sides) {
                topics.add(prefix + side + "-in" + r);
                topics.add(prefix + side + "-out" + r);
            }
            tool.createTopics(topics.toArray(String[]::new)); // all at once, before any send (KAFKA-15591)
            awaitLeaders(topics);
            for (String side : sides) {
                tool.rawProduce(prefix + side + "-in" + r, value, n - 1); // plus its one warm-up record: n
            }
            double bus;
            double busOut;
            double busTx;
            double raw;
            double rawTx;
            if (round % 2 == 1) {
                raw = raw("raw" + r, n, false);
                rawTx = raw("rawtx" + r, n, true);
                busOut = bus("busout" + r, n, true, false);
                busTx = bus("bustx" + r, n, true, true);
                bus = bus("bus" + r, n, false, false);
            } else {
                busOut = bus("busout" + r, n, true, false);
                busTx = bus("bustx" + r, n, true, true);
                raw = raw("raw" + r, n, false);
                rawTx = raw("rawtx" + r, n, true);
                bus = bus("bus" + r, n, false, false);
            }
            System.out.printf(Locale.ROOT, "%s: Omnibus send-and-wait %,.0f/s; Omnibus outbox %,.0f/s, transactional %,.0f/s "
                    + "(%.2f); raw %,.0f/s, transactional %,.0f/s (%.2f); Omnibus/raw: at-least-once %.2f, transactional %.2f%n",
                    round == 0 ? "warm-up" : "round " + round, bus, busOut, busTx, busTx / busOut, raw, rawTx, rawTx / raw,
                    busOut / raw, busTx / rawTx);
            if (round > 0) {
                busCost.add(busOut, busTx);
                rawCost.add(raw, rawTx);
                vsRaw.add(raw, busOut);
                vsRawTx.add(rawTx, busTx);
                waitCost.add(bus, busOut);
            }
        }
        System.out.println();
        LoadComparison.print("best of " + rounds + " rounds", "baseline rec/s", "candidate rec/s",
                List.of(busCost, rawCost, vsRaw, vsRawTx, waitCost));
        System.out.printf(Locale.ROOT, "per round: Omnibus tx/outbox %s; raw tx/at-least-once %s; Omnibus/raw at-least-once "
                + "%s; Omnibus/raw transactional %s; Omnibus outbox/send-and-wait %s%n", busCost.roundRatios(),
                rawCost.roundRatios(), vsRaw.roundRatios(), vsRawTx.roundRatios(), waitCost.roundRatios());
    }

    /** Omnibus: endpoint {@code <side>-in} sends each message on to {@code <side>-out}; records per second. */
    private double bus(String side, int n, boolean outbox, boolean transactional) throws Exception {
        String in = side.replace("-", "-in-");
        String out = side.replace("-", "-out-");
        tool.group(prefix + in);
        AtomicLong first = new AtomicLong();
        KafkaTransport transport = tool.transport(transactional ? "load-" + run : null);
        try (Bus bus = Bus.builder().transport(transport).name("load-transform-" + run)
                .receiveEndpoint(in, e -> {
                    e.concurrency(concurrency).prefetch(prefetch).consumer(OrderSubmitted.class, ctx -> {
                        first.compareAndSet(0, System.nanoTime());
                        ctx.send(Address.queue(out), ctx.message());
                    });
                    if (outbox) {
                        e.useInMemoryOutbox();
                    }
                })
                .start()) {
            awaitOutputs(prefix + out, n, side);
            return n / LoadComparison.seconds(first.get());
        }
    }

    /** Raw: a consumer loop on {@code <side>-in} writing each value to {@code <side>-out}; records per second. */
    private double raw(String side, int n, boolean transactional) throws Exception {
        String in = prefix + side.replace("-", "-in-");
        String out = prefix + side.replace("-", "-out-");
        AtomicLong first = new AtomicLong();
        AtomicReference<Exception> failed = new AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread loop = new Thread(() -> {
            try {
                rawLoop(in, out, transactional, first, stop);
            } catch (Exception e) {
                failed.set(e);
            }
        }, "load-raw-transform");
        loop.start();
        try {
            awaitOutputs(out, n, side);
        } finally {
            stop.set(true);
            loop.join(TimeUnit.SECONDS.toMillis(30));
        }
        if (failed.get() != null) {
            throw failed.get();
        }
        return n / LoadComparison.seconds(first.get());
    }

    private void rawLoop(String in, String out, boolean transactional, AtomicLong first,
            java.util.concurrent.atomic.AtomicBoolean stop) {
        Properties cp = tool.rawConsumerProperties(in.substring(prefix.length()) + "-raw", Math.min(500, prefetch));
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Properties pp = tool.rawProducerProperties();
        if (transactional) {
            pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, in + "/raw-" + run);
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(cp); KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(pp)) {
            if (transactional) {
                p.initTransactions();
            }
            c.subscribe(List.of(in));
            Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
            boolean open = false;
            long lastCommit = System.nanoTime();
            while (!stop.get()) {
                ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(10));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    first.compareAndSet(0, System.nanoTime());
                    if (transactional && !open) {
                        p.beginTransaction();
                        open = true;
                    }
                    p.send(new ProducerRecord<>(out, r.key(), r.value()));
                    positions.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (!positions.isEmpty() && System.nanoTime() - lastCommit >= COMMIT_INTERVAL.toNanos()) {
                    commit(c, p, positions, transactional);
                    open = false;
                    lastCommit = System.nanoTime();
                }
            }
            if (!positions.isEmpty()) {
                commit(c, p, positions, transactional);
            } else if (open) {
                p.abortTransaction();
            }
        }
    }

    private static void commit(KafkaConsumer<byte[], byte[]> c, KafkaProducer<byte[], byte[]> p,
            Map<TopicPartition, OffsetAndMetadata> positions, boolean transactional) {
        if (transactional) {
            p.sendOffsetsToTransaction(Map.copyOf(positions), c.groupMetadata());
            p.commitTransaction();
        } else {
            p.flush(); // the outputs are written before the positions past their inputs are committed
            c.commitAsync(Map.copyOf(positions), null);
        }
        positions.clear();
    }

    /**
     * Waits until the broker answers a ListOffsets for every partition of {@code topics} (it leads
     * them), within 60 s: an idempotent producer writing to a partition whose leader is not ready yet
     * can fail with OUT_OF_ORDER_SEQUENCE_NUMBER (KAFKA-15591), which would measure that race.
     */
    private void awaitLeaders(List<String> topics) {
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : topics) {
            for (int i = 0; i < partitions; i++) {
                parts.add(new TopicPartition(t, i));
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(tool.rawConsumerProperties(null, 1))) {
            while (true) {
                try {
                    if (c.endOffsets(parts, Duration.ofSeconds(5)).size() == parts.size()) {
                        return;
                    }
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    // not led yet: ask again
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("partitions of " + topics + " without a ready leader after 60 s");
                }
            }
        }
    }

    /** Waits until a read_committed reader of {@code topic} has seen {@code n} records. */
    private void awaitOutputs(String topic, int n, String side) {
        Properties p = tool.rawConsumerProperties(null, 500);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> reader = new KafkaConsumer<>(p)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                parts.add(new TopicPartition(topic, i));
            }
            reader.assign(parts);
            reader.seekToBeginning(parts);
            long deadline = System.nanoTime() + TIMEOUT_NANOS;
            int seen = 0;
            while (seen < n) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(side + ": outputs missing (" + seen + " of " + n + ")");
                }
                seen += reader.poll(Duration.ofMillis(10)).count();
            }
            if (seen > n) {
                throw new IllegalStateException(side + ": " + (seen - n) + " outputs more than inputs");
            }
        }
    }
}
