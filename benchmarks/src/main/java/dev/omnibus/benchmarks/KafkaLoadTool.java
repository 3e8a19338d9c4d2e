package dev.omnibus.benchmarks;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.benchmarks.Orders.OrderSubmitted;
import dev.omnibus.kafka.KafkaTransport;
import dev.omnibus.kafka.KafkaTransportBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Measures, in one run on one Kafka broker, raw kafka-clients and Omnibus's Kafka transport doing
 * the same work with the same settings:
 * <ol>
 * <li><b>produce</b>: N small records from one thread, confirmed (every future complete), at most
 *     {@code --window} unconfirmed; raw: a {@code KafkaProducer} with {@code acks=all}, idempotence
 *     on, the same {@code linger.ms}, {@code batch.size} and {@code max.request.size} as the transport's,
 *     the same keys ({@code --keys} of them, in turn), values of exactly the size of the Omnibus body;
 *     Omnibus: {@code bus.send(endpoint, order, partitionKey)} futures.</li>
 * <li><b>consume</b>: the N records Omnibus produced, read by a raw {@code KafkaConsumer} loop
 *     (ack-only: poll, count, {@code commitAsync} of the consumed positions every 100 ms, the
 *     transport's {@code max.poll.records}, assignor, {@code fetch.max.wait.ms} and isolation level) and by an Omnibus endpoint whose consumer
 *     counts ({@code --concurrency}, {@code --prefetch}); timed from the first record to the last.</li>
 * <li><b>consume + decode</b>: the raw loop again, also reading each value as a MassTransit envelope
 *     with plain Jackson, as a raw user must (and as Omnibus does): the baseline with the same work.</li>
 * <li><b>key-ordered vs unordered</b>: the same Omnibus endpoint on the keyed records of 2 and on
 *     N records sent without a key (no ordering key: they run in any order).</li>
 * <li><b>the speed-up</b>: {@code --ordered-messages} (10,000) records over {@code --partitions}
 *     (4) partitions and 50 keys, each with 1–5 ms of {@code Thread.sleep} work (the same for a record's
 *     index on both sides); raw: one consumer per partition (4 in one group, each processing its
 *     records one at a time); Omnibus: one endpoint, key-ordered, concurrency {@code --ordered-concurrency}
 *     (32), prefetch {@code --ordered-prefetch} (256). Omnibus's per-key order is checked.</li>
 * </ol>
 *
 * <pre>
 * ./mvnw -q -o -pl benchmarks -am package -DskipTests exec:exec \
 *     -Dexec.args="-classpath %classpath dev.omnibus.benchmarks.KafkaLoadTool --messages 50000 --rounds 5"
 * </pre>
 *
 * With {@code --transactions} it measures consume-transform-produce instead, with and without
 * transactions, Omnibus and raw ({@link KafkaTransformLoad}):
 * <pre>
 * ./mvnw -q -o -pl benchmarks -am package -DskipTests exec:exec \
 *     -Dexec.args="-classpath %classpath dev.omnibus.benchmarks.KafkaLoadTool --transactions --messages 20000 --rounds 3"
 * </pre>
 *
 * The broker is {@code OMNIBUS_KAFKA_BOOTSTRAP} if set, else a KRaft broker started in this JVM
 * ({@link KafkaBroker}). Every topic and consumer group the tool uses starts with
 * {@code omnibus-load-<run id>.}; they are deleted at the end. A warm-up round (at most 10,000 records,
 * 2,000 for the speed-up) does not count; the raw and the Omnibus run of each comparison alternate
 * which goes first. The summary gives the best rate of each side and the best and median of the
 * rounds' own ratios ({@link LoadComparison}).
 */
public final class KafkaLoadTool {
    /** A record of the speed-up measurement: its key and its index (which fixes its work). */
    public record Work(String key, int seq) {
    }

    private static final Duration COMMIT_INTERVAL = Duration.ofMillis(100); // the transport's default
    private static final Duration POLL = Duration.ofMillis(100);
    private static final int ORDERED_KEYS = 50;

    private final int messages;
    private final int keys;
    private final int partitions;
    private final int prefetch;
    private final int concurrency;
    private final int window;
    private final int lingerMs;
    private final int batchSize;
    private final int orderedMessages;
    private final int orderedConcurrency;
    private final int orderedPrefetch;
    private final int rounds;
    /** {@code --transactions}: measure consume-transform-produce with and without transactions instead. */
    private final boolean transactions;
    /**
     * {@code --only=produce}, {@code consume} or {@code ordered}: one phase alone (the others report 0), for
     * profiling. With {@code -Dload.threads=true} each Omnibus consume also prints the CPU time of every
     * live thread (named without numbers), to tell a saturated receive loop from waiting workers.
     */
    private final String only;
    private final String run = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE).substring(0, 8);
    private final String prefix = "omnibus-load-" + run + ".";
    private final Set<String> groups = ConcurrentHashMap.newKeySet();
    private String bootstrap;
    private Admin admin;

    private KafkaLoadTool(String[] args) {
        int m = 50_000;
        int k = 50;
        int p = 4;
        int pf = 500;
        int c = 8;
        int w = 10_000;
        int linger = 5;
        int batch = 65_536;
        int om = 10_000;
        int oc = 32;
        int opf = 256;
        int r = 3;
        boolean tx = false;
        String phases = "all";
        List<String> rest = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--transactions")) {
                tx = true;
            } else if (a.startsWith("--only=")) {
                phases = a.substring("--only=".length());
            } else {
                rest.add(a);
            }
        }
        args = rest.toArray(String[]::new);
        for (int i = 0; i + 1 < args.length; i += 2) {
            int v = Integer.parseInt(args[i + 1]);
            switch (args[i]) {
                case "--messages" -> m = v;
                case "--keys" -> k = v;
                case "--partitions" -> p = v;
                case "--prefetch" -> pf = v;
                case "--concurrency" -> c = v;
                case "--window" -> w = v;
                case "--linger-ms" -> linger = v;
                case "--batch-size" -> batch = v;
                case "--ordered-messages" -> om = v;
                case "--ordered-concurrency" -> oc = v;
                case "--ordered-prefetch" -> opf = v;
                case "--rounds" -> r = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        messages = m;
        keys = k;
        partitions = p;
        prefetch = pf;
        concurrency = c;
        window = w;
        lingerMs = linger;
        batchSize = batch;
        orderedMessages = om;
        orderedConcurrency = oc;
        orderedPrefetch = opf;
        rounds = r;
        transactions = tx;
        only = phases;
        if (!List.of("all", "produce", "consume", "ordered").contains(only)) {
            throw new IllegalArgumentException("--only=" + only + ": say all, produce, consume or ordered");
        }
    }

    public static void main(String[] args) throws Exception {
        new KafkaLoadTool(args).runAll();
        System.exit(0); // the in-JVM broker's threads are not all daemons
    }

    private void runAll() throws Exception {
        try (KafkaBroker broker = KafkaBroker.find()) {
            bootstrap = broker.bootstrapServers();
            admin = Admin.create(Map.of("bootstrap.servers", bootstrap, "client.id", "omnibus-load-admin"));
            try {
                measure(broker);
            } finally {
                cleanUp();
                admin.close(Duration.ofSeconds(5));
            }
        }
    }

    private void measure(KafkaBroker broker) throws Exception {
        Probe probe = probe();
        if (transactions) {
            System.out.printf(Locale.ROOT, "Kafka load tool --transactions: %s; records of %,d bytes, %d keys, %d partitions; "
                    + "acks=all, idempotent, linger.ms=%d, batch.size=%,d%n", broker.describe(), probe.value.length, keys,
                    partitions, lingerMs, batchSize);
            new KafkaTransformLoad(new TransformTool(), prefix, run, probe.value, messages, rounds, partitions, concurrency,
                    prefetch).measure();
            return;
        }
        System.out.printf(Locale.ROOT, "Kafka load tool: %s; %,d records of %,d bytes (Omnibus adds %,d bytes of record "
                + "headers), %d keys, %d partitions; acks=all, idempotent, linger.ms=%d, batch.size=%,d, window %,d; "
                + "consume: prefetch %d, concurrency %d; speed-up: %,d records, %d keys, 1-5 ms each, concurrency %d, "
                + "prefetch %d; %d rounds + warm-up%n", broker.describe(), messages, probe.value.length, probe.headerBytes,
                keys, partitions, lingerMs, batchSize, window, prefetch, concurrency, orderedMessages, ORDERED_KEYS,
                orderedConcurrency, orderedPrefetch, rounds);

        LoadComparison produce = new LoadComparison("produce (raw vs Omnibus)", rounds);
        LoadComparison produceEncode = new LoadComparison("produce (raw + encode vs Omnibus)", rounds);
        LoadComparison consume = new LoadComparison("consume (raw vs Omnibus)", rounds);
        LoadComparison decode = new LoadComparison("consume (raw + decode vs Omnibus)", rounds);
        LoadComparison ordered = new LoadComparison("unordered vs key-ordered", rounds);
        LoadComparison speedUp = new LoadComparison("1-5 ms work: 4 raw vs Omnibus", rounds);
        for (int round = 0; round <= rounds; round++) {
            int n = round == 0 ? Math.min(messages, 10_000) : messages;
            int on = round == 0 ? Math.min(orderedMessages, 2_000) : orderedMessages;
            boolean rawFirst = round % 2 == 1;
            String keyed = "keyed-" + round;
            String unkeyed = "unkeyed-" + round;
            String rawTopic = prefix + "raw-" + round;
            String rawEncodeTopic = prefix + "raw-encode-" + round;
            createTopics(rawTopic, rawEncodeTopic, prefix + keyed, prefix + unkeyed, prefix + "ordered-" + round, prefix + "raw-ordered-" + round);

            boolean measureProduce = only.equals("all") || only.equals("produce");
            boolean measureConsume = only.equals("all") || only.equals("consume");
            boolean measureOrdered = only.equals("all") || only.equals("ordered");
            double rawProduce = 0;
            double busProduce = 0;
            double rawEncode = 0;
            if (!measureProduce) {
                if (measureConsume) {
                    busProduce(keyed, n, true); // the records to consume; not a measurement
                }
            } else if (rawFirst) {
                rawProduce = rawProduce(rawTopic, probe.value, n);
                busProduce = busProduce(keyed, n, true);
            } else {
                busProduce = busProduce(keyed, n, true);
                rawProduce = rawProduce(rawTopic, probe.value, n);
            }
            if (measureProduce) {
                rawEncode = rawEncodeProduce(rawEncodeTopic, probe, n); // a topic of its own, new as the others' are
            }
            double rawConsume = 0;
            double busConsume = 0;
            double rawDecode = 0;
            double busUnordered = 0;
            if (measureConsume) {
                busProduce(unkeyed, n, false); // the unordered records; not a measurement
                if (rawFirst) {
                    rawConsume = rawConsume(prefix + keyed, "raw-consume-" + round, n + 1, false);
                    busConsume = busConsume(keyed, n + 1);
                } else {
                    busConsume = busConsume(keyed, n + 1);
                    rawConsume = rawConsume(prefix + keyed, "raw-consume-" + round, n + 1, false);
                }
                rawDecode = rawConsume(prefix + keyed, "raw-decode-" + round, n + 1, true);
                busUnordered = busConsume(unkeyed, n + 1);
            }
            double rawWork = 0;
            double busWork = 0;
            if (!measureOrdered) {
                // skipped
            } else if (rawFirst) {
                rawWork = rawPerPartition("raw-ordered-" + round, on);
                busWork = busKeyOrdered("ordered-" + round, on);
            } else {
                busWork = busKeyOrdered("ordered-" + round, on);
                rawWork = rawPerPartition("raw-ordered-" + round, on);
            }
            String what = round == 0 ? "warm-up (" + String.format(Locale.ROOT, "%,d", n) + ")" : "round " + round;
            System.out.printf(Locale.ROOT, "%s: produce raw %,.0f/s, Omnibus %,.0f/s (%.2f), raw + encode %,.0f/s (%.2f); consume raw %,.0f/s, "
                    + "Omnibus %,.0f/s (%.2f), raw + decode %,.0f/s (%.2f); Omnibus unordered %,.0f/s, key-ordered %,.0f/s (%.2f); %,d records of 1-5 ms: "
                    + "4 raw consumers %.2f s, Omnibus %.2f s (%.1fx)%n", what, rawProduce, busProduce,
                    busProduce / rawProduce, rawEncode, busProduce / rawEncode, rawConsume, busConsume, busConsume / rawConsume, rawDecode, busConsume / rawDecode, busUnordered, busConsume,
                    busConsume / busUnordered, on, on / rawWork, on / busWork, busWork / rawWork);
            if (round > 0) {
                if (measureProduce) {
                    produce.add(rawProduce, busProduce);
                    produceEncode.add(rawEncode, busProduce);
                }
                if (measureConsume) {
                    consume.add(rawConsume, busConsume);
                    decode.add(rawDecode, busConsume);
                    ordered.add(busUnordered, busConsume);
                }
                if (measureOrdered) {
                    speedUp.add(rawWork, busWork);
                }
            }
        }
        System.out.println();
        LoadComparison.print("best of " + rounds + " rounds", "baseline rec/s", "candidate rec/s",
                List.of(produce, produceEncode, consume, decode, ordered, speedUp));
        System.out.printf(Locale.ROOT, "per round: produce %s; against raw + encode %s; consume %s; against raw + decode %s; key-ordered/unordered %s; speed-up %s%n",
                produce.roundRatios(), produceEncode.roundRatios(), consume.roundRatios(), decode.roundRatios(), ordered.roundRatios(), speedUp.roundRatios());
        System.out.printf(Locale.ROOT, "goals (median): produce %.2f (>= 0.85 %s; against raw + encode %.2f), consume %.2f (>= 0.85 %s), key-ordered "
                + "%.2f (>= 0.8 %s), speed-up %.1fx (>= 5 %s)%n", produce.medianRatio(), met(produce.medianRatio() >= 0.85),
                produceEncode.medianRatio(), consume.medianRatio(), met(consume.medianRatio() >= 0.85), ordered.medianRatio(),
                met(ordered.medianRatio() >= 0.8), speedUp.medianRatio(), met(speedUp.medianRatio() >= 5));
    }

    private static String met(boolean yes) {
        return yes ? "met" : "NOT met";
    }

    // ------------------------------------------------------------------------------------------
    // settings shared by both sides

    /** The producer tuning both sides get: the transport through {@code property}, the raw producer as is. */
    private Map<String, String> producerTuning() {
        return Map.of(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(lingerMs),
                ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(batchSize));
    }

    private KafkaTransport transport() {
        return transport(null);
    }

    /** The transport, with {@code transactions(instance)} unless {@code instance} is null. */
    private KafkaTransport transport(String instance) {
        KafkaTransportBuilder b = KafkaTransport.builder().bootstrapServers(bootstrap).topicPrefix(prefix)
                .partitions(partitions).commitInterval(COMMIT_INTERVAL);
        producerTuning().forEach(b::property);
        if (instance != null) {
            b.transactions(instance);
        }
        return b.build();
    }

    /** What {@link KafkaTransformLoad} uses of this tool. */
    private final class TransformTool implements KafkaTransformLoad.Tool {
        @Override
        public KafkaTransport transport(String transactionalInstance) {
            return KafkaLoadTool.this.transport(transactionalInstance);
        }

        @Override
        public Properties rawProducerProperties() {
            return KafkaLoadTool.this.rawProducerProperties();
        }

        @Override
        public Properties rawConsumerProperties(String group, int maxPollRecords) {
            return KafkaLoadTool.this.rawConsumerProperties(group, maxPollRecords);
        }

        @Override
        public void createTopics(String... names) throws Exception {
            KafkaLoadTool.this.createTopics(names);
        }

        @Override
        public void rawProduce(String topic, byte[] value, int n) throws Exception {
            KafkaLoadTool.this.rawProduce(topic, value, n);
        }

        @Override
        public void group(String name) {
            groups.add(name);
        }
    }

    /** What the transport's producer runs with (KafkaTransport.producerProperties), plus the tuning. */
    private Properties rawProducerProperties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "omnibus-load-raw");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(1_000_000 + 128 * 1024));
        p.putAll(producerTuning());
        return p;
    }

    /** What the transport's consumer runs with (KafkaTransport.consumerProperties); no group for a null one. */
    private Properties rawConsumerProperties(String group, int maxPollRecords) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        if (group != null) {
            groups.add(prefix + group);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, prefix + group);
        }
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(maxPollRecords));
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100"); // the transport's default (Kafka's is 500)
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // the transport's default
        return p;
    }

    private byte[][] keyBytes(int count) {
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            out[i] = ("key-" + i).getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    /**
     * Creates {@code names} and waits until every partition has a leader. Both sides' topics are made
     * here before anything is sent: an idempotent producer sending to a partition the broker has not
     * yet applied can lose a batch to NOT_LEADER_OR_FOLLOWER followed by OUT_OF_ORDER_SEQUENCE_NUMBER
     * retries until {@code delivery.timeout.ms} (KAFKA-15591; seen with Kafka 4.3.1 when the transport
     * created the topic on the first send), which would measure that race instead of the clients.
     */
    private void createTopics(String... names) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            topics.add(new NewTopic(n, Optional.of(partitions), Optional.empty()));
        }
        admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                boolean led = admin.describeTopics(List.of(names)).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                        .allMatch(d -> d.partitions().size() == partitions
                                && d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (led) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics " + List.of(names) + " have no leaders after 30 s");
            }
            Thread.sleep(20);
        }
    }

    // ------------------------------------------------------------------------------------------
    // the record's bytes

    private record Probe(byte[] value, int headerBytes, List<Header> headers, String messageType) {
    }

    /** The value and header size of one Omnibus record: one sent to a probe endpoint, read back raw. */
    private Probe probe() throws Exception {
        createTopics(prefix + "probe");
        try (Bus bus = Bus.builder().transport(transport()).name("load-probe-" + run).start()) {
            bus.send(Address.queue("probe"), Orders.small(), SendOptions.defaults().withPartitionKey("key-0"))
                    .get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(rawConsumerProperties(null, 1))) {
            List<TopicPartition> parts = admin.describeTopics(List.of(prefix + "probe")).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(prefix + "probe").partitions().stream().map(p -> new TopicPartition(prefix + "probe", p.partition()))
                    .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(POLL)) {
                    int headers = 0;
                    List<Header> kept = new ArrayList<>();
                    for (Header h : r.headers()) {
                        headers += h.key().getBytes(StandardCharsets.UTF_8).length + h.value().length;
                        kept.add(h);
                    }
                    String urn = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.value()).get("messageType")
                            .get(0).asText();
                    return new Probe(r.value(), headers, kept, urn);
                }
            }
        }
        throw new IllegalStateException("the probe record did not arrive");
    }

    // ------------------------------------------------------------------------------------------
    // 1. produce

    /** Raw: one record to warm the producer (not timed), then {@code n} timed; records per second. */
    /**
     * Raw + encode: as {@link #rawProduce}, but each record's value is the order in a new MassTransit
     * envelope written with plain Jackson ({@link PlainEnvelopeEncoder}), with the headers Omnibus
     * writes (a new {@code MessageId} each): the baseline that does the work Omnibus's send does.
     */
    private double rawEncodeProduce(String topic, Probe probe, int n) throws Exception {
        OrderSubmitted order = Orders.small();
        String source = "kafka://load/raw";
        String destination = "kafka://load/" + topic;
        return rawProduce("raw produce + encode", topic, probe.value, n, key -> {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, key,
                    PlainEnvelopeEncoder.encode(order, probe.messageType, source, destination));
            for (Header h : probe.headers) {
                record.headers().add(h.key(), h.key().equals("MessageId")
                        ? java.util.UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8) : h.value());
            }
            return record;
        });
    }

    private double rawProduce(String topic, byte[] value, int n) throws Exception {
        return rawProduce("raw produce", topic, value, n, key -> new ProducerRecord<>(topic, key, value));
    }

    /** A record to send with the given key. */
    private interface RecordMaker {
        ProducerRecord<byte[], byte[]> make(byte[] key) throws Exception;
    }

    /** Sends {@code n} records made by {@code make} (keys in turn) with at most {@code --window} unconfirmed; records per second. */
    private double rawProduce(String what, String topic, byte[] first, int n, RecordMaker make) throws Exception {
        byte[][] keyBytes = keyBytes(keys);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(rawProducerProperties())) {
            producer.send(new ProducerRecord<>(topic, keyBytes[0], first)).get(30, TimeUnit.SECONDS);
            Semaphore inFlight = new Semaphore(window);
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger failed = new AtomicInteger();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                producer.send(make.make(keyBytes[i % keys]), (meta, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                    }
                    inFlight.release();
                    done.countDown();
                });
            }
            await(done, what + ": acknowledgements missing");
            double rate = n / LoadComparison.seconds(start);
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " " + what + " sends failed");
            }
            return rate;
        }
    }

    /**
     * Omnibus: one record to warm the bus (its topic check and the producer's metadata; not timed),
     * then {@code n} timed sends to endpoint {@code queue}, keyed by turns or without a key.
     */
    private double busProduce(String queue, int n, boolean keyed) throws Exception {
        SendOptions[] options = new SendOptions[keys];
        for (int i = 0; i < keys; i++) {
            options[i] = keyed ? SendOptions.defaults().withPartitionKey("key-" + i) : SendOptions.defaults();
        }
        OrderSubmitted order = Orders.small();
        Address to = Address.queue(queue);
        try (Bus bus = Bus.builder().transport(transport()).name("load-produce-" + run).start()) {
            bus.send(to, order, options[0]).get(30, TimeUnit.SECONDS);
            Semaphore inFlight = new Semaphore(window);
            CountDownLatch done = new CountDownLatch(n);
            AtomicInteger failed = new AtomicInteger();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                bus.send(to, order, options[i % keys]).whenComplete((ok, e) -> {
                    if (e != null) {
                        failed.incrementAndGet();
                    }
                    inFlight.release();
                    done.countDown();
                });
            }
            await(done, "Omnibus produce: confirmations missing");
            double rate = n / LoadComparison.seconds(start);
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " Omnibus sends failed");
            }
            return rate;
        }
    }

    // ------------------------------------------------------------------------------------------
    // 2. and 3. consume

    /**
     * Raw: polls {@code topic} in a new group, counts, and commits the consumed positions with
     * {@code commitAsync} every commit interval, as the transport does; timed from the first record.
     * With {@code decode}, each value is also read as a MassTransit envelope with plain Jackson
     * ({@link PlainEnvelopeDecoder}), the work Omnibus's consume does too.
     */
    private double rawConsume(String topic, String group, int n, boolean decode) throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(rawConsumerProperties(group, Math.min(500, prefetch)))) {
            c.subscribe(List.of(topic));
            Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
            long first = 0;
            long lastCommit = System.nanoTime();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            int seen = 0;
            while (seen < n) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("raw consume: records missing (" + seen + " of " + n + ")");
                }
                ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    if (first == 0) {
                        first = System.nanoTime();
                    }
                    if (decode) {
                        PlainEnvelopeDecoder.decode(r.value(), OrderSubmitted.class);
                    }
                    seen++;
                    positions.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                if (System.nanoTime() - lastCommit >= COMMIT_INTERVAL.toNanos() && !positions.isEmpty()) {
                    c.commitAsync(Map.copyOf(positions), null);
                    positions.clear();
                    lastCommit = System.nanoTime();
                }
            }
            double rate = n / LoadComparison.seconds(first);
            if (!positions.isEmpty()) {
                c.commitSync(positions);
            }
            return rate;
        }
    }

    /** Omnibus: an endpoint on {@code queue} whose consumer counts; timed from the first record. */
    private double busConsume(String queue, int n) throws Exception {
        groups.add(prefix + queue);
        AtomicInteger count = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        AtomicLong first = new AtomicLong();
        try (Bus bus = Bus.builder().transport(transport()).name("load-consume-" + run)
                .receiveEndpoint(queue, e -> e.concurrency(concurrency).prefetch(prefetch).consumer(OrderSubmitted.class,
                        ctx -> {
                            first.compareAndSet(0, System.nanoTime());
                            count.incrementAndGet();
                            done.countDown();
                        }))
                .start()) {
            await(done, "Omnibus consume of " + queue + ": records missing (" + count.get() + " of " + n + ")");
            double secs = LoadComparison.seconds(first.get());
            if (Boolean.getBoolean("load.threads")) {
                java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                Map<String, Long> cpu = new java.util.TreeMap<>();
                for (java.lang.management.ThreadInfo ti : mx.dumpAllThreads(false, false)) {
                    String name = ti.getThreadName().replaceAll("[0-9]+", "N").replaceAll("-[a-f0-9N]{6,}", "");
                    cpu.merge(name, mx.getThreadCpuTime(ti.getThreadId()) / 1_000_000, Long::sum);
                }
                System.out.printf("THREADS %s %.2fs: %s%n", queue, secs, cpu);
            }
            return n / secs;
        }
    }

    // ------------------------------------------------------------------------------------------
    // 4. 1-5 ms of work per record

    /** The work of record {@code seq}: 1 to 5 ms, the same on both sides, 3 ms on average. */
    private static void work(int seq) throws InterruptedException {
        Thread.sleep(1 + (int) (((seq * 2654435761L) >>> 8) % 5));
    }

    /**
     * Raw: one consumer per partition, in one group, each processing its records one at a time on
     * its own thread and committing with {@code commitAsync} every commit interval. The records are
     * produced once all consumers hold a partition (so no rebalance cuts in); timed from the first
     * record taken to the last finished.
     */
    private double rawPerPartition(String name, int n) throws Exception {
        String topic = prefix + name;
        AtomicIntegerArray assigned = new AtomicIntegerArray(partitions);
        AtomicLong first = new AtomicLong();
        CountDownLatch done = new CountDownLatch(n);
        AtomicInteger failures = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        for (int i = 0; i < partitions; i++) {
            int me = i;
            Thread t = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(rawConsumerProperties(name, 500))) {
                    c.subscribe(List.of(topic));
                    Map<TopicPartition, OffsetAndMetadata> positions = new HashMap<>();
                    long lastCommit = System.nanoTime();
                    while (!stop.get()) {
                        ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
                        assigned.set(me, c.assignment().size());
                        for (ConsumerRecord<byte[], byte[]> r : records) {
                            first.compareAndSet(0, System.nanoTime());
                            work(ByteBuffer.wrap(r.value()).getInt());
                            positions.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                            done.countDown();
                            if (System.nanoTime() - lastCommit >= COMMIT_INTERVAL.toNanos()) {
                                c.commitAsync(Map.copyOf(positions), null);
                                positions.clear();
                                lastCommit = System.nanoTime();
                            }
                        }
                    }
                } catch (Exception e) {
                    failures.incrementAndGet();
                    e.printStackTrace();
                }
            }, "load-raw-partition-consumer-" + i);
            t.start();
            threads.add(t);
        }
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!allHoldOne(assigned)) {
                if (System.nanoTime() > deadline || failures.get() > 0) {
                    throw new IllegalStateException("the " + partitions + " raw consumers did not get a partition each: "
                            + assigned);
                }
                Thread.sleep(20);
            }
            byte[][] keyBytes = keyBytes(ORDERED_KEYS);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(rawProducerProperties())) {
                for (int i = 0; i < n; i++) {
                    producer.send(new ProducerRecord<>(topic, keyBytes[i % ORDERED_KEYS], ByteBuffer.allocate(4).putInt(i).array()));
                }
                producer.flush();
            }
            await(done, "raw per-partition consumers: records missing (" + done.getCount() + " left)");
            return n / LoadComparison.seconds(first.get());
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
    }

    private static boolean allHoldOne(AtomicIntegerArray assigned) {
        for (int i = 0; i < assigned.length(); i++) {
            if (assigned.get(i) != 1) {
                return false;
            }
        }
        return true;
    }

    /**
     * Omnibus: {@code n} records sent (not timed), then one endpoint, key-ordered at the ordered
     * concurrency, does the work; timed from the first record to the last finished. Fails when a
     * key's records ran out of order or two of one key overlapped.
     */
    private double busKeyOrdered(String queue, int n) throws Exception {
        groups.add(prefix + queue);
        try (Bus bus = Bus.builder().transport(transport()).name("load-ordered-produce-" + run).start()) {
            List<java.util.concurrent.CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String key = "key-" + (i % ORDERED_KEYS);
                sent.add(bus.send(Address.queue(queue), new Work(key, i), SendOptions.defaults().withPartitionKey(key)));
            }
            java.util.concurrent.CompletableFuture.allOf(sent.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(5, TimeUnit.MINUTES);
        }
        Map<String, Integer> last = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        AtomicInteger disorder = new AtomicInteger();
        AtomicLong first = new AtomicLong();
        CountDownLatch done = new CountDownLatch(n);
        try (Bus bus = Bus.builder().transport(transport()).name("load-ordered-" + run)
                .receiveEndpoint(queue, e -> e.concurrency(orderedConcurrency).prefetch(orderedPrefetch)
                        .consumer(Work.class, ctx -> {
                            first.compareAndSet(0, System.nanoTime());
                            Work w = ctx.message();
                            AtomicInteger mine = running.computeIfAbsent(w.key(), k -> new AtomicInteger());
                            if (mine.incrementAndGet() > 1) {
                                disorder.incrementAndGet();
                            }
                            try {
                                work(w.seq());
                            } finally {
                                mine.decrementAndGet();
                            }
                            Integer before = last.put(w.key(), w.seq());
                            if (before != null && before >= w.seq()) {
                                disorder.incrementAndGet();
                            }
                            done.countDown();
                        }))
                .start()) {
            await(done, "Omnibus key-ordered: records missing (" + done.getCount() + " left)");
            double rate = n / LoadComparison.seconds(first.get());
            if (disorder.get() > 0) {
                throw new IllegalStateException("Omnibus key-ordered: " + disorder.get() + " records out of order per key");
            }
            return rate;
        }
    }

    // ------------------------------------------------------------------------------------------

    private static void await(CountDownLatch done, String missing) throws InterruptedException {
        if (!done.await(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException(missing);
        }
    }

    /** Deletes the run's topics, then its consumer groups (everything named with its prefix). */
    private void cleanUp() {
        try {
            Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.startsWith(prefix)).collect(Collectors.toSet());
            admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
            int deleted = 0;
            for (var g : admin.deleteConsumerGroups(groups).deletedGroups().entrySet()) {
                try {
                    g.getValue().get(30, TimeUnit.SECONDS);
                    deleted++;
                } catch (java.util.concurrent.ExecutionException e) {
                    System.err.println("consumer group " + g.getKey() + " not deleted: " + e.getCause());
                }
            }
            System.out.printf(Locale.ROOT, "deleted %d topics and %d consumer groups named %s*%n", topics.size(), deleted,
                    prefix);
        } catch (Exception e) {
            System.err.println("cleaning up the topics and groups named " + prefix + "* failed: " + e);
        }
    }
}
