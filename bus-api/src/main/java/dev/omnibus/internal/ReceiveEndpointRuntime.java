package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.Envelope;
import dev.omnibus.MessageType;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.Filter;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running receive endpoint: the receive loop and the stop protocol. It takes deliveries from
 * the transport, puts each on the endpoint's {@link PartitionedExecutor} by its ordering key, and
 * runs it through the endpoint's receive pipeline, a chain of {@link ReceiveStage}s linked once at
 * construction. The pipeline, outermost first (also {@code Bus.pipeline(endpoint)}):
 *
 * <ol>
 *   <li>{@code log-context}: SLF4J MDC;</li>
 *   <li>{@code settlement}: ack, move to {@code _error}/{@code _skipped}, or requeue;</li>
 *   <li>{@code size-limit}, {@code decode}, {@code expiry}, {@code resolve-type};</li>
 *   <li>{@code tracing}: the CONSUMER span;</li>
 *   <li>{@code bind}: the message bound to its type, the consume context made;</li>
 *   <li>{@code fault}: {@code Fault<T>} and the move to {@code _error} once everything inside failed;</li>
 *   <li>{@code redelivery}, {@code retry}, {@code in-memory-outbox} (when configured), the bus's filters,
 *       the endpoint's filters;</li>
 *   <li>{@code consumers}.</li>
 * </ol>
 */
final class ReceiveEndpointRuntime implements DeliveryHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ReceiveEndpointRuntime.class);

    private final DefaultBus bus;
    private final EndpointSpec spec;
    private final BusSpec busSpec;
    private final URI address;
    private final List<ReceiveStage> stages;
    private final ReceiveStage.Link pipeline;
    private final Map<MessageType, List<ConsumerBinding>> dispatch = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger arrivals = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong expired = new AtomicLong();
    private final Object idle = new Object();
    private volatile boolean deliveriesStopped;
    private final MessageType singleConcreteType;
    private volatile dev.omnibus.spi.Interleaving.Workers executor;
    private final boolean serial;
    private volatile ReceiveLoop loop;
    /** Null unless deliveries of a key wait for its delayed redelivery ({@code redeliveryHoldsKey()}). */
    private final KeyHolds holds;

    ReceiveEndpointRuntime(DefaultBus bus, EndpointSpec spec, BusSpec busSpec) {
        this.bus = bus;
        this.spec = spec;
        this.busSpec = busSpec;
        this.address = busSpec.transport().resolve(Address.queue(spec.name()));
        this.serial = spec.concurrency() == 1;
        this.holds = spec.redeliveryHoldsKey() && spec.redelivery().limit() > 0
                ? new KeyHolds(spec.name(), busSpec.clock(), (key, r) -> executor.execute(key, r), this::runClaimed)
                : null;
        List<ReceiveStage> s = new ArrayList<>();
        s.add(new ConsumeStages.LogContext());
        s.add(new SettleStages.Settlement());
        s.add(new ReadStages.SizeLimit(busSpec.maxMessageSize()));
        s.add(new ReadStages.Decode());
        s.add(new ReadStages.Expiry());
        s.add(new ReadStages.ResolveType());
        s.add(new ConsumeStages.Tracing());
        s.add(new ReadStages.Bind());
        s.add(new SettleStages.Faults());
        if (spec.redelivery().limit() > 0) {
            s.add(new ConsumeStages.FilterStage("redelivery", new RedeliveryFilter(seeded(spec.redelivery(), busSpec), busSpec, spec.name(),
                    holds)));
        }
        if (spec.retry().limit() > 0) {
            s.add(new ConsumeStages.FilterStage("retry", new RetryFilter(seeded(spec.retry(), busSpec), busSpec.clock(), bus)));
        }
        if (spec.inMemoryOutbox()) {
            s.add(new InMemoryOutbox.Stage());
        }
        for (Filter f : busSpec.filters()) {
            s.add(new ConsumeStages.FilterStage(ConsumeStages.FilterStage.nameOf(f), f));
        }
        for (Filter f : spec.filters()) {
            s.add(new ConsumeStages.FilterStage(ConsumeStages.FilterStage.nameOf(f), f));
        }
        s.add(new ConsumeStages.Consumers());
        this.stages = List.copyOf(s);
        ReceiveStage.Link link = null;
        for (int i = s.size() - 1; i >= 0; i--) {
            link = new ReceiveStage.Link(s.get(i), link);
        }
        this.pipeline = link;
        Set<MessageType> concrete = new LinkedHashSet<>();
        for (ConsumerBinding b : spec.bindings()) {
            if (!b.type().rawType().isInterface()) {
                concrete.add(b.type());
            }
        }
        this.singleConcreteType = concrete.size() == 1 ? concrete.iterator().next() : null;
    }

    /** Under a simulation, jitter from its seeded source (replacing a policy's own), so a run repeats. */
    private static dev.omnibus.Retry seeded(dev.omnibus.Retry policy, BusSpec busSpec) {
        return busSpec.executionControl() == null ? policy : policy.withRandom(busSpec.executionControl().random());
    }

    String name() {
        return spec.name();
    }

    URI address() {
        return address;
    }

    DefaultBus bus() {
        return bus;
    }

    BusSpec busSpec() {
        return busSpec;
    }

    BusClock clock() {
        return busSpec.clock();
    }

    MessageProducer producer() {
        return bus.producer();
    }

    String defaultContentType() {
        return spec.defaultContentType();
    }

    MessageType singleConcreteType() {
        return singleConcreteType;
    }

    /** The receive pipeline's stage names, outermost first. */
    List<String> pipelineNames() {
        List<String> names = new ArrayList<>(stages.size());
        for (ReceiveStage s : stages) {
            names.add(s.name());
        }
        return List.copyOf(names);
    }

    /** How many expired messages this endpoint acknowledged without consuming them. */
    long expiredCount() {
        return expired.get();
    }

    EndpointTopology topology() {
        Set<String> urns = new LinkedHashSet<>();
        Set<String> concrete = new LinkedHashSet<>();
        for (ConsumerBinding b : spec.bindings()) {
            urns.add(b.type().urn());
            for (MessageType t : busSpec.registry().concreteTypesOf(b.type())) {
                concrete.add(t.urn());
            }
        }
        return new EndpointTopology(spec.name(), List.copyOf(urns), List.copyOf(concrete), EndpointTopology.Kind.DURABLE);
    }

    /** Declares the endpoint's topology, then starts receiving. */
    void start() {
        declare();
        startReceiving();
    }

    void declare() {
        busSpec.transport().declareEndpoint(topology());
    }

    void startReceiving() {
        executor = busSpec.executionControl() != null
                ? busSpec.executionControl().workers(spec.name(), spec.concurrency())
                : new PartitionedExecutor(spec.name(), spec.concurrency());
        ReceiveLoop l = new ReceiveLoop(spec.name(), busSpec.transport(), new ReceiveSettings(spec.prefetch(), spec.inMemoryOutbox()), this,
                busSpec.clock(), this::declare);
        loop = l;
        l.start();
    }

    /** The endpoint's health: starting until it subscribes, then as its receive loop reports. */
    dev.omnibus.EndpointHealth health() {
        ReceiveLoop l = loop;
        return l != null ? l.health()
                : new dev.omnibus.EndpointHealth(spec.name(), dev.omnibus.EndpointHealth.Status.STARTING,
                        busSpec.clock().now(), null, 0);
    }

    @Override
    public void onReceiveStopped(Throwable cause) {
        ReceiveLoop l = loop;
        if (l != null) {
            l.stopped(cause);
        }
    }

    @Override
    public void onReceiveInterrupted(Throwable cause) {
        ReceiveLoop l = loop;
        if (l != null) {
            l.interrupted(cause);
        }
    }

    @Override
    public void onReceiveResumed() {
        ReceiveLoop l = loop;
        if (l != null) {
            l.resumed();
        }
    }

    @Override
    public void onDelivery(Delivery delivery) {
        ReceiveContext task = new ReceiveContext(this, delivery, arrivals.incrementAndGet());
        try {
            // one worker keeps one order whatever the keys: no header lookups for a key nobody reads
            executor.execute(serial && holds == null ? null : delivery.orderingKey(), task);
        } catch (RejectedExecutionException e) {
            if (task.claim()) {
                delivery.requeue();
            }
        }
    }

    /** The deliveries handed over and not started: those waiting in the executor's queues, unclaimed. */
    private List<ReceiveContext> waiting() {
        List<ReceiveContext> out = new ArrayList<>();
        if (executor != null) {
            for (Runnable r : executor.waiting()) {
                if (r instanceof ReceiveContext c && c.endpoint == this) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    @Override
    public void onRevoked(String scope) {
        int dropped = 0;
        for (ReceiveContext t : waiting()) {
            if (t.delivery.scope().equals(scope) && t.claim()) {
                dropped++; // not settled: the scope's next owner receives it again
            }
        }
        if (holds != null) {
            dropped += holds.dropScope(scope);
        }
        if (dropped > 0) {
            LOG.info("Endpoint {}: scope {} revoked; {} waiting deliveries dropped without settling", spec.name(), scope,
                    dropped);
        }
    }

    void expired(Envelope envelope) {
        expired.incrementAndGet();
        LOG.info("Endpoint {}: message {} expired at {}; acknowledged without consuming it", spec.name(),
                envelope.messageId(), envelope.expirationTime());
        bus.observers().expired(spec.name(), envelope);
    }

    /**
     * Stop step 1: no new deliveries; those handed over but not started go back to the queue, the
     * latest first, so a queue that requeues at its head keeps their order.
     */
    void stopDeliveries() {
        deliveriesStopped = true; // before the snapshot: a delivery racing in after it is requeued by its task
        ReceiveLoop l = loop;
        ReceiveHandle handle = l == null ? null : l.stop(); // no resubscription from now on
        if (handle != null) {
            handle.stopDeliveries();
        }
        List<ReceiveContext> waiting = waiting();
        waiting.sort(((Comparator<ReceiveContext>) ReceiveContext::byArrival).reversed());
        for (ReceiveContext t : waiting) {
            if (t.claim()) {
                t.delivery.requeue();
            }
        }
        if (holds != null) {
            for (ReceiveContext t : holds.takeAllForStop()) {
                t.delivery.requeue(); // held for a redelivery: claimed already, never started
            }
        }
    }

    /** Stop step 2: waits until no delivery is in flight, or the deadline (System.nanoTime) passes. */
    boolean awaitIdle(long deadlineNanos) throws InterruptedException {
        synchronized (idle) {
            while (inFlight.get() > 0) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
            return true;
        }
    }

    /** Stop step 3: interrupts what still runs; the transport returns every unsettled delivery to the queue. */
    void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
        ReceiveLoop l = loop;
        ReceiveHandle handle = l == null ? null : l.stop();
        if (handle != null) {
            handle.close();
        }
    }

    int inFlight() {
        return inFlight.get();
    }

    MessageType resolve(List<String> urns) {
        for (int i = 0, n = urns.size(); i < n; i++) { // indexed: no iterator per message (seen in an allocation profile)
            String urn = urns.get(i);
            MessageType t = busSpec.registry().resolve(urn).orElse(null);
            if (t != null && !t.rawType().isInterface()) {
                return t;
            }
        }
        return null;
    }

    /**
     * For a type list naming no registered record: the one registered record implementing an interface
     * in the list that this endpoint consumes (MassTransit would bind such a message to a proxy of the
     * interface; a record stands in for it). Null when no listed interface is consumed here, or when
     * none or several records implement it.
     */
    MessageType resolveInterface(List<String> urns) {
        for (String urn : urns) {
            MessageType t = busSpec.registry().resolve(urn).orElse(null);
            if (t == null || !t.rawType().isInterface() || consumersOf(t).isEmpty()) {
                continue;
            }
            List<MessageType> records = busSpec.registry().concreteTypesOf(t);
            if (records.size() == 1) {
                return records.get(0);
            }
        }
        return null;
    }

    /** Why {@code urns} resolved to no type this endpoint can bind, naming the candidate records. */
    String unresolvedReason(List<String> urns) {
        StringBuilder why = new StringBuilder("no registered message type among ").append(urns);
        boolean interfaceSeen = false;
        for (String urn : urns) {
            MessageType t = busSpec.registry().resolve(urn).orElse(null);
            if (t == null || !t.rawType().isInterface() || consumersOf(t).isEmpty()) {
                continue;
            }
            interfaceSeen = true;
            List<String> candidates = new ArrayList<>();
            for (MessageType c : busSpec.registry().concreteTypesOf(t)) {
                candidates.add(c.urn());
            }
            why.append("; interface ").append(urn).append(candidates.isEmpty()
                    ? " has no registered record (register one: BusBuilder.messageType(Record.class))"
                    : " is implemented by several registered records " + candidates + ", so the body's type is ambiguous");
        }
        if (!interfaceSeen) {
            why.append(" (a consumer of an interface needs the record registered too: BusBuilder.messageType(Record.class))");
        }
        return why.toString();
    }

    List<ConsumerBinding> consumersOf(MessageType type) {
        List<ConsumerBinding> known = dispatch.get(type); // no capturing lambda once the type was seen
        if (known != null) {
            return known;
        }
        return dispatch.computeIfAbsent(type, t -> {
            List<ConsumerBinding> out = new ArrayList<>();
            for (ConsumerBinding b : spec.bindings()) {
                if (t.isAssignableTo(b.type())) {
                    out.add(b);
                }
            }
            return List.copyOf(out);
        });
    }

    /** Whether the calling thread is one of this endpoint's workers (a consumer calling into the bus). */
    boolean isWorkerThread() {
        dev.omnibus.spi.Interleaving.Workers e = executor;
        return e != null && e.isWorkerThread();
    }

    /** Runs one delivery on a worker: unless a stop or a revocation claimed it first, through the pipeline. */
    void run(ReceiveContext task) {
        if (!task.claim()) {
            return;
        }
        String key = holds == null || deliveriesStopped ? null : task.delivery.orderingKey();
        if (key == null) {
            runClaimed(task);
        } else if (!holds.deferIfHeld(key, task)) { // deferred: its key waits for a delayed redelivery
            runClaimed(task);
            holds.release(key); // the key's deferred deliveries, if it is no longer awaited
        }
    }

    /** Runs a claimed delivery through the pipeline. */
    private void runClaimed(ReceiveContext task) {
        if (deliveriesStopped) {
            // handed over while the stop took its snapshot of waiting deliveries: no consumer call
            // starts after the stop began, so it goes back like the others
            task.delivery.requeue();
            return;
        }
        if (!task.delivery.isValid()) {
            return; // its scope was revoked while it waited: the scope's next owner receives it again
        }
        inFlight.incrementAndGet();
        try {
            pipeline.proceed(task);
        } catch (Throwable t) {
            // the settlement stage catches everything; this is a bug in a stage outside it
            LOG.error("Endpoint {}: unexpected failure in the receive pipeline; the delivery goes back to the queue",
                    spec.name(), t);
            task.delivery.requeue();
        } finally {
            if (inFlight.decrementAndGet() == 0) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
        }
    }
}
