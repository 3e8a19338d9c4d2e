package dev.omnibus.testing;

import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportCapabilities;
import dev.omnibus.spi.TransportContext;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * The transport of the deterministic harness: a broker with no threads of its own. Messages wait
 * in queues until {@link #step()} delivers one, chosen by a seeded random source among the queues
 * that have a consumer, and waits until the bus has settled it before the next. One delivery at a
 * time and a seeded choice make a run a function of its seed; the {@link FaultPlan} injects
 * duplicates, reordering, lost acks and crashes from the same source.
 *
 * <p>A consumer that blocks waiting for another delivery (a request made from inside a consumer)
 * cannot progress here; the step fails after the settle timeout with a message saying so.
 */
final class SimulatedTransport implements Transport {
    private static final TransportCapabilities CAPABILITIES =
            TransportCapabilities.builder("simulation").durable(false).build();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private record SimMessage(byte[] body, Headers headers, Instant expiration, boolean redelivered) {
        SimMessage again() {
            return redelivered ? this : new SimMessage(body, headers, expiration, true);
        }
    }

    private enum Fate { ACK, DROP_ACK, CRASH }

    private final SplittableRandom random;
    private final FaultPlan faults;
    private final long settleTimeoutMillis;
    private final BiConsumer<String, Headers> injected;
    private final Map<String, Set<String>> exchangeToExchanges = new TreeMap<>();
    private final Map<String, Set<String>> exchangeToQueues = new TreeMap<>();
    private final Map<String, ArrayDeque<SimMessage>> queues = new TreeMap<>();
    private final Map<String, DeliveryHandler> handlers = new TreeMap<>();
    private volatile BusClock clock;
    private boolean closed;

    SimulatedTransport(long seed, FaultPlan faults, long settleTimeoutMillis, BiConsumer<String, Headers> injected) {
        this.random = new SplittableRandom(seed);
        this.faults = faults;
        this.settleTimeoutMillis = settleTimeoutMillis;
        this.injected = injected;
    }

    @Override
    public TransportCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public void start(TransportContext context) {
        this.clock = context.clock();
    }

    @Override
    public URI resolve(Address address) {
        return URI.create("loopback://localhost/" + address.name() + (address.isTopic() ? "?type=topic" : ""));
    }

    @Override
    public synchronized void declareEndpoint(EndpointTopology topology) {
        declareQueue(topology.name());
        if (!topology.temporary()) {
            declareQueue(topology.errorQueue());
            declareQueue(topology.skippedQueue());
        }
        for (String urn : topology.consumedUrns()) {
            bind(urn, topology.name());
        }
    }

    private void declareQueue(String name) {
        queues.computeIfAbsent(name, n -> new ArrayDeque<>());
        exchangeToQueues.computeIfAbsent(name, n -> new TreeSet<>()).add(name);
        exchangeToExchanges.computeIfAbsent(name, n -> new TreeSet<>());
    }

    private void bind(String source, String destination) {
        exchangeToExchanges.computeIfAbsent(source, n -> new TreeSet<>()).add(destination);
        exchangeToExchanges.computeIfAbsent(destination, n -> new TreeSet<>());
    }

    @Override
    public synchronized java.util.concurrent.CompletableFuture<Void> publish(MessageType type, OutgoingMessage message) {
        List<String> urns = type.messageTypes();
        for (int i = 1; i < urns.size(); i++) {
            bind(urns.get(0), urns.get(i));
        }
        return route(urns.get(0), message);
    }

    @Override
    public synchronized java.util.concurrent.CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
        if (!destination.isTopic() && !exchangeToQueues.containsKey(destination.name())) {
            declareQueue(destination.name());
        }
        return route(destination.name(), message);
    }

    private java.util.concurrent.CompletableFuture<Void> route(String exchange, OutgoingMessage m) {
        if (closed) {
            return java.util.concurrent.CompletableFuture.failedFuture(
                    new TransportException("the simulated transport is closed", null, false));
        }
        Set<String> seen = new HashSet<>();
        Set<String> targets = new TreeSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(exchange));
        while (!todo.isEmpty()) {
            String x = todo.poll();
            if (seen.add(x)) {
                targets.addAll(exchangeToQueues.getOrDefault(x, Set.of()));
                todo.addAll(exchangeToExchanges.getOrDefault(x, Set.of()));
            }
        }
        for (String q : targets) {
            queues.get(q).addLast(new SimMessage(m.body(), m.headers(), m.expiration(), false));
        }
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    @Override
    public synchronized ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
        if (!queues.containsKey(queue)) {
            throw new TransportException("no simulated queue '" + queue + "'", null, false);
        }
        handlers.put(queue, handler);
        return new ReceiveHandle() {
            @Override
            public void stopDeliveries() {
                synchronized (SimulatedTransport.this) {
                    handlers.remove(queue);
                }
            }

            @Override
            public void close() {
                stopDeliveries();
            }
        };
    }

    @Override
    public synchronized void close() {
        closed = true;
        handlers.clear();
    }

    /** Whether no queue with a consumer holds a message. */
    synchronized boolean isIdle() {
        for (String q : handlers.keySet()) {
            if (!queues.get(q).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Messages in {@code queue}. */
    synchronized int depth(String queue) {
        ArrayDeque<SimMessage> q = queues.get(queue);
        return q == null ? 0 : q.size();
    }

    /**
     * Delivers one message, chosen by the seed, and waits until the bus settles it.
     *
     * @return false when nothing was deliverable
     * @throws AssertionError when the bus does not settle the delivery in time
     */
    boolean step() {
        SimDelivery d;
        DeliveryHandler handler;
        synchronized (this) {
            List<String> ready = new ArrayList<>();
            for (Map.Entry<String, DeliveryHandler> e : handlers.entrySet()) {
                if (!queues.get(e.getKey()).isEmpty()) {
                    ready.add(e.getKey());
                }
            }
            if (ready.isEmpty()) {
                return false;
            }
            String queue = ready.get(random.nextInt(ready.size()));
            ArrayDeque<SimMessage> q = queues.get(queue);
            SimMessage m;
            if (q.size() > 1 && roll(faults.reorder())) {
                List<SimMessage> list = new ArrayList<>(q);
                int i = 1 + random.nextInt(list.size() - 1);
                m = list.remove(i);
                q.clear();
                q.addAll(list);
                injected.accept("reordered: delivered position " + i + " of " + queue + " first", m.headers());
            } else {
                m = q.pollFirst();
            }
            if (m.expiration() != null && clock != null && m.expiration().isBefore(clock.now())) {
                return true; // expired: the broker drops it
            }
            if (roll(faults.duplicate())) {
                q.addLast(m.again());
                injected.accept("duplicated: a copy stays on " + queue, m.headers());
            }
            Fate fate = roll(faults.dropAck()) ? Fate.DROP_ACK : roll(faults.crash()) ? Fate.CRASH : Fate.ACK;
            d = new SimDelivery(queue, m, fate);
            handler = handlers.get(queue);
        }
        handler.onDelivery(d);
        try {
            if (!d.done.await(settleTimeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the bus did not settle a delivery from '" + d.queue + "' within "
                        + settleTimeoutMillis + " ms: a consumer is blocked. In the deterministic harness one "
                        + "delivery runs at a time, so a consumer cannot wait for another message (a request "
                        + "from inside a consumer); use the threaded harness for that flow");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a delivery to settle", e);
        }
        return true;
    }

    private boolean roll(double p) {
        return p > 0 && random.nextDouble() < p;
    }

    private final class SimDelivery implements Delivery {
        private final String queue;
        private final SimMessage message;
        private final Fate fate;
        private final AtomicBoolean settled = new AtomicBoolean();
        private final CountDownLatch done = new CountDownLatch(1);

        SimDelivery(String queue, SimMessage message, Fate fate) {
            this.queue = queue;
            this.message = message;
            this.fate = fate;
        }

        @Override
        public byte[] body() {
            return message.body();
        }

        @Override
        public Headers headers() {
            return message.headers();
        }

        @Override
        public boolean redelivered() {
            return message.redelivered();
        }

        @Override
        public String queue() {
            return queue;
        }

        @Override
        public CompletionStage<Void> ack() {
            if (!settled.compareAndSet(false, true)) {
                return DONE;
            }
            if (fate != Fate.ACK) {
                synchronized (SimulatedTransport.this) {
                    queues.get(queue).addFirst(message.again());
                }
                injected.accept(fate == Fate.DROP_ACK ? "ack lost: the broker redelivers from " + queue
                        : "crash after the consumer's work, before its ack: redelivered from " + queue, message.headers());
            }
            done.countDown();
            return DONE;
        }

        @Override
        public CompletionStage<Void> requeue() {
            if (settled.compareAndSet(false, true)) {
                synchronized (SimulatedTransport.this) {
                    queues.get(queue).addFirst(message.again());
                }
                done.countDown();
            }
            return DONE;
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterQueue target, Headers extraHeaders) {
            if (settled.compareAndSet(false, true)) {
                synchronized (SimulatedTransport.this) {
                    String name = target.nameFor(queue);
                    declareQueue(name);
                    queues.get(name).addLast(new SimMessage(message.body(), message.headers().withAll(extraHeaders),
                            null, message.redelivered()));
                }
                done.countDown();
            }
            return DONE;
        }
    }
}
