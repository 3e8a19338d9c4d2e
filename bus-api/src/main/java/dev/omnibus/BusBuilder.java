package dev.omnibus;

import dev.omnibus.inmemory.InMemoryScheduler;
import dev.omnibus.internal.BusSpec;
import dev.omnibus.internal.CapabilityChecks;
import dev.omnibus.internal.ComposedScheduler;
import dev.omnibus.internal.DefaultBus;
import dev.omnibus.internal.EndpointSpec;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.BusObserver;
import dev.omnibus.spi.Filter;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Serializer;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportCapabilities;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Configures a {@link Bus}. Only the transport is required.
 *
 * <p>Defaults: the JSON envelope serializer ({@code application/vnd.masstransit+json}; raw JSON
 * bodies are read too), the system clock, the broker's native delay (the in-memory scheduler on the
 * in-memory transport; see {@link #scheduler}), a stop timeout of 30 s, a message size limit of
 * 4 MiB or the transport's limit if lower. {@link #build()} checks everything and reports every problem in one
 * {@link ConfigurationException}. Not thread-safe: configure from one thread.
 */
public final class BusBuilder {
    /** The default largest message body, in bytes. */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

    private final MessageTypeRegistry registry = MessageTypeRegistry.create();
    private final Map<String, ReceiveEndpointBuilder> endpoints = new LinkedHashMap<>();
    private final List<Filter> filters = new ArrayList<>();
    private final List<Serializer> deserializers = new ArrayList<>();
    private final List<BusObserver> observers = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private Transport transport;
    private Serializer serializer;
    private BusClock clock = BusClock.system();
    private Scheduler scheduler;
    private Duration stopTimeout = Duration.ofSeconds(30);
    private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
    private boolean maxMessageSizeSet;
    private boolean includeStackTraces;
    private boolean inMemoryScheduling;
    private String name;
    private io.opentelemetry.api.OpenTelemetry openTelemetry;
    private dev.omnibus.spi.Interleaving.Control executionControl;

    BusBuilder() {
    }

    /** The transport (required): {@code InMemoryTransport.create()}, a RabbitMQ transport, … */
    public BusBuilder transport(Transport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
        return this;
    }

    /** The serializer for outgoing messages (default: the MassTransit JSON envelope). */
    public BusBuilder serializer(Serializer serializer) {
        this.serializer = Objects.requireNonNull(serializer, "serializer");
        return this;
    }

    /** Another format incoming messages may come in, chosen by their content type. */
    public BusBuilder deserializer(Serializer serializer) {
        deserializers.add(Objects.requireNonNull(serializer, "serializer"));
        return this;
    }

    /**
     * Runs the bus under a deterministic simulation's control (a test harness's): the control's
     * workers replace the endpoints' threads, futures complete in place, retry jitter and ids come
     * from its seeded sources. See {@link dev.omnibus.spi.Interleaving}. Default: none, the bus's
     * own threads.
     */
    public BusBuilder executionControl(dev.omnibus.spi.Interleaving.Control control) {
        this.executionControl = Objects.requireNonNull(control, "control");
        return this;
    }

    /** The clock for every timer of the bus (default: the system clock; test harnesses set a virtual one). */
    public BusBuilder clock(BusClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * A scheduler for scheduled sends and delayed redelivery, normally a durable one (the outbox's).
     * The bus composes it with the broker's native delay: delays within the broker's limit go to the
     * broker when no scheduler is configured or the broker can withdraw them; everything else goes
     * here. Without one: the broker's native delay up to its limit; on the in-memory transport, the
     * in-memory scheduler on the bus's clock; otherwise a longer delay fails with a clear error
     * (see {@link #allowInMemoryScheduling()}).
     */
    public BusBuilder scheduler(Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        return this;
    }

    /**
     * Lets delays that neither the broker nor a configured scheduler can carry wait in this process's
     * memory, on a transport that otherwise keeps messages durably. Without it, {@link #build()}
     * refuses delayed redelivery there (the copy would be the only one once the original is
     * acknowledged, and a crash would lose it) and a delayed send fails with an error saying what to
     * configure. With it, a crash loses the messages waiting; a graceful stop sends them early.
     */
    public BusBuilder allowInMemoryScheduling() {
        this.inMemoryScheduling = true;
        return this;
    }

    /** How long {@link Bus#stop()} lets deliveries in flight finish (default 30 s). */
    public BusBuilder stopTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative()) {
            problems.add("stopTimeout must be zero or positive, was " + timeout);
        } else {
            this.stopTimeout = timeout;
        }
        return this;
    }

    /**
     * Whether stack traces leave the process (default false): in the {@code MT-Fault-StackTrace} header of
     * a message moved to {@code _error} and in the {@code exceptions} of a published {@code Fault<T>}.
     * Off, those carry the exception's type and message only: a stack trace tells whoever reads the
     * queue (another team, another company) which libraries and versions run here. MassTransit writes
     * them; turn them on where every reader is trusted and wants them.
     */
    public BusBuilder includeStackTraces(boolean include) {
        this.includeStackTraces = include;
        return this;
    }

    /** The largest body sent or read, in bytes (default 4 MiB); larger incoming bodies go to the error queue. */
    public BusBuilder maxMessageSize(int bytes) {
        if (bytes < 1) {
            problems.add("maxMessageSize must be positive, was " + bytes);
        } else {
            this.maxMessageSize = bytes;
            this.maxMessageSizeSet = true;
        }
        return this;
    }

    /** A name for this bus instance, for logs and thread names (default: host and process id). */
    public BusBuilder name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /** Registers a message type up front (types are also registered when consumed or first produced). */
    public BusBuilder messageType(Class<?> type) {
        try {
            registry.register(type);
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
        }
        return this;
    }

    /**
     * The OpenTelemetry to trace with (default: {@code GlobalOpenTelemetry.get()} when the bus is
     * built, so an agent or an SDK registered as global before that is used). Each produced message
     * gets a PRODUCER span and carries its W3C trace context in the {@code traceparent} header; each
     * consumed message gets a CONSUMER span, child of the producer's, current while its consumers run.
     */
    public BusBuilder openTelemetry(io.opentelemetry.api.OpenTelemetry openTelemetry) {
        this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
        return this;
    }

    /** Adds an observer of everything the bus produces and consumes (test harnesses, metrics, audit). */
    public BusBuilder observer(BusObserver observer) {
        observers.add(Objects.requireNonNull(observer, "observer"));
        return this;
    }

    /** Adds a filter around the consumers of every endpoint, outside the endpoint's own filters. */
    public BusBuilder filter(Filter filter) {
        filters.add(Objects.requireNonNull(filter, "filter"));
        return this;
    }

    /** Adds a receive endpoint named {@code name} (its queue's name) configured by {@code configure}. */
    public BusBuilder receiveEndpoint(String name, Consumer<ReceiveEndpointBuilder> configure) {
        try {
            Address.checkName(name);
        } catch (ConfigurationException e) {
            problems.addAll(e.problems());
            return this;
        }
        if (endpoints.containsKey(name)) {
            problems.add("endpoint '" + name + "' is configured twice: configure each endpoint once");
            return this;
        }
        ReceiveEndpointBuilder b = new ReceiveEndpointBuilder(name, registry);
        configure.accept(b);
        endpoints.put(name, b);
        return this;
    }

    /**
     * Builds the bus without starting it.
     *
     * @throws ConfigurationException listing every problem found
     */
    public Bus build() {
        List<String> all = new ArrayList<>(problems);
        if (transport == null) {
            all.add("no transport: call .transport(InMemoryTransport.create()) or a broker transport");
        }
        List<EndpointSpec> specs = new ArrayList<>();
        for (ReceiveEndpointBuilder b : endpoints.values()) {
            specs.add(b.build(all));
        }
        if (transport == null) {
            throw new ConfigurationException(all);
        }
        TransportCapabilities caps = transport.capabilities();
        // in memory only where the transport keeps messages in memory anyway, or where the application accepts it
        Scheduler fallback = !caps.durable() || inMemoryScheduling ? new InMemoryScheduler() : null;
        ComposedScheduler s = new ComposedScheduler(transport.nativeScheduler().orElse(null), caps, scheduler, fallback);
        int messageLimit = maxMessageSizeSet ? maxMessageSize : Math.min(maxMessageSize, caps.maxMessageSize());
        all.addAll(CapabilityChecks.check(caps, specs, registry, s, inMemoryScheduling, messageLimit, maxMessageSizeSet));
        if (!all.isEmpty()) {
            throw new ConfigurationException(all);
        }
        Serializer out = serializer != null ? serializer : JsonEnvelopeSerializer.create();
        String busName = name != null ? name : HostInfo.current().machineName() + "_" + ProcessHandle.current().pid();
        return new DefaultBus(new BusSpec(busName, transport, out, deserializers, clock, s, registry, specs, filters,
                stopTimeout, messageLimit, observers,
                openTelemetry != null ? openTelemetry : io.opentelemetry.api.GlobalOpenTelemetry.get(), includeStackTraces,
                executionControl));
    }

    /** Builds and starts the bus. */
    public Bus start() {
        return build().start();
    }
}
