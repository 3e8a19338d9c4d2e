package dev.omnibus.sqs;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportCapabilities;
import dev.omnibus.spi.TransportContext;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.sns.SnsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * The Amazon SQS transport, with SNS for publishing and an optional S3 claim check.
 *
 * <h2>Topology</h2>
 * A queue per receive endpoint, {@code <prefix><name>}, with {@code <name>_error} and
 * {@code <name>_skipped}; names are made valid and kept within 80 characters ({@link QueueNames}).
 * The transport creates the queues it uses ({@code GetQueueUrl}, then {@code CreateQueue}), once per
 * name. The reply endpoint of a bus is a queue deleted when the transport closes.
 *
 * <h2>Publishing</h2>
 * An SNS topic per message type ({@link SnsTopology}: {@code <prefix><type>}, valid and within 256
 * characters), created on first publish or when an endpoint that consumes the type is declared.
 * Declaring a durable endpoint subscribes its queue to the topic of each concrete type it consumes
 * ({@link EndpointTopology#concreteUrns()}: a consumer of an interface gets the topic of every
 * registered record implementing it) with raw message delivery, and lets those topics send to the
 * queue (its policy). So a publish reaches every endpoint any process declared, once.
 * {@code Publish} / {@code PublishBatch} ({@link SnsPublisher}); a send stays an SQS
 * {@code SendMessage} to the endpoint's queue.
 *
 * <h2>Messages</h2>
 * Body and headers as {@link SqsWireFormat} writes them (text, or base64 for binary bodies; headers
 * as attributes within SQS's 10, the rest packed into one). At most 1 MiB on the wire for a send and
 * 256 KiB for a publish, checked before the call; larger bodies go through the S3 claim check when
 * one is configured ({@link ClaimCheck}), otherwise fail. A message due within 15 minutes is sent
 * with {@code DelaySeconds}; the bus's scheduler carries longer delays
 * ({@link TransportCapabilities#maxNativeDelay()} is 15 minutes).
 *
 * <h2>Threads</h2>
 * One async SDK client (Netty) each for SQS, SNS and S3 (when used); futures complete on the SDK's
 * response threads. One timer thread, {@code omnibus-sqs-<bus>}, flushes batched deletes and
 * visibility changes and runs the lease heartbeats. No thread per endpoint ({@link SqsReceiver}).
 *
 * <h2>Closing</h2>
 * {@link #close()} waits for the receives in flight (up to {@code waitTimeSeconds}, 20 s by default),
 * because a receive abandoned client-side stays open on the server and could take a message that
 * would then stay invisible for a visibility timeout; lower {@code waitTimeSeconds} for a faster close.
 *
 * <h2>Failures</h2>
 * Futures fail with {@link TransportException}: retryable for a failed call, not retryable for a
 * message SQS or SNS would refuse (over its size limit without a claim check). {@link #start} fails
 * with a {@link dev.omnibus.ConfigurationException} when the claim check's bucket does not exist.
 */
public final class SqsTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(SqsTransport.class);
    static final Duration MAX_NATIVE_DELAY = Duration.ofMinutes(15);

    private final SqsSettings settings;
    private final SnsSettings snsSettings;
    private final AtomicBoolean started = new AtomicBoolean();
    private final Set<String> replyEndpoints = ConcurrentHashMap.newKeySet();
    private final List<SqsReceiver> receivers = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, URI> addresses = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private SqsAsyncClient sqs;
    private Queues queues;
    private SnsAsyncClient sns;
    private S3AsyncClient s3;
    private SnsTopology topology;
    private SnsPublisher publisher;
    private ClaimCheck claims;
    /** Sends to FIFO endpoints ({@link SqsTransportBuilder#fifo}). */
    private FifoSender fifo;
    /** Single sends to standard queues, sharing batch calls under load. */
    private SendCoalescer coalescer;
    private ScheduledExecutorService timer;
    private BusClock clock = BusClock.system();

    SqsTransport(SqsSettings settings, SnsSettings snsSettings) {
        this.settings = settings;
        this.snsSettings = snsSettings;
    }

    /** A builder; see {@link SqsTransportBuilder} for the defaults. */
    public static SqsTransportBuilder builder() {
        return new SqsTransportBuilder();
    }

    SqsSettings settings() {
        return settings;
    }

    SnsSettings snsSettings() {
        return snsSettings;
    }

    @Override
    public TransportCapabilities capabilities() {
        return TransportCapabilities.builder("sqs")
                .settlement(TransportCapabilities.Settlement.PER_MESSAGE)
                // FIFO endpoints keep order per message group; standard queues none
                .ordering(settings.fifoEndpoints().isEmpty() ? TransportCapabilities.Ordering.NONE
                        : TransportCapabilities.Ordering.GROUP)
                .routing(TransportCapabilities.Routing.BUS)
                .nativeDelay(MAX_NATIVE_DELAY, false)
                .temporaryEndpoints(false)
                .durable(true)
                .maxMessageSize(snsSettings.claimCheck() ? snsSettings.claimCheckMaxBody() : SqsWireFormat.MAX_MESSAGE_BYTES)
                .maxHeaders(Integer.MAX_VALUE, 256 * 1024)
                .maxBatchSize(SettleBatcher.MAX_BATCH)
                .build();
    }

    @Override
    public void start(TransportContext context) {
        if (!started.compareAndSet(false, true)) {
            throw new BusStateException("this SqsTransport is already in use by a bus: create one per bus");
        }
        clock = context.clock();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "omnibus-sqs-" + context.busName());
            t.setDaemon(true);
            return t;
        });
        sqs = settings.client() != null ? settings.client() : AwsClients.sqs(settings);
        queues = new Queues(sqs, settings);
        fifo = new FifoSender(sqs, queues, this::clock);
        coalescer = new SendCoalescer(sqs, settings.sendLinger(), timer);
        startSnsAndClaimCheck();
        LOG.info("SQS transport of bus {} started ({}, {})", context.busName(), settings, snsSettings);
    }

    /** SNS's client and topology, and the claim check (its bucket checked: a missing one fails the start). */
    private void startSnsAndClaimCheck() {
        if (!snsSettings.disabled()) {
            sns = snsSettings.snsClient() != null ? snsSettings.snsClient() : AwsClients.sns(settings, snsSettings.snsEndpoint());
            topology = new SnsTopology(sns, sqs, queues, settings.queuePrefix(), snsSettings.fifoTopicUrns());
        }
        if (snsSettings.claimCheck()) {
            s3 = snsSettings.s3Client() != null ? snsSettings.s3Client() : AwsClients.s3(settings, snsSettings.s3Endpoint());
            claims = new ClaimCheck(s3, snsSettings.claimCheckBucket(), settings.queuePrefix(),
                    snsSettings.claimCheckMaxBody());
            claims.checkBucket();
        }
        if (!snsSettings.disabled()) {
            publisher = new SnsPublisher(sns, topology, claims);
        }
    }

    @Override
    public URI resolve(Address address) {
        if ("sqs".equals(address.uri().getScheme())) {
            return address.uri();
        }
        return addresses.computeIfAbsent(address.name(), n -> URI.create("sqs://" + settings.host() + "/" + n));
    }

    /**
     * {@code sqs://host/<prefix><Namespace.Type>?type=topic}: the SNS topic a message of the type is
     * published to, as the envelope's {@code destinationAddress} (MassTransit writes its topic there too);
     * null without SNS ({@code withoutSns()}), where nothing is published.
     */
    @Override
    public URI publishAddress(MessageType messageType) {
        if (snsSettings.disabled()) {
            return null;
        }
        return URI.create("sqs://" + settings.host() + "/" + SnsTopology.topicName(settings.queuePrefix(), messageType.urn(),
                snsSettings.fifoTopicUrns().contains(messageType.urn())) + "?type=topic");
    }

    @Override
    public void declareEndpoint(EndpointTopology topology) {
        checkOpen();
        String name = topology.name();
        List<CompletableFuture<String>> all = new ArrayList<>();
        all.add(queues.url(name));
        if (topology.kind() == EndpointTopology.Kind.REPLY) {
            replyEndpoints.add(name);
        } else {
            all.add(queues.url(topology.errorQueue()));
            all.add(queues.url(topology.skippedQueue()));
            if (this.topology != null) { // withoutSns(): nothing to subscribe to
                all.add(this.topology.subscribe(name, topology.concreteUrns(), settings.isFifo(name)).thenApply(v -> name));
            }
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw Queues.failure(e, "declaring endpoint " + name);
        }
    }

    private SnsPublisher snsOrRefuse(MessageType messageType) {
        if (publisher == null) {
            throw new TransportException("cannot publish " + messageType.urn() + ": this SQS transport was built withoutSns(), "
                    + "and publishing is an SNS topic per message type; send to an endpoint instead", null, false);
        }
        return publisher;
    }

    /** SNS {@code Publish} to the type's topic ({@link SnsPublisher}). */
    @Override
    public CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message) {
        try {
            checkOpen();
            return snsOrRefuse(messageType).publish(messageType.urn(), message);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
        try {
            checkOpen();
            return sendTo(destination.name(), message.body(), message.headers(), message.due());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** SNS {@code PublishBatch} calls, each sized before an entry is added ({@link SnsPublisher}). */
    @Override
    public List<CompletableFuture<Void>> publishAll(MessageType messageType, List<OutgoingMessage> messages) {
        try {
            checkOpen();
            return snsOrRefuse(messageType).publishAll(messageType.urn(), messages);
        } catch (RuntimeException e) {
            return messages.stream().map(m -> CompletableFuture.<Void>failedFuture(e)).toList();
        }
    }

    /** In {@code SendMessageBatch} calls, each sized before an entry is added ({@link SendBatches}). */
    @Override
    public List<CompletableFuture<Void>> sendAll(Address destination, List<OutgoingMessage> messages) {
        try {
            checkOpen();
            return sendAllTo(destination.name(), messages);
        } catch (RuntimeException e) {
            return messages.stream().map(m -> CompletableFuture.<Void>failedFuture(e)).toList();
        }
    }

    private List<CompletableFuture<Void>> sendAllTo(String endpoint, List<OutgoingMessage> messages) {
        List<CompletableFuture<Void>> out = new ArrayList<>(messages.size());
        List<CompletableFuture<SendBatches.Entry>> entries = new ArrayList<>(messages.size());
        for (OutgoingMessage m : messages) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            out.add(done);
            try {
                if (settings.isFifo(endpoint)) { // group and dedup ids, no DelaySeconds, no claim check
                    Headers h = fifo.headers(endpoint, m.headers(), m.due());
                    entries.add(CompletableFuture.completedFuture(
                            new SendBatches.Entry(SqsWireFormat.encode(m.body(), h, endpoint), 0, done, FifoIds.of(h))));
                } else {
                    int delay = delaySeconds(m.due());
                    entries.add(encode(endpoint, m.body(), m.headers()).thenApply(e -> new SendBatches.Entry(e, delay, done)));
                }
            } catch (RuntimeException e) {
                entries.add(CompletableFuture.failedFuture(e));
            }
        }
        CompletableFuture.allOf(entries.toArray(CompletableFuture[]::new)).handle((v, x) -> null)
                .thenCombine(queues.url(endpoint), (v, url) -> url)
                .whenComplete((url, e) -> {
                    List<SendBatches.Entry> ready = new ArrayList<>(entries.size());
                    for (int i = 0; i < entries.size(); i++) {
                        CompletableFuture<SendBatches.Entry> f = entries.get(i);
                        if (f.isCompletedExceptionally()) { // refused before any call: that message alone
                            CompletableFuture<Void> done = out.get(i);
                            f.exceptionally(fe -> {
                                done.completeExceptionally(Queues.cause(fe));
                                return null;
                            });
                        } else if (e != null) {
                            out.get(i).completeExceptionally(Queues.cause(e));
                        } else {
                            ready.add(f.join());
                        }
                    }
                    if (!ready.isEmpty()) {
                        if (settings.isFifo(endpoint)) {
                            fifo.sendBatches(endpoint, url, ready);
                        } else {
                            SendBatches.send(sqs, url, endpoint, ready);
                        }
                    }
                });
        return out;
    }

    /** Sends {@code message} with {@code DelaySeconds} {@code delaySeconds} (0 to 900). */
    CompletableFuture<Void> sendDelayed(Address destination, OutgoingMessage message, int delaySeconds) {
        try {
            checkOpen();
            return sendTo(destination.name(), message.body(), message.headers(), delaySeconds);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * A response or fault to an address from a consumed message: sent only to a queue that exists,
     * never created (a message must not make the bus create the queues it names); else a
     * non-retryable failure.
     */
    @Override
    public CompletableFuture<Void> reply(Address destination, OutgoingMessage message) {
        try {
            checkOpen();
            return queues.existingUrl(destination.name()).thenCompose(url -> send(destination, message)); // url cached
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A copy of a received message to {@code endpoint} (an error or skipped queue). */
    CompletableFuture<Void> copy(String endpoint, byte[] body, Headers headers) {
        try {
            checkOpen();
            return sendTo(endpoint, body, headers, null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Void> sendTo(String endpoint, byte[] body, Headers headers, Instant due) {
        if (settings.isFifo(endpoint)) { // group and dedup ids, no DelaySeconds
            return fifo.send(endpoint, body, headers, due);
        }
        return sendTo(endpoint, body, headers, delaySeconds(due));
    }


    private CompletableFuture<Void> sendTo(String endpoint, byte[] body, Headers headers, int delay) {
        return encode(endpoint, body, headers).thenCombine(queues.url(endpoint), (m, url) -> {
                    CompletableFuture<Void> done = new CompletableFuture<>();
                    coalescer.send(url, endpoint, new SendBatches.Entry(m, delay, done)); // batches under load
                    return done;
                })
                .thenCompose(f -> f)
                .handle((r, e) -> {
                    if (e != null) {
                        throw Queues.failure(e, "sending to SQS endpoint " + endpoint);
                    }
                    return null;
                });
    }

    /** Within SQS's 1 MiB as it is, or through the claim check (a non-retryable failure without one). */
    private CompletableFuture<SqsWireFormat.Encoded> encode(String endpoint, byte[] body, Headers headers) {
        return ClaimCheck.encode(claims, body, headers, SqsWireFormat.MAX_MESSAGE_BYTES, false,
                "queue " + queues.queueName(endpoint), "SQS");
    }

    /** {@code DelaySeconds} for a message due at {@code due}: 0 to 900; later is the bus scheduler's. */
    private int delaySeconds(Instant due) {
        if (due == null) {
            return 0;
        }
        int s = SqsDelivery.seconds(Duration.between(clock.now(), due));
        if (s > MAX_NATIVE_DELAY.toSeconds()) {
            throw new TransportException("a message due in " + s + " s is beyond SQS's native delay of 15 minutes; "
                    + "the bus's scheduler carries longer delays", null, false);
        }
        return s;
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings receiveSettings, DeliveryHandler handler) {
        checkOpen();
        String url = queues.url(queue).join();
        SqsReceiver r = new SqsReceiver(this, sqs, settings, queue, url, receiveSettings.prefetch(),
                new ClaimedDeliveries(claims, handler), timer, settings.isFifo(queue));
        receivers.add(r);
        r.start();
        return r;
    }

    /** {@code DelaySeconds}, up to 15 minutes; a native delay cannot be withdrawn. */
    @Override
    public Optional<Scheduler> nativeScheduler() {
        return Optional.of(new SqsNativeScheduler(this));
    }

    BusClock clock() {
        return clock;
    }

    private void checkOpen() {
        if (closed) {
            throw new BusStateException("the SQS transport is closed");
        }
        if (sqs == null) {
            throw new BusStateException("the SQS transport is not started");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (SqsReceiver r : receivers) {
            r.stopDeliveries(); // all at once: their receives in flight then end together
        }
        for (SqsReceiver r : receivers) {
            r.close();
        }
        for (String reply : replyEndpoints) {
            try {
                queues.delete(reply);
            } catch (RuntimeException e) {
                LOG.warn("Deleting reply queue {} failed: {}", reply, e.toString());
            }
        }
        if (timer != null) {
            timer.shutdown();
            try {
                timer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (sqs != null && settings.client() == null) {
            sqs.close();
        }
        if (sns != null && snsSettings.snsClient() == null) {
            sns.close();
        }
        if (s3 != null && snsSettings.s3Client() == null) {
            s3.close();
        }
    }

    @Override
    public String toString() {
        return "SqsTransport[" + settings.host() + (settings.queuePrefix().isEmpty() ? "" : ", prefix "
                + settings.queuePrefix()) + "]";
    }
}
