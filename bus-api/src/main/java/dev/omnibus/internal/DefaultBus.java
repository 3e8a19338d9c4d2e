package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.BusStateException;
import dev.omnibus.Headers;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.SendOptions;
import dev.omnibus.json.RawJsonSerializer;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Serializer;
import dev.omnibus.spi.TransportContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The bus runtime behind {@link Bus}. Internal: build one with {@code Bus.builder()}. */
public final class DefaultBus implements Bus {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultBus.class);

    private enum State { CREATED, STARTING, RUNNING, STOPPING, STOPPED }

    private final BusSpec spec;
    private final AtomicReference<State> state = new AtomicReference<>(State.CREATED);
    private final MessageProducer producer;
    private final Observers observers;
    private final Tracing tracing;
    private final Map<String, Serializer> deserializers = new HashMap<>();
    private final List<ReceiveEndpointRuntime> endpoints = new ArrayList<>();
    private final RequestClient requests;
    private final Completions completions;
    private final java.time.Clock clock; // what application code reads: each read a point in a simulation
    private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    private final java.util.concurrent.CountDownLatch startFinished = new java.util.concurrent.CountDownLatch(1);
    private ReceiveHandle responseHandle;
    private volatile boolean schedulerStarted;
    private volatile boolean transportStarted;
    private volatile boolean clockRetained;

    public DefaultBus(BusSpec spec) {
        this.spec = spec;
        this.observers = new Observers(spec.observers());
        this.tracing = new Tracing(spec.openTelemetry(), spec.transport().capabilities().name());
        this.producer = new MessageProducer(spec, observers, tracing);
        Serializer raw = RawJsonSerializer.create();
        deserializers.put(raw.contentType(), raw);
        deserializers.put(spec.serializer().contentType(), spec.serializer());
        for (Serializer s : spec.deserializers()) {
            deserializers.put(s.contentType(), s);
        }
        this.completions = new Completions(spec.name(), spec.executionControl() != null);
        this.clock = ApplicationClock.of(spec.clock());
        this.requests = new RequestClient(this, spec);
        for (EndpointSpec e : spec.endpoints()) {
            endpoints.add(new ReceiveEndpointRuntime(this, e, spec));
        }
    }

    @Override
    public Bus start() {
        if (!state.compareAndSet(State.CREATED, State.STARTING)) {
            throw new BusStateException("bus '" + spec.name() + "' was already started (state " + state.get()
                    + "); build a new bus to start again");
        }
        try {
            spec.clock().retain(); // released at the end of the stop: a clock's timer thread lives as long as its buses
            clockRetained = true;
            spec.transport().start(new TransportContext(spec.clock(), spec.name()));
            transportStarted = true;
            spec.transport().declareEndpoint(new EndpointTopology(requests.queue(), List.of(), true));
            responseHandle = spec.transport().receive(requests.queue(), new ReceiveSettings(64), requests);
            for (ReceiveEndpointRuntime e : endpoints) {
                e.start();
            }
            // last: a scheduler may send at once (an outbox relay sends its backlog), and what it sends
            // must find every queue declared, bound and receiving (an unbound exchange drops a message)
            spec.scheduler().start(spec.transport(), spec.clock());
            schedulerStarted = true;
        } catch (RuntimeException e) {
            LOG.error("Bus {} failed to start; shutting down what started", spec.name(), e);
            state.set(State.STOPPING);
            shutdown(System.nanoTime());
            startFinished.countDown();
            throw e;
        }
        state.set(State.RUNNING);
        startFinished.countDown(); // a close() that came during start stops the bus now
        LOG.info("Bus {} started on {} with {} endpoint(s)", spec.name(), spec.transport().capabilities().name(),
                endpoints.size());
        return this;
    }

    @Override
    public void stop() {
        if (!state.compareAndSet(State.RUNNING, State.STOPPING)) {
            throw new BusStateException("bus '" + spec.name() + "' is not running (state " + state.get() + "); it can stop only once");
        }
        long deadline = System.nanoTime() + spec.stopTimeout().toNanos();
        if (onWorkerThread()) {
            // a consumer stopping its own bus: the stop waits for deliveries in flight, its own among
            // them, so it runs on a thread of its own and this call returns; the consumer's delivery
            // then settles as usual and the stop completes without waiting for the stop timeout
            Thread stopper = new Thread(() -> shutdown(deadline), "omnibus-" + spec.name() + "-stop");
            stopper.setDaemon(false); // a stop in progress finishes even if main() returns
            stopper.start();
            return;
        }
        shutdown(deadline);
    }

    @Override
    public void close() {
        while (true) {
            switch (state.get()) {
                case CREATED -> {
                    if (state.compareAndSet(State.CREATED, State.STOPPED)) {
                        spec.transport().close(); // built, never started: release what the transport holds
                        stopped.countDown();
                        return;
                    }
                }
                case STARTING -> {
                    if (!await(startFinished)) { // then stop what started
                        return;
                    }
                }
                case RUNNING -> {
                    try {
                        stop(); // from a consumer: begins the stop and returns, as stop() does
                        return;
                    } catch (BusStateException e) {
                        // another thread began stopping it: wait for that below
                    }
                }
                case STOPPING -> {
                    if (!onWorkerThread()) { // a consumer must not wait for a stop that waits for it
                        await(stopped);
                    }
                    return;
                }
                case STOPPED -> {
                    return;
                }
            }
        }
    }

    /** Waits for {@code latch}; false if interrupted (the interrupt is kept). */
    private static boolean await(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether the caller is one of this bus's consumer threads. */
    private boolean onWorkerThread() {
        for (ReceiveEndpointRuntime e : endpoints) {
            if (e.isWorkerThread()) {
                return true;
            }
        }
        return false;
    }

    private void shutdown(long deadlineNanos) {
        for (ReceiveEndpointRuntime e : endpoints) {
            e.stopDeliveries();
        }
        boolean interrupted = false;
        for (ReceiveEndpointRuntime e : endpoints) {
            try {
                if (!e.awaitIdle(deadlineNanos)) {
                    LOG.warn("Bus {}: endpoint {} still had {} message(s) in flight at the stop timeout; interrupting "
                            + "them, their messages go back to the queue", spec.name(), e.name(), e.inFlight());
                }
            } catch (InterruptedException ie) {
                interrupted = true;
            }
        }
        // the scheduler stops once nothing is consumed any more (so a redelivery or scheduled send
        // from a consumer finishing in flight still reaches it) and before the endpoints' receive
        // loops and the transport close (so what it flushes at stop still finds its queues)
        if (schedulerStarted) {
            try {
                spec.scheduler().stop();
            } catch (RuntimeException ex) {
                LOG.warn("Bus {}: scheduler failed to stop cleanly", spec.name(), ex);
            }
        }
        for (ReceiveEndpointRuntime e : endpoints) {
            e.close();
        }
        if (responseHandle != null) {
            responseHandle.close();
        }
        requests.failAll();
        try {
            spec.transport().close();
        } catch (RuntimeException ex) {
            LOG.warn("Bus {}: transport failed to close cleanly", spec.name(), ex);
        }
        completions.shutdown(); // what was handed over still runs; the threads then end
        if (clockRetained) {
            try {
                spec.clock().release();
            } catch (RuntimeException ex) {
                LOG.warn("Bus {}: clock failed to release", spec.name(), ex);
            }
        }
        state.set(State.STOPPED);
        stopped.countDown();
        LOG.info("Bus {} stopped", spec.name());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public dev.omnibus.BusHealth health() {
        List<dev.omnibus.EndpointHealth> out = new ArrayList<>(endpoints.size());
        for (ReceiveEndpointRuntime e : endpoints) {
            out.add(e.health());
        }
        return new dev.omnibus.BusHealth(state.get() == State.RUNNING, out);
    }

    @Override
    public CompletableFuture<Void> publish(Object message, SendOptions options) {
        checkCanProduce();
        return completions.detach(producer.produce(producer.production(null,
                Objects.requireNonNull(message, "message"), null, Objects.requireNonNull(options, "options"), null,
                requests.address(), null, null)));
    }

    @Override
    public CompletableFuture<Void> send(Address destination, Object message, SendOptions options) {
        checkCanProduce();
        return completions.detach(producer.produce(producer.production(
                Objects.requireNonNull(destination, "destination"), Objects.requireNonNull(message, "message"), null,
                Objects.requireNonNull(options, "options"), null, requests.address(), null, null)));
    }

    @Override
    public <R> CompletableFuture<R> request(Address destination, Object message, Class<R> responseType, Duration timeout,
            SendOptions options) {
        checkCanProduce();
        return requests.request(destination, Objects.requireNonNull(message, "message"),
                Objects.requireNonNull(responseType, "responseType"), timeout, Objects.requireNonNull(options, "options"), null);
    }

    @Override
    public dev.omnibus.MessagePublisher producer(dev.omnibus.spi.Outbound outbound) {
        Objects.requireNonNull(outbound, "outbound");
        return new dev.omnibus.MessagePublisher() {
            @Override
            public java.util.UUID publish(Object message, SendOptions options) {
                checkCanProduce();
                return producer.produceTo(outbound, new MessageProducer.Production(null,
                        Objects.requireNonNull(message, "message"), null, Objects.requireNonNull(options, "options"), null,
                        requests.address(), null, null));
            }

            @Override
            public java.util.UUID send(Address destination, Object message, SendOptions options) {
                checkCanProduce();
                return producer.produceTo(outbound, new MessageProducer.Production(
                        Objects.requireNonNull(destination, "destination"), Objects.requireNonNull(message, "message"),
                        null, Objects.requireNonNull(options, "options"), null, requests.address(), null, null));
            }
        };
    }

    @Override
    public List<String> pipeline(String endpoint) {
        for (ReceiveEndpointRuntime e : endpoints) {
            if (e.name().equals(endpoint)) {
                return e.pipelineNames();
            }
        }
        throw new IllegalArgumentException("bus '" + spec.name() + "' has no endpoint '" + endpoint + "'");
    }

    @Override
    public java.time.Clock clock() {
        return clock;
    }

    @Override
    public MessageTypeRegistry messageTypes() {
        return spec.registry();
    }

    @Override
    public Address address() {
        return new Address(requests.address());
    }

    Tracing tracing() {
        return tracing;
    }

    Observers observers() {
        return observers;
    }

    RequestClient requests() {
        return requests;
    }

    /** Where futures handed to application code complete when the transport completes them later. */
    Completions completions() {
        return completions;
    }

    /** Withdraws a scheduled message by its id (the token of schedulers that use message ids); see ConsumeContext. */
    boolean cancelScheduled(java.util.UUID messageId) {
        try {
            return spec.scheduler().cancel(messageId);
        } catch (RuntimeException e) {
            LOG.warn("Bus {}: the scheduler failed to cancel scheduled message {}", spec.name(), messageId, e);
            return false;
        }
    }

    MessageProducer producer() {
        return producer;
    }

    boolean isStopping() {
        State s = state.get();
        return s == State.STOPPING || s == State.STOPPED;
    }

    /**
     * Producing is allowed while running, while stopping (consumers in flight finish their work), and
     * while starting once the transport is connected (endpoints consume as soon as each one is
     * receiving, before the last one is, and what they produce must not fail for that).
     */
    void checkCanProduce() {
        State s = state.get();
        if (s == State.RUNNING || s == State.STOPPING || s == State.STARTING && transportStarted) {
            return;
        }
        throw new BusStateException(s == State.STOPPED
                ? "bus '" + spec.name() + "' is stopped: messages cannot be produced after stop"
                : "bus '" + spec.name() + "' is not started: call start() first");
    }

    String envelopeContentType() {
        return spec.serializer().contentType();
    }

    /** The serializer for a delivery's content type, else the endpoint's default, else the bus's. */
    Serializer deserializerFor(Headers transportHeaders, String endpointDefault) {
        Object ct = transportHeaders.get(OutgoingMessage.CONTENT_TYPE);
        if (ct != null) {
            Serializer exact = deserializers.get(ct); // as written by a bus: no parameters, lower case
            if (exact != null) {
                return exact;
            }
            String type = ct.toString();
            int semi = type.indexOf(';');
            if (semi >= 0) {
                type = type.substring(0, semi);
            }
            Serializer s = deserializers.get(type.trim().toLowerCase(Locale.ROOT));
            if (s != null) {
                return s;
            }
        }
        if (endpointDefault != null) {
            Serializer s = deserializers.get(endpointDefault);
            if (s != null) {
                return s;
            }
        }
        return spec.serializer();
    }
}
