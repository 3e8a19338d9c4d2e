package dev.omnibus.kafka;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ProducedMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportCapabilities;
import dev.omnibus.spi.TransportContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Apache Kafka transport: the bus's contract on a log.
 *
 * <h2>Topology</h2>
 * <ul>
 * <li>A message type is published to its own topic ({@link TopicNames}: {@code Shop.Orders.OrderPlaced}
 *     for {@code urn:message:Shop.Orders:OrderPlaced}); an endpoint reads, in its own consumer group
 *     (named as the endpoint), its own topic (what is sent to it) and the topics of the concrete types
 *     it consumes (so a consumer of an interface reads every registered implementation's topic).</li>
 * <li>Faults go to {@code <endpoint>_error} and {@code <endpoint>_skipped} topics.</li>
 * <li>The record key is the message's partition key, else its correlation id: one key stays in one
 *     partition, in order. Envelope fields travel as UTF-8 record headers under the bus's names
 *     ({@code MessageId}, {@code CorrelationId}, {@code Content-Type}, …), as MassTransit's Kafka support
 *     writes them; the value is what the serializer wrote.</li>
 * <li>The transport creates the topics it needs (partitions and replication from the builder). A new
 *     consumer group's position is fixed when its endpoint first starts: its own topic from the start
 *     (what was sent to it before is for it, as in a durable queue), the type topics from their end (what
 *     was published before it subscribed is not, as with a broker's bindings), so nothing written after
 *     {@code Bus.start()} returned is missed, whenever the member joins.</li>
 * </ul>
 *
 * <h2>Settlement and ordering</h2>
 * Cumulative ({@link KafkaDelivery}, {@link PartitionTracker}): settling a record moves its
 * partition's watermark once every earlier record settled; watermarks are committed on an interval,
 * on revocation and at stop. The bus runs records of different keys at once and of one key in order
 * ({@link KafkaDelivery#orderingKey()}), up to the endpoint's concurrency, beyond the partition count.
 *
 * <h2>Threads</h2>
 * One producer for the transport (idempotent, {@code acks=all}, the client's batching); its callbacks
 * complete futures on {@code omnibus-kafka-completions-<bus>}, never on the client's I/O thread. One
 * consumer and thread per endpoint ({@link KafkaReceiver}; {@link KafkaShareReceiver} for an endpoint in
 * queue mode).
 *
 * <h2>Queue mode</h2>
 * An endpoint named in {@link KafkaTransportBuilder#queueMode} reads through a share group instead
 * (brokers with {@code share.version=1}): records are acquired, acknowledged, released and rejected one by one, any
 * number of members compete for one partition's records, and order per key is not kept. See
 * {@link KafkaShareReceiver} and {@link KafkaShareDelivery}.
 */
public final class KafkaTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransport.class);

    /** Topics a reply went to that exist (checked once each). */
    private final java.util.Set<String> knownReplyTopics = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final KafkaSettings settings;
    private final AtomicBoolean started = new AtomicBoolean();
    private final Map<String, String> typeTopics = new ConcurrentHashMap<>();
    /** Bounded by the endpoint and destination names the bus uses. */
    private final Map<String, URI> addresses = new ConcurrentHashMap<>();
    /** Topic of each endpoint or destination name, computed once (a send used to rebuild it). */
    private final Map<String, String> endpointTopicNames = new ConcurrentHashMap<>();
    private final Map<String, List<String>> endpointTopics = new ConcurrentHashMap<>();
    private final Set<String> temporaryTopics = ConcurrentHashMap.newKeySet();
    private final List<KafkaReceiver> receivers = new CopyOnWriteArrayList<>();
    private final List<KafkaShareReceiver> shareReceivers = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private String busName = "bus";
    private KafkaProducer<byte[], byte[]> producer;
    private Topics topics;
    private ExecutorService completions;
    private ClientProperties clientProperties;

    KafkaTransport(KafkaSettings settings) {
        this.settings = settings;
    }

    /** A builder; see {@link KafkaTransportBuilder} for the defaults. */
    public static KafkaTransportBuilder builder() {
        return new KafkaTransportBuilder();
    }

    /** A transport with the default settings and these bootstrap servers. */
    public static KafkaTransport fromBootstrapServers(String servers) {
        return builder().bootstrapServers(servers).build();
    }

    KafkaSettings settings() {
        return settings;
    }

    Topics topics() {
        return topics;
    }

    @Override
    public TransportCapabilities capabilities() {
        return TransportCapabilities.builder("kafka")
                .settlement(TransportCapabilities.Settlement.CUMULATIVE)
                .ordering(TransportCapabilities.Ordering.KEY)
                .routing(TransportCapabilities.Routing.BROKER)
                .nativeDelay(Duration.ZERO, false) // a log has no delay: the bus's scheduler carries delays
                .temporaryEndpoints(true)
                .durable(true)
                .maxMessageSize(settings.maxMessageSize())
                .maxHeaders(Integer.MAX_VALUE, 64 * 1024)
                .maxBatchSize(Integer.MAX_VALUE)
                .build();
    }

    @Override
    public void start(TransportContext context) {
        if (!started.compareAndSet(false, true)) {
            throw new BusStateException("this KafkaTransport is already in use by a bus: create one per bus");
        }
        busName = context.busName();
        completions = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "omnibus-kafka-completions-" + busName);
            t.setDaemon(true);
            return t;
        });
        clientProperties = new ClientProperties(settings, busName);
        topics = new Topics(settings, clientProperties.admin());
        try {
            String cluster = topics.clusterId();
            producer = new KafkaProducer<>(clientProperties.producer());
            LOG.info("Connected to Kafka cluster {} at {} (client properties {})", cluster, settings.bootstrapServers(),
                    settings.redacted());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The consumer group of an endpoint. */
    String groupOf(String queue) {
        return TopicNames.endpoint(settings.topicPrefix(), queue);
    }

    /** The topic of an endpoint or destination name. */
    String topicOf(String name) {
        return endpointTopicNames.computeIfAbsent(name, n -> TopicNames.endpoint(settings.topicPrefix(), n));
    }

    private String typeTopic(String urn) {
        return typeTopics.computeIfAbsent(urn, u -> TopicNames.messageType(settings.topicPrefix(), u));
    }

    @Override
    public URI resolve(Address address) {
        String scheme = address.uri().getScheme();
        if ("kafka".equals(scheme)) {
            return address.uri();
        }
        return addressOf(address.name());
    }

    /** {@code kafka://host:port/<name>}, parsed once per name (a send resolves its destination each time). */
    private URI addressOf(String name) {
        return addresses.computeIfAbsent(name, n -> URI.create("kafka://" + settings.firstServer() + "/" + n));
    }

    /** {@code kafka://host:port/Namespace.Type}: a send to it reaches the type's topic too. */
    @Override
    public URI publishAddress(MessageType messageType) {
        return addressOf(TopicNames.messageType("", messageType.urn()));
    }

    @Override
    public void declareEndpoint(EndpointTopology topology) {
        checkOpen();
        String name = topology.name();
        Set<String> read = new LinkedHashSet<>();
        read.add(topicOf(name));
        if (topology.kind() == EndpointTopology.Kind.REPLY) {
            topics.ensure(List.of(topicOf(name)), 1);
            temporaryTopics.add(topicOf(name));
        } else {
            for (String urn : topology.concreteUrns()) {
                read.add(typeTopic(urn));
            }
            List<String> all = new ArrayList<>(read);
            all.add(topicOf(topology.errorQueue()));
            all.add(topicOf(topology.skippedQueue()));
            topics.ensure(all, settings.partitions());
        }
        endpointTopics.put(name, List.copyOf(read));
    }

    @Override
    public CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message) {
        try {
            checkOpen();
            String topic = typeTopic(messageType.urn());
            topics.ensure(List.of(topic), settings.partitions());
            return produce(topic, keyOf(message), message.body(), message.headers());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
        try {
            checkOpen();
            String topic = topicOf(destination.name());
            topics.ensure(List.of(topic), settings.partitions());
            return produce(topic, keyOf(message), message.body(), message.headers());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A response or fault to an address from a consumed message: produced only to a topic that exists,
     * never created (a message must not make the bus create the topics it names); else a non-retryable
     * failure.
     */
    @Override
    public CompletableFuture<Void> reply(Address destination, OutgoingMessage message) {
        try {
            checkOpen();
            String missing = missingReplyTopic(destination);
            if (missing != null) {
                return CompletableFuture.failedFuture(new TransportException(missing, null, false));
            }
            return produce(topicOf(destination.name()), keyOf(message), message.body(), message.headers());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Why a reply to {@code destination} cannot be written (its topic does not exist), or null. */
    String missingReplyTopic(Address destination) {
        String topic = topicOf(destination.name());
        if (knownReplyTopics.contains(topic)) {
            return null;
        }
        if (!topics.exists(topic)) {
            return "the response or fault address '" + destination + "' names no Kafka topic (" + topic
                    + "); an address from a message never creates one";
        }
        knownReplyTopics.add(topic);
        return null;
    }

    /** A copy of a consumed record to the endpoint (or fault topic) {@code queue}, its key kept. */
    CompletableFuture<Void> copy(String queue, ConsumerRecord<byte[], byte[]> record, Headers headers) {
        try {
            checkOpen();
            String topic = topicOf(queue);
            topics.ensure(List.of(topic), settings.partitions());
            byte[] value = record.value() == null ? new byte[0] : record.value();
            return produce(topic, record.key(), value, headers);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A transactional producer with this id ({@link KafkaTransactions}); not started. */
    KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        checkOpen();
        return new KafkaProducer<>(clientProperties.transactionalProducer(transactionalId));
    }

    /**
     * Writes a held message with {@code tx}, inside its open transaction: to its type's topic when
     * published, else to its destination's; a failed write fails the transaction's commit.
     */
    void produceIn(KafkaProducer<byte[], byte[]> tx, ProducedMessage m) {
        String topic = m.published() ? typeTopic(m.type().urn()) : topicOf(m.destination().name());
        if (!m.reply()) { // a reply's topic was checked to exist when it was held (KafkaDelivery.ackWith)
            topics.ensure(List.of(topic), settings.partitions());
        }
        OutgoingMessage out = m.message();
        tx.send(new ProducerRecord<>(topic, null, keyOf(out), out.body(), KafkaHeaders.write(out.headers())));
    }

    /** Why {@code m} can never be written (over {@code maxMessageSize}, or a reply to no topic), or null. */
    String unwritable(ProducedMessage m) {
        if (m.reply()) {
            String missing = missingReplyTopic(m.destination());
            if (missing != null) {
                return missing;
            }
        }
        int size = m.message().body().length;
        return size <= settings.maxMessageSize() ? null : "a message of " + size
                + " bytes is larger than the transport's maxMessageSize of " + settings.maxMessageSize() + " bytes";
    }

    private static byte[] keyOf(OutgoingMessage message) {
        String key = message.partitionKey();
        if (key == null) {
            Object correlation = message.headers().get(OutgoingMessage.CORRELATION_ID);
            key = correlation == null ? null : correlation.toString();
        }
        return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    }

    private CompletableFuture<Void> produce(String topic, byte[] key, byte[] body, Headers headers) {
        if (body.length > settings.maxMessageSize()) {
            return CompletableFuture.failedFuture(new TransportException("a message of " + body.length
                    + " bytes is larger than the transport's maxMessageSize of " + settings.maxMessageSize()
                    + " bytes (topic " + topic + ")", null, false));
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, null, key, body, KafkaHeaders.write(headers));
        producer.send(record, (meta, error) -> completions.execute(() -> {
            if (error == null) {
                done.complete(null);
            } else {
                done.completeExceptionally(new TransportException("writing to topic " + topic + " failed: " + error,
                        error, !(error instanceof org.apache.kafka.common.errors.RecordTooLargeException)));
            }
        }));
        return done;
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings receiveSettings, DeliveryHandler handler) {
        checkOpen();
        boolean temporary = temporaryTopics.contains(topicOf(queue));
        List<String> read = endpointTopics.getOrDefault(queue, List.of(topicOf(queue)));
        topics.ensure(read, temporary ? 1 : settings.partitions());
        if (!temporary && settings.queueMode(queue)) {
            if (receiveSettings.outbox() && settings.transactionalInstance() != null) {
                LOG.info("Endpoint {} is in queue mode: a share group has no transactions, so its held messages are "
                        + "sent before each acknowledgement, not in a transaction", queue);
            }
            return receiveShared(queue, read, receiveSettings.prefetch(), handler);
        }
        if (!temporary && settings.startFrom() == KafkaTransportBuilder.StartFrom.LATEST) {
            List<String> published = read.stream().filter(t -> !t.equals(topicOf(queue))).toList();
            topics.pinNewGroup(groupOf(queue), topicOf(queue), published);
        }
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(clientProperties.consumer(queue, temporary ? null : groupOf(queue),
                receiveSettings.prefetch()));
        String transactionalId = !temporary && receiveSettings.outbox() && settings.transactionalInstance() != null
                ? groupOf(queue) + "/" + settings.transactionalInstance() : null;
        KafkaReceiver receiver = new KafkaReceiver(this, queue, read, temporary, receiveSettings.prefetch(), handler,
                consumer, "omnibus-kafka-" + busName + "-" + queue, transactionalId);
        try {
            receiver.start();
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw new TransportException("starting the Kafka consumer of endpoint " + queue + " failed: " + e, e, true);
        }
        receivers.add(receiver);
        return receiver;
    }

    /** Queue mode: the endpoint's topics through a share group ({@link KafkaShareReceiver}). */
    private ReceiveHandle receiveShared(String queue, List<String> read, int prefetch, DeliveryHandler handler) {
        String isolation = settings.clientProperties().get(ConsumerConfig.ISOLATION_LEVEL_CONFIG);
        if (isolation != null) { // a share group's isolation level is a group config, not a consumer's
            topics.configureGroup(groupOf(queue), Map.of("share.isolation.level", isolation));
        }
        if (settings.startFrom() == KafkaTransportBuilder.StartFrom.EARLIEST) {
            topics.configureGroup(groupOf(queue), Map.of("share.auto.offset.reset", "earliest"));
        } else {
            topics.pinNewShareGroup(groupOf(queue), topicOf(queue), read.stream().filter(t -> !t.equals(topicOf(queue))).toList());
        }
        Properties p = clientProperties.shareConsumer(queue, groupOf(queue), prefetch);
        KafkaShareConsumer<byte[], byte[]> consumer;
        try {
            consumer = new KafkaShareConsumer<>(p);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new TransportException("creating the Kafka share consumer of endpoint " + queue + " failed: " + e, e, false);
        }
        KafkaShareReceiver receiver = new KafkaShareReceiver(this, queue, read, handler, consumer,
                "omnibus-kafka-" + busName + "-" + queue);
        try {
            receiver.start();
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw new TransportException("starting the Kafka share consumer of endpoint " + queue + " failed: " + e, e, true);
        }
        shareReceivers.add(receiver);
        return receiver;
    }

    private void checkOpen() {
        if (closed) {
            throw new BusStateException("the Kafka transport is closed");
        }
        if (producer == null) {
            throw new BusStateException("the Kafka transport is not started");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (KafkaReceiver r : receivers) {
            r.close();
        }
        for (KafkaShareReceiver r : shareReceivers) {
            r.close();
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(10)); // sends what the client still buffers
        }
        if (topics != null) {
            if (!temporaryTopics.isEmpty()) {
                topics.delete(temporaryTopics);
            }
            topics.close();
        }
        if (completions != null) {
            completions.shutdown();
            try {
                completions.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "KafkaTransport[" + settings.bootstrapServers() + (settings.topicPrefix().isEmpty() ? "" : ", prefix "
                + settings.topicPrefix()) + "]";
    }

}
