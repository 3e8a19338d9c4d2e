package dev.omnibus.inmemory;

import dev.omnibus.TransportException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The in-process broker behind {@link InMemoryTransport}: fan-out exchanges bound to exchanges and
 * queues, and bounded queues, with a broker's semantics (a message reaches each bound queue once,
 * however many paths lead there; unsettled messages return to their queue).
 *
 * <p>Several buses share one broker through {@link InMemoryTransport#connect(InMemoryBroker)}, as
 * several services share a RabbitMQ broker; then endpoints of the same name on two buses compete
 * for one queue. Thread-safe. Nothing is persisted: messages live as long as the JVM.
 */
public final class InMemoryBroker {
    /** The default bound of each queue, in messages. */
    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;

    private final int queueCapacity;
    private final Duration sendTimeout;
    private final ConcurrentHashMap<String, Set<String>> exchangeToExchanges = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<String>> exchangeToQueues = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, InMemoryQueue> queues = new ConcurrentHashMap<>();
    private final Activity activity = new Activity();
    /** Bumped after every change of exchanges, bindings or queues; a cached route of an older version is recomputed. */
    private final java.util.concurrent.atomic.AtomicLong topologyVersion = new java.util.concurrent.atomic.AtomicLong();
    private final ConcurrentHashMap<String, Route> routes = new ConcurrentHashMap<>();

    /** The queues an exchange reaches, once each, as of a topology version. */
    private record Route(long version, InMemoryQueue[] queues) {
    }

    private InMemoryBroker(int queueCapacity, Duration sendTimeout) {
        this.queueCapacity = queueCapacity;
        this.sendTimeout = sendTimeout;
    }

    /** A broker with queues of {@link #DEFAULT_QUEUE_CAPACITY} messages and a 30 s wait for room. */
    public static InMemoryBroker create() {
        return create(DEFAULT_QUEUE_CAPACITY, Duration.ofSeconds(30));
    }

    /**
     * A broker whose queues hold at most {@code queueCapacity} messages; a producer waits up to
     * {@code sendTimeout} for room, then its future fails with {@link TransportException}.
     */
    public static InMemoryBroker create(int queueCapacity, Duration sendTimeout) {
        if (queueCapacity < 1) {
            throw new dev.omnibus.ConfigurationException("queueCapacity must be at least 1, was " + queueCapacity);
        }
        if (sendTimeout == null || sendTimeout.isNegative()) {
            throw new dev.omnibus.ConfigurationException("sendTimeout must be zero or positive, was " + sendTimeout);
        }
        return new InMemoryBroker(queueCapacity, sendTimeout);
    }

    /** How many messages wait in {@code queue} (0 if there is no such queue). Unsettled ones are not counted. */
    public int depth(String queue) {
        InMemoryQueue q = queues.get(queue);
        return q == null ? 0 : q.depth();
    }

    /**
     * Whether nothing is in flight and no queue that has a consumer holds a message: a consistent
     * snapshot (nothing changed while it was taken). Messages waiting in queues nobody consumes
     * (error and skipped queues, say) do not count. Scheduled messages not yet due do not count.
     */
    public boolean isIdle() {
        long before = activity.version();
        if (activity.inFlight() > 0) {
            return false;
        }
        for (InMemoryQueue q : queues.values()) {
            if (q.hasWorkWaiting()) {
                return false;
            }
        }
        return activity.inFlight() == 0 && activity.version() == before;
    }

    Activity activity() {
        return activity;
    }

    /** Whether a queue of this name exists. */
    public boolean hasQueue(String queue) {
        return queues.containsKey(queue);
    }

    void declareExchange(String exchange) {
        exchangeToExchanges.computeIfAbsent(exchange, k -> new CopyOnWriteArraySet<>());
        exchangeToQueues.computeIfAbsent(exchange, k -> new CopyOnWriteArraySet<>());
        topologyVersion.incrementAndGet();
    }

    void bindExchange(String source, String destination) {
        declareExchange(source);
        declareExchange(destination);
        exchangeToExchanges.get(source).add(destination);
        topologyVersion.incrementAndGet();
    }

    InMemoryQueue declareQueue(String name, boolean temporary) {
        InMemoryQueue q = queues.computeIfAbsent(name, n -> new InMemoryQueue(n, queueCapacity, temporary, activity));
        declareExchange(name);
        exchangeToQueues.get(name).add(name);
        topologyVersion.incrementAndGet();
        return q;
    }

    void deleteQueue(String name) {
        queues.remove(name);
        Set<String> bound = exchangeToQueues.get(name);
        if (bound != null) {
            bound.remove(name);
        }
        topologyVersion.incrementAndGet();
    }

    InMemoryQueue queue(String name) {
        return queues.get(name);
    }

    boolean hasExchange(String exchange) {
        return exchangeToExchanges.containsKey(exchange);
    }

    /** Routes {@code m} from {@code exchange} to every queue reachable from it, once each. */
    void route(String exchange, Object m) {
        InMemoryQueue[] targets = targets(exchange);
        long timeout = sendTimeout.toNanos();
        for (InMemoryQueue q : targets) {
            String name = q.name();
            try {
                if (!q.offer(m, timeout)) {
                    throw new TransportException("in-memory queue '" + name + "' stayed full (" + queueCapacity
                            + " messages) for " + sendTimeout + ": its consumers are too slow or stopped", null);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TransportException("interrupted while waiting for room in queue '" + name + "'", e, false);
            }
        }
    }

    /** Whether messages routed from {@code exchange} already have a route of the current topology. */
    boolean routeCached(String exchange) {
        Route r = routes.get(exchange);
        return r != null && r.version == topologyVersion.get();
    }

    /** The queues reachable from {@code exchange}: cached per topology version, a graph search only after a change. */
    private InMemoryQueue[] targets(String exchange) {
        long version = topologyVersion.get(); // read before the search: a change during it makes the next call search again
        Route r = routes.get(exchange);
        if (r != null && r.version == version) {
            return r.queues;
        }
        Set<String> names = new LinkedHashSet<>();
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>();
        todo.add(exchange);
        while (!todo.isEmpty()) {
            String x = todo.poll();
            if (!seen.add(x)) {
                continue;
            }
            Set<String> qs = exchangeToQueues.get(x);
            if (qs != null) {
                names.addAll(qs);
            }
            Set<String> xs = exchangeToExchanges.get(x);
            if (xs != null) {
                todo.addAll(xs);
            }
        }
        java.util.List<InMemoryQueue> found = new java.util.ArrayList<>(names.size());
        for (String n : names) {
            InMemoryQueue q = queues.get(n);
            if (q != null) {
                found.add(q);
            }
        }
        InMemoryQueue[] out = found.toArray(new InMemoryQueue[0]);
        routes.put(exchange, new Route(version, out));
        return out;
    }
}
