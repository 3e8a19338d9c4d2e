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
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sqs.SqsAsyncClientBuilder;

/**
 * The Amazon SQS transport (first version: SQS alone, no SNS yet).
 *
 * <h2>Topology</h2>
 * A queue per receive endpoint, {@code <prefix><name>}, with {@code <name>_error} and
 * {@code <name>_skipped}; names are made valid and kept within 80 characters ({@link QueueNames}).
 * The transport creates the queues it uses ({@code GetQueueUrl}, then {@code CreateQueue}), once per
 * name. The reply endpoint of a bus is a queue deleted when the transport closes.
 *
 * <h2>Publishing</h2>
 * {@code Routing.BUS}: each durable endpoint subscribes to the concrete types it consumes, and a
 * publish sends one copy to each subscribed queue. Until the SNS part comes (a topic per type), the
 * subscriptions are those declared in this JVM ({@link PublishRoutes}): a publish does not reach an
 * endpoint only another process declared.
 *
 * <h2>Messages</h2>
 * Body and headers as {@link SqsWireFormat} writes them (text, or base64 for binary bodies; headers
 * as attributes within SQS's 10, the rest packed into one). At most 1 MiB on the wire, checked before
 * the call. A message due within 15 minutes is sent with {@code DelaySeconds}; the bus's scheduler
 * carries longer delays ({@link TransportCapabilities#maxNativeDelay()} is 15 minutes).
 *
 * <h2>Threads</h2>
 * One async SDK client (Netty) for the transport; futures complete on the SDK's response threads. One
 * timer thread, {@code omnibus-sqs-<bus>}, flushes batched deletes and visibility changes and runs the
 * lease heartbeats. No thread per endpoint ({@link SqsReceiver}).
 *
 * <h2>Closing</h2>
 * {@link #close()} waits for the receives in flight (up to {@code waitTimeSeconds}, 20 s by default),
 * because a receive abandoned client-side stays open on the server and could take a message that
 * would then stay invisible for a visibility timeout; lower {@code waitTimeSeconds} for a faster close.
 *
 * <h2>Failures</h2>
 * Futures fail with {@link TransportException}: retryable for a failed call, not retryable for a
 * message SQS would refuse (over 1 MiB).
 */
public final class SqsTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(SqsTransport.class);
    static final Duration MAX_NATIVE_DELAY = Duration.ofMinutes(15);

    private final SqsSettings settings;
    private final AtomicBoolean started = new AtomicBoolean();
    private final Set<String> replyEndpoints = ConcurrentHashMap.newKeySet();
    private final List<SqsReceiver> receivers = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, URI> addresses = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private SqsAsyncClient sqs;
    private Queues queues;
    /** Sends to FIFO endpoints ({@link SqsTransportBuilder#fifo}). */
    private FifoSender fifo;
    private PublishRoutes routes;
    private ScheduledExecutorService timer;
    private BusClock clock = BusClock.system();

    SqsTransport(SqsSettings settings) {
        this.settings = settings;
    }

    /** A builder; see {@link SqsTransportBuilder} for the defaults. */
    public static SqsTransportBuilder builder() {
        return new SqsTransportBuilder();
    }

    SqsSettings settings() {
        return settings;
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
                .maxMessageSize(SqsWireFormat.MAX_MESSAGE_BYTES)
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
        sqs = settings.client() != null ? settings.client() : newClient();
        queues = new Queues(sqs, settings);
        fifo = new FifoSender(sqs, queues, this::clock);
        routes = PublishRoutes.of(settings.client() != null ? "client@" + System.identityHashCode(settings.client())
                : settings.host(), settings.queuePrefix());
        LOG.info("SQS transport of bus {} started ({})", context.busName(), settings);
    }

    private SqsAsyncClient newClient() {
        SqsAsyncClientBuilder b = SqsAsyncClient.builder().httpClientBuilder(NettyNioAsyncHttpClient.builder()
                .maxConcurrency(200));
        if (settings.endpoint() != null) {
            b.endpointOverride(settings.endpoint());
        }
        if (settings.region() != null) {
            b.region(settings.region());
        } else if (settings.endpoint() != null) {
            b.region(Region.US_EAST_1); // a local server: the region only signs requests
        }
        if (settings.credentials() != null) {
            b.credentialsProvider(settings.credentials());
        }
        return b.build();
    }

    @Override
    public URI resolve(Address address) {
        if ("sqs".equals(address.uri().getScheme())) {
            return address.uri();
        }
        return addresses.computeIfAbsent(address.name(), n -> URI.create("sqs://" + settings.host() + "/" + n));
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
            routes.subscribe(name, topology.concreteUrns());
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    }

    @Override
    public CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message) {
        try {
            checkOpen();
            Set<String> endpoints = routes.endpointsOf(messageType.urn());
            List<CompletableFuture<Void>> sends = new ArrayList<>(endpoints.size());
            for (String e : endpoints) {
                sends.add(sendTo(e, message.body(), message.headers(), message.due()));
            }
            return CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new));
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

    /**
     * One copy of each message to each subscribed endpoint, in {@code SendMessageBatch} calls per
     * endpoint ({@link SendBatches}); a message's future completes when every copy is confirmed.
     */
    @Override
    public List<CompletableFuture<Void>> publishAll(MessageType messageType, List<OutgoingMessage> messages) {
        List<List<CompletableFuture<Void>>> perEndpoint = new ArrayList<>();
        try {
            checkOpen();
            for (String e : routes.endpointsOf(messageType.urn())) {
                perEndpoint.add(sendAllTo(e, messages));
            }
        } catch (RuntimeException e) {
            return messages.stream().map(m -> CompletableFuture.<Void>failedFuture(e)).toList();
        }
        List<CompletableFuture<Void>> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            List<CompletableFuture<Void>> copies = new ArrayList<>(perEndpoint.size());
            for (List<CompletableFuture<Void>> endpoint : perEndpoint) {
                copies.add(endpoint.get(i));
            }
            out.add(CompletableFuture.allOf(copies.toArray(CompletableFuture[]::new)));
        }
        return out;
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
        List<SendBatches.Entry> entries = new ArrayList<>(messages.size());
        for (OutgoingMessage m : messages) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            out.add(done);
            try {
                if (settings.isFifo(endpoint)) {
                    Headers h = fifo.headers(endpoint, m.headers(), m.due());
                    entries.add(new SendBatches.Entry(SqsWireFormat.encode(m.body(), h, endpoint), 0, done, FifoIds.of(h)));
                } else {
                    entries.add(new SendBatches.Entry(SqsWireFormat.encode(m.body(), m.headers(), endpoint),
                            delaySeconds(m.due()), done));
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e); // only this message: the others still go
            }
        }
        if (!entries.isEmpty()) {
            queues.url(endpoint).whenComplete((url, e) -> {
                if (e != null) {
                    entries.forEach(x -> x.done().completeExceptionally(Queues.cause(e)));
                } else {
                    if (settings.isFifo(endpoint)) {
                        fifo.sendBatches(endpoint, url, entries);
                    } else {
                        SendBatches.send(sqs, url, endpoint, entries);
                    }
                }
            });
        }
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
        SqsWireFormat.Encoded m = SqsWireFormat.encode(body, headers, endpoint);
        return queues.url(endpoint)
                .thenCompose(url -> sqs.sendMessage(b -> b.queueUrl(url).messageBody(m.body())
                        .messageAttributes(m.attributes()).delaySeconds(delay)))
                .handle((r, e) -> {
                    if (e == null) {
                        return null;
                    }
                    Throwable c = Queues.cause(e);
                    if (c instanceof TransportException t) {
                        throw t;
                    }
                    throw new TransportException("sending to SQS endpoint " + endpoint + " failed: " + c, c, true);
                });
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
        SqsReceiver r = new SqsReceiver(this, sqs, settings, queue, url, receiveSettings.prefetch(), handler, timer,
                settings.isFifo(queue));
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
    }

    @Override
    public String toString() {
        return "SqsTransport[" + settings.host() + (settings.queuePrefix().isEmpty() ? "" : ", prefix "
                + settings.queuePrefix()) + "]";
    }
}
