package dev.omnibus.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import dev.omnibus.Address;
import dev.omnibus.BusStateException;
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
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RabbitMQ transport: Omnibus over AMQP 0-9-1 with the official {@code amqp-client}, using
 * MassTransit's broker topology so Java and .NET services can share a broker.
 *
 * <pre>{@code
 * Bus bus = Bus.builder()
 *         .transport(RabbitMqTransport.fromUri("amqp://app:secret@rabbit.internal:5672/shop"))
 *         .receiveEndpoint("orders", e -> e.consumer(OrderSubmitted.class, new OrderSubmittedConsumer()))
 *         .start();
 *
 * RabbitMqTransport tuned = RabbitMqTransport.builder()
 *         .host("rabbit.internal").virtualHost("shop").username("app").password(secret)
 *         .queue("orders", QueueOptions.quorum())
 *         .channelPoolSize(8)
 *         .build();
 * }</pre>
 *
 * <h2>Topology</h2>
 * A message type has a durable fanout exchange named after its URN ({@code Namespace:Type});
 * publishing declares it once and binds it to the exchanges of its message interfaces. A receive
 * endpoint {@code name} has a queue {@code name}, a fanout exchange {@code name} bound to it, the
 * exchanges of its consumed types bound to that exchange, and {@code name_error} /
 * {@code name_skipped} exchange-and-queue pairs. A send goes to the exchange named by the address,
 * used as its owner declared it when it exists; when it does not, the address says what to declare,
 * as MassTransit reads it ({@code queue:name} declares the queue and its exchange first, so nothing
 * sent is lost; {@code rabbitmq://host/name} the exchange only unless {@code ?bind=true};
 * {@code ?temporary=true} non-durable and auto-delete). A send to RabbitMQ's direct reply-to
 * ({@code amq.rabbitmq.reply-to[.token]}) goes through the default exchange. The bus's response queue
 * is temporary: not durable, auto-delete, with {@code x-expires}.
 *
 * <h2>Publishing and consuming</h2>
 * Messages are persistent. Every future completes when the broker confirmed the message
 * (publisher confirms, on a pool of channels, one per publishing thread at a time), and fails with
 * a {@link TransportException} when the broker refused or returned it (a send nobody can receive),
 * when the connection was lost before the confirm, or when the confirm took longer than the
 * confirm timeout. Futures complete on a transport thread: do not block in their callbacks. Each
 * receive loop has its own channel with {@code basic.qos(prefetch)} and manual acknowledgements
 * after the pipeline. Publishing and consuming use separate connections, so a broker blocking
 * publishers (memory alarm) cannot stop acknowledgements. While the broker blocks the publishing
 * connection ({@code connection.blocked}), publishes are held and written when it unblocks, or fail
 * after {@code blockedPublishTimeout} naming the broker's reason ({@link #publishingBlocked()}). A
 * publish to an exchange deleted after it was declared fails alone, naming the exchange; the next
 * publish to it declares it again.
 *
 * <h2>Recovery</h2>
 * The client's automatic connection and topology recovery is on: after a broker restart or a lost
 * connection, connections, channels, declarations and consumers come back. Publishes in flight at
 * the loss fail their futures (they may or may not have arrived); publishes while the connection
 * is down fail at once; deliveries not yet settled are redelivered by the broker.
 *
 * <h2>Threads and life cycle</h2>
 * One instance serves one bus, which calls {@link #start} and {@link #close}; every other method
 * is thread-safe. {@link #toString()} never shows credentials.
 */
public final class RabbitMqTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqTransport.class);
    private static final String FANOUT = Topology.FANOUT;
    private static final int DEFAULT_FRAME_MAX = 131_072;
    /** The largest {@code max_message_size} RabbitMQ accepts: 512 MiB. */
    static final int BROKER_MAX_MESSAGE_SIZE = 512 * 1024 * 1024;

    private final RabbitMqSettings settings;
    private final AtomicBoolean started = new AtomicBoolean();
    private final Set<String> declaredTypes = ConcurrentHashMap.newKeySet();
    /**
     * Exchange name and publish address of each message type URN, computed once: both are pure
     * functions of the URN, and a publish used to run a regular expression and parse a URI for them.
     * Bounded by the types the bus publishes (the registry's).
     */
    private final Map<String, String> exchangeNames = new ConcurrentHashMap<>();
    private final Map<String, URI> publishAddresses = new ConcurrentHashMap<>();
    private final Set<String> knownDestinations = ConcurrentHashMap.newKeySet();
    private final Set<String> temporaryQueues = ConcurrentHashMap.newKeySet();
    private final List<RabbitMqReceiver> receivers = new ArrayList<>();
    private final Object destinationLock = new Object();
    private final RabbitMqScheduler scheduler = new RabbitMqScheduler(this);
    private final Delays delays;
    private volatile boolean closed;
    private volatile BusClock clock = BusClock.system();
    private ConnectionFactory factory;
    private Connection publishConnection;
    private Connection consumeConnection;
    private Topology publishTopology;
    private Topology consumeTopology;
    private Publisher publisher;
    private PublishGate gate;
    private ExecutorService completions;
    private ScheduledExecutorService timer;

    RabbitMqTransport(RabbitMqSettings settings) {
        this.settings = settings;
        this.delays = new Delays(settings);
    }

    /** A builder; defaults: {@code 127.0.0.1:5672}, vhost {@code /}, guest/guest, no TLS. */
    public static RabbitMqTransportBuilder builder() {
        return new RabbitMqTransportBuilder();
    }

    /**
     * A transport for {@code amqp://user:pass@host:port/vhost} or {@code amqps://…} (TLS with the
     * JVM's trust store), with every other setting at its default.
     *
     * @throws dev.omnibus.ConfigurationException if the URI is not usable; the message never shows the password
     */
    public static RabbitMqTransport fromUri(String uri) {
        return builder().uri(uri).build();
    }

    /** The broker endpoint this transport connects to, without credentials. */
    public String endpoint() {
        return settings.endpoint();
    }

    @Override
    public TransportCapabilities capabilities() {
        return TransportCapabilities.builder("rabbitmq")
                .settlement(TransportCapabilities.Settlement.PER_MESSAGE)
                .ordering(TransportCapabilities.Ordering.KEY)
                .routing(TransportCapabilities.Routing.BROKER)
                // wait queues (or the plugin) hold the message in the broker: it cannot be withdrawn
                .nativeDelay(java.time.Duration.ofMillis(maxNativeDelayMillis()), false)
                .temporaryEndpoints(true)
                .durable(true)
                .maxMessageSize(settings.maxMessageSize())
                // what properties() enforces: the AMQP header table must fit in a frame; AMQP counts no headers
                .maxHeaders(Integer.MAX_VALUE, maxHeaderTableSize())
                // AMQP has no batch call: publishAll/sendAll write any number of messages on one channel
                .maxBatchSize(Integer.MAX_VALUE)
                .build();
    }

    @Override
    public void start(TransportContext context) {
        if (!started.compareAndSet(false, true)) {
            throw new BusStateException("this RabbitMqTransport is already in use by a bus: create one per bus");
        }
        this.clock = context.clock();
        String name = settings.connectionName() != null ? settings.connectionName() : "omnibus:" + context.busName();
        factory = connectionFactory();
        completions = Executors.newSingleThreadExecutor(daemon("omnibus-rabbitmq-confirms-" + context.busName()));
        timer = Executors.newSingleThreadScheduledExecutor(daemon("omnibus-rabbitmq-timer-" + context.busName()));
        try {
            publishConnection = factory.newConnection(name + ":publish");
            consumeConnection = factory.newConnection(name + ":consume");
        } catch (IOException | TimeoutException e) {
            closeConnections();
            shutdownExecutors();
            throw new TransportException("cannot connect to RabbitMQ at " + settings.endpoint() + ": "
                    + ConnectFailure.describe(e, settings), e, true);
        }
        RecoveryListener recoveryLog = new RecoveryListener() {
            @Override
            public void handleRecovery(Recoverable recoverable) {
                LOG.info("RabbitMQ connection {} recovered", ((Connection) recoverable).getClientProvidedName());
            }

            @Override
            public void handleRecoveryStarted(Recoverable recoverable) {
                LOG.warn("RabbitMQ connection {} lost; recovering every {}", ((Connection) recoverable).getClientProvidedName(),
                        settings.recoveryInterval());
            }
        };
        ((Recoverable) publishConnection).addRecoveryListener(recoveryLog);
        ((Recoverable) consumeConnection).addRecoveryListener(recoveryLog);
        publishTopology = new Topology(publishConnection);
        consumeTopology = new Topology(consumeConnection);
        gate = new PublishGate(completions, settings.blockedPublishTimeout());
        publishConnection.addBlockedListener(gate); // the client keeps it across recoveries
        PublishGate g = gate;
        ((Recoverable) publishConnection).addRecoveryListener(new RecoveryListener() {
            @Override
            public void handleRecovery(Recoverable recoverable) {
                g.connectionRecovered();
            }

            @Override
            public void handleRecoveryStarted(Recoverable recoverable) {
            }
        });
        publisher = new Publisher(publishConnection, settings.channelPoolSize(), completions,
                settings.confirmTimeout().toNanos(), gate, this::exchangeGone);
        long sweep = Math.max(10, Math.min(1000, settings.confirmTimeout().toMillis() / 4));
        timer.scheduleWithFixedDelay(publisher::expireOverdue, sweep, sweep, TimeUnit.MILLISECONDS);
        LOG.info("Connected to RabbitMQ at {} as {}", settings.endpoint(), name);
    }

    private ConnectionFactory connectionFactory() {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(settings.host());
        f.setPort(settings.port());
        f.setVirtualHost(settings.virtualHost());
        f.setUsername(settings.username());
        f.setPassword(settings.password());
        if (settings.sslContext() != null) {
            f.useSslProtocol(settings.sslContext());
            if (settings.hostnameVerification()) {
                f.enableHostnameVerification();
            }
        }
        f.setAutomaticRecoveryEnabled(true);
        f.setTopologyRecoveryEnabled(true);
        f.setNetworkRecoveryInterval(settings.recoveryInterval().toMillis());
        f.setRequestedHeartbeat((int) Math.max(0, settings.heartbeat().toSeconds()));
        f.setConnectionTimeout((int) settings.connectionTimeout().toMillis());
        // the client's own inbound limit (64 MiB by default) below a body the broker accepts (128 MiB by
        // default, at most 512 MiB) closes the whole consuming connection, again after every recovery:
        // receive whatever the broker can deliver (its max_message_size is the bound) and let the bus's
        // own, lower, limit move a too-big body to _error
        f.setMaxInboundMessageBodySize(Math.max(settings.maxMessageSize(), BROKER_MAX_MESSAGE_SIZE));
        return f;
    }

    @Override
    public URI resolve(Address address) {
        String scheme = address.uri().getScheme();
        if (scheme != null && (scheme.equals("rabbitmq") || scheme.equals("rabbitmqs") || scheme.equals("amqp")
                || scheme.equals("amqps"))) {
            return address.uri();
        }
        String name = address.name();
        return addressOf(name, temporaryQueues.contains(name) ? "temporary=true" : "");
    }

    /**
     * The address of exchange {@code name} on this transport's broker and vhost, as MassTransit writes
     * it ({@code RabbitMqEndpointAddress.cs}, implicit {@code Uri} operator):
     * {@code rabbitmq://host[:port]/[vhost/]name[?query]}, the default port and the {@code /} vhost
     * left out, the vhost escaped as {@code Uri.EscapeDataString} does ({@code my%20shop}).
     */
    URI addressOf(String name, String query) {
        int defaultPort = settings.tls() ? 5671 : 5672;
        String port = settings.port() == defaultPort ? "" : ":" + settings.port();
        String vhost = settings.virtualHost().equals("/") ? "" : RabbitMqAddress.escape(settings.virtualHost(), false) + "/";
        return URI.create((settings.tls() ? "rabbitmqs" : "rabbitmq") + "://" + settings.host() + port + "/" + vhost
                + RabbitMqAddress.escapeName(name) + (query == null || query.isEmpty() ? "" : "?" + query));
    }

    /**
     * The address of the exchange a message of {@code messageType} is published to, as MassTransit
     * writes a publish's {@code destinationAddress}
     * ({@code RabbitMqMessagePublishTopology.TryGetPublishAddress}): the type's exchange
     * ({@code Namespace:Type}), durable, so with no query.
     */
    @Override
    public URI publishAddress(MessageType messageType) {
        return publishAddresses.computeIfAbsent(messageType.urn(), urn -> addressOf(exchangeOf(urn), ""));
    }

    @Override
    public void declareEndpoint(EndpointTopology topology) {
        checkOpen();
        String name = topology.name();
        boolean temporary = topology.kind() == EndpointTopology.Kind.REPLY;
        Topology.ChannelAction declare = Topology.endpoint(topology, settings.queueOptions(name),
                settings.temporaryQueueExpiry());
        try {
            consumeTopology.checkThenDeclare("the topology of endpoint '" + name + "'", declare);
        } catch (IOException e) {
            throw new TransportException("declaring endpoint '" + name + "' failed: " + Topology.reason(e), e, true);
        }
        if (temporary) {
            temporaryQueues.add(name);
        }
        knownDestinations.add(name);
        if (!temporary) {
            knownDestinations.add(topology.errorQueue());
            knownDestinations.add(topology.skippedQueue());
        }
    }

    @Override
    public CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message) {
        try {
            checkOpen();
            String exchange = exchangeOf(messageType.urn());
            if (!declaredTypes.contains(messageType.urn())) {
                declareType(messageType, exchange);
            }
            return publisher.publish(exchange, "", false, properties(message), message.body());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The broker said exchange {@code exchange} does not exist (it was deleted after this transport
     * declared or found it): forget it, so the next publish or send to it declares (or checks) it again.
     */
    private void exchangeGone(String exchange) {
        knownDestinations.remove(exchange);
        declaredTypes.removeIf(urn -> exchangeOf(urn).equals(exchange));
    }

    /**
     * Whether the broker blocks this transport's publishing connection now ({@code connection.blocked},
     * a memory or disk alarm), and the reason it gave, e.g. {@code "low on memory"}; empty when it does
     * not (or the transport is not started). While it does, publishes are held up to
     * {@code blockedPublishTimeout}, then fail. Cheap; any thread.
     */
    public Optional<String> publishingBlocked() {
        PublishGate g = gate;
        return g == null ? Optional.empty() : g.blocked().map(b -> b.reason() + " (since " + b.since() + ")");
    }

    /** The exchange of a message type URN ({@link ExchangeNames#forUrn}), from the cache. */
    private String exchangeOf(String urn) {
        return exchangeNames.computeIfAbsent(urn, ExchangeNames::forUrn);
    }

    private void declareType(MessageType type, String exchange) {
        List<String> urns = type.messageTypes();
        try {
            publishTopology.declare(Topology.messageType(exchange, urns));
        } catch (IOException e) {
            throw new TransportException("declaring the exchange of " + type.urn() + " failed: " + Topology.reason(e), e, true);
        }
        declaredTypes.add(type.urn());
    }

    /**
     * A response or fault to an address from a consumed message: published only if its exchange exists
     * (a direct reply-to name always does), never declared, so a message cannot make the bus create a
     * durable queue or exchange it names; else a non-retryable failure.
     */
    @Override
    public CompletableFuture<Void> reply(Address destination, OutgoingMessage message) {
        try {
            checkOpen();
            RabbitMqAddress to = RabbitMqAddress.of(destination);
            String name = to.name();
            if (!to.isReplyTo() && !knownDestinations.contains(name)) {
                if (!publishTopology.probe(ch -> ch.exchangeDeclarePassive(name), null)) {
                    return CompletableFuture.failedFuture(new TransportException("the response or fault address '" + destination
                            + "' names no exchange on the broker; an address from a message is never declared", null, false));
                }
                knownDestinations.add(name);
            }
            return publisher.publish(exchangeOf(to), routingKeyOf(to), mandatory(to), properties(message), message.body());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
        try {
            checkOpen();
            RabbitMqAddress to = RabbitMqAddress.of(destination);
            ensureDestination(to);
            return publisher.publish(exchangeOf(to), routingKeyOf(to), mandatory(to), properties(message), message.body());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Publishes the messages of one type on one pooled channel, in order: every message is written,
     * then the broker's confirms complete the futures. A message refused before publishing (too big,
     * headers too big) or nacked by the broker fails only its own future.
     */
    @Override
    public List<CompletableFuture<Void>> publishAll(MessageType messageType, List<OutgoingMessage> messages) {
        try {
            checkOpen();
            String exchange = exchangeOf(messageType.urn());
            if (!declaredTypes.contains(messageType.urn())) {
                declareType(messageType, exchange);
            }
            return batch(exchange, "", false, messages);
        } catch (RuntimeException e) {
            return failedAll(messages.size(), e);
        }
    }

    /**
     * Sends the messages to one destination on one pooled channel, in order, as {@link #publishAll};
     * to a queue address each is {@code mandatory}, so one the broker returns fails its own future.
     */
    @Override
    public List<CompletableFuture<Void>> sendAll(Address destination, List<OutgoingMessage> messages) {
        try {
            checkOpen();
            RabbitMqAddress to = RabbitMqAddress.of(destination);
            ensureDestination(to);
            return batch(exchangeOf(to), routingKeyOf(to), mandatory(to), messages);
        } catch (RuntimeException e) {
            return failedAll(messages.size(), e);
        }
    }

    /** The exchange a send to {@code to} is published to: the default exchange for direct reply-to. */
    private static String exchangeOf(RabbitMqAddress to) {
        return to.isReplyTo() ? "" : to.name();
    }

    /**
     * Whether a send to {@code to} is {@code mandatory}: yes but for a topic (fan-out to nobody is
     * normal) and for direct reply-to, where RabbitMQ 3.10 returns a mandatory message although it
     * delivered it to the requester's reply-to consumer (checked with a plain client: delivered, then
     * returned NO_ROUTE).
     */
    private static boolean mandatory(RabbitMqAddress to) {
        return !to.topic() && !to.isReplyTo();
    }

    /** Its routing key: the reply-to name itself for direct reply-to, else none (fanout). */
    private static String routingKeyOf(RabbitMqAddress to) {
        return to.isReplyTo() ? to.name() : "";
    }

    private List<CompletableFuture<Void>> batch(String exchange, String routingKey, boolean mandatory,
            List<OutgoingMessage> messages) {
        List<CompletableFuture<Void>> out = new ArrayList<>(messages.size());
        List<Publisher.Entry> entries = new ArrayList<>(messages.size());
        List<Integer> slots = new ArrayList<>(messages.size());
        for (OutgoingMessage m : messages) {
            try {
                entries.add(new Publisher.Entry(exchange, routingKey, mandatory, properties(m), m.body()));
                slots.add(out.size());
                out.add(null);
            } catch (RuntimeException e) {
                out.add(CompletableFuture.failedFuture(e));
            }
        }
        List<CompletableFuture<Void>> published = publisher.publishAll(entries);
        for (int i = 0; i < slots.size(); i++) {
            out.set(slots.get(i), published.get(i));
        }
        return out;
    }

    private static List<CompletableFuture<Void>> failedAll(int n, RuntimeException e) {
        List<CompletableFuture<Void>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(CompletableFuture.failedFuture(e));
        }
        return out;
    }

    /** Publishes prepared properties and body to queue {@code queue}'s exchange (moves to _error/_skipped). */
    CompletableFuture<Void> publishRaw(String queue, AMQP.BasicProperties props, byte[] body) {
        try {
            checkOpen();
            ensureDestination(RabbitMqAddress.of(Address.queue(queue)));
            return publisher.publish(queue, "", true, props, body);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Makes sure a send to {@code to} has somewhere to go, declaring what the address says the way
     * MassTransit's send topology does ({@code RabbitMqEndpointAddress.cs}): the exchange with the
     * address's type, durability and auto-delete, and with {@code bind=true} (a {@code queue:} address)
     * the queue ({@code queue=} or the exchange's name), bound. An exchange that exists already is
     * left as its owner declared it (nothing is declared, so a response into a MassTransit temporary
     * endpoint never meets PRECONDITION_FAILED); a direct reply-to name declares nothing. A new
     * non-durable auto-delete queue gets {@code x-expires} = {@code temporaryQueueExpiry}, as the
     * temporary queues of MassTransit's bus endpoints; a durable one the configured {@link QueueOptions}.
     */
    void ensureDestination(RabbitMqAddress to) {
        String name = to.name();
        if (to.isReplyTo() || knownDestinations.contains(name)) {
            return;
        }
        synchronized (destinationLock) {
            if (knownDestinations.contains(name)) {
                return;
            }
            try {
                if (publishTopology.probe(ch -> ch.exchangeDeclarePassive(name), null)) {
                    knownDestinations.add(name);
                    return;
                }
                if (!to.bindQueue()) {
                    publishTopology.checkThenDeclare("exchange '" + name + "'",
                            ch -> ch.exchangeDeclare(name, to.exchangeType(), to.durable(), to.autoDelete(), null));
                } else {
                    String queue = to.queueName();
                    boolean queueExists = publishTopology.probe(ch -> ch.queueDeclarePassive(queue), null);
                    Map<String, Object> args;
                    if (to.durable()) {
                        args = settings.queueOptions(queue).queueArguments();
                    } else if (to.autoDelete()) {
                        args = new HashMap<>();
                        args.put("x-expires", (int) settings.temporaryQueueExpiry().toMillis());
                    } else {
                        args = null;
                    }
                    publishTopology.checkThenDeclare("queue '" + queue + "' and exchange '" + name + "'", ch -> {
                        if (!queueExists) {
                            ch.queueDeclare(queue, to.durable(), false, to.autoDelete(), args == null || args.isEmpty() ? null : args);
                        }
                        ch.exchangeDeclare(name, to.exchangeType(), to.durable(), to.autoDelete(), null);
                        ch.queueBind(queue, name, "");
                    });
                }
            } catch (IOException e) {
                throw new TransportException("declaring the destination '" + name + "' failed: " + Topology.reason(e), e, true);
            }
            knownDestinations.add(name);
        }
    }

    /** Sends {@code message} to {@code destination} after {@code delayMillis}, with the broker's own delay. */
    CompletableFuture<Void> sendDelayed(Address destination, OutgoingMessage message, long delayMillis) {
        try {
            checkOpen();
            RabbitMqAddress to = RabbitMqAddress.of(destination);
            if (to.isReplyTo()) { // the broker cannot hold a message for a direct reply-to consumer
                throw new TransportException("a delayed send to RabbitMQ direct reply-to (" + destination + ") is not possible",
                        null, false);
            }
            ensureDestination(to);
            return publishDelayed(to.name(), properties(message), message.body(), delayMillis);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Publishes prepared properties and body so that the broker delivers them to {@code target}'s
     * exchange after {@code delayMillis}: through a wait queue, or the delayed-message exchange. The
     * future completes when the broker confirmed the message into the delay path.
     */
    CompletableFuture<Void> publishDelayed(String target, AMQP.BasicProperties props, byte[] body, long delayMillis) {
        try {
            checkOpen();
            if (delayMillis > maxNativeDelayMillis()) { // the broker would refuse the wait queue, closing the channel
                throw new TransportException("a delay of " + java.time.Duration.ofMillis(delayMillis) + " is over RabbitMQ's "
                        + "native limit of " + java.time.Duration.ofMillis(maxNativeDelayMillis()), null, false);
            }
            ensureDestination(RabbitMqAddress.of(Address.queue(target)));
            if (delays.usePlugin(factory)) {
                String exchange = Delays.declarePluginExchange(publishTopology, target);
                Map<String, Object> headers = new HashMap<>(props.getHeaders() == null ? Map.of() : props.getHeaders());
                headers.put("x-delay", delayMillis);
                return publisher.publish(exchange, "", false, props.builder().headers(headers).build(), body);
            }
            Delays.Route route = delays.route(publishTopology, target, Math.max(1, delayMillis));
            return publisher.publish(route.exchange(), route.routingKey(), true, props.builder().expiration(null).build(), body);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new TransportException("declaring the delay for '" + target
                    + "' failed: " + Topology.reason(e), e, true));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The longest delay the broker can apply: 2^32-1 ms, every wait level once (each level's TTL is a
     * power of two up to 2^31 ms), and the delayed-message plugin's limit for {@code x-delay}.
     */
    long maxNativeDelayMillis() {
        return Delays.MAX_EXPIRY_MILLIS;
    }

    private AMQP.BasicProperties properties(OutgoingMessage message) {
        if (message.body().length > settings.maxMessageSize()) {
            throw new TransportException("the message is " + message.body().length + " bytes, over the transport's "
                    + "maxMessageSize of " + settings.maxMessageSize(), null, false);
        }
        AMQP.BasicProperties props = AmqpHeaders.properties(message, clock.now().toEpochMilli(), maxHeaderTableSize());
        int size = AmqpHeaders.tableSize(props.getHeaders());
        if (size > maxHeaderTableSize()) {
            throw new TransportException("the message's headers take about " + size + " bytes, more than fit in a frame ("
                    + maxHeaderTableSize() + "): send less in headers", null, false);
        }
        return props;
    }

    /** The largest header table that fits in a frame of the publishing connection. */
    int maxHeaderTableSize() {
        int frameMax = publishConnection == null || publishConnection.getFrameMax() <= 0 ? DEFAULT_FRAME_MAX
                : publishConnection.getFrameMax();
        return frameMax - AmqpHeaders.FRAME_OVERHEAD;
    }

    /** How long a prefetched delivery may wait in the bus's buffer: half the broker's consumer_timeout. */
    long releaseWaitingAfterNanos() {
        return settings.consumerTimeout().toNanos() / 2;
    }

    long confirmTimeoutNanos() {
        return settings.confirmTimeout().toNanos();
    }

    /** The transport's timer thread (confirm timeouts, ack flushes). */
    ScheduledExecutorService timer() {
        return timer;
    }

    BusClock clock() {
        return clock;
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings receiveSettings, DeliveryHandler handler) {
        checkOpen();
        try {
            RabbitMqReceiver r = new RabbitMqReceiver(this, consumeConnection, queue, receiveSettings.prefetch(), handler);
            synchronized (receivers) {
                receivers.add(r);
            }
            return r;
        } catch (IOException e) {
            throw new TransportException("cannot consume queue '" + queue + "': " + Topology.reason(e), e, true);
        }
    }

    @Override
    public Optional<Scheduler> nativeScheduler() {
        return Optional.of(scheduler);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!started.get()) {
            return;
        }
        List<RabbitMqReceiver> all;
        synchronized (receivers) {
            all = new ArrayList<>(receivers);
        }
        all.forEach(RabbitMqReceiver::close);
        if (publisher != null) {
            publisher.awaitConfirms(Math.min(settings.confirmTimeout().toNanos(), TimeUnit.SECONDS.toNanos(5)));
            publisher.close();
        }
        if (consumeTopology != null && consumeConnection != null && consumeConnection.isOpen()) {
            for (String q : temporaryQueues) {
                try {
                    consumeTopology.declare(ch -> {
                        ch.queueDelete(q);
                        ch.exchangeDelete(q);
                    });
                } catch (IOException | RuntimeException e) {
                    LOG.debug("deleting temporary queue {} failed (it expires by itself)", q, e);
                }
            }
        }
        if (publishTopology != null) {
            publishTopology.close();
        }
        if (consumeTopology != null) {
            consumeTopology.close();
        }
        closeConnections();
        shutdownExecutors();
    }

    private void closeConnections() {
        for (Connection c : new Connection[] {consumeConnection, publishConnection}) {
            if (c != null) {
                try {
                    c.close(5_000);
                } catch (IOException | RuntimeException e) {
                    LOG.debug("closing a RabbitMQ connection failed", e);
                }
            }
        }
    }

    private void shutdownExecutors() {
        if (timer != null) {
            timer.shutdownNow();
        }
        if (completions != null) {
            completions.shutdown(); // completes what is queued, then ends
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new TransportException("the RabbitMQ transport is closed", null, false);
        }
        if (!started.get()) {
            throw new BusStateException("the RabbitMQ transport is not started: the bus starts it");
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public String toString() {
        return "RabbitMqTransport[" + settings.endpoint() + "]";
    }
}
