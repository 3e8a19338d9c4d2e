package dev.omnibus.testing;

import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.TransportCapabilities;
import dev.omnibus.spi.TransportContext;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * The broker of the deterministic harness: queues and bindings with no threads of its own.
 * Messages wait until the {@link Simulator} chooses to {@link #deliver} one; the {@link FaultPlan}'s
 * delivery faults (duplicates, reordering, lost acks, a crash before the ack) are rolled then, as
 * {@link Decisions}. It outlives a simulated {@link #crash()}: the next bus connects to the same
 * queues, as a restarted service to its broker. Each replica's bus talks to it through its own
 * {@link SimulatedConnection}, so one process can crash alone ({@link #crash(SimulatedConnection)}).
 */
final class SimulatedTransport {
    private static final TransportCapabilities CAPABILITIES =
            TransportCapabilities.builder("simulation").durable(false).build();
    static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Decisions decisions;
    private final Set<SimDelivery> unsettled = new java.util.LinkedHashSet<>();
    private final List<CompletableFuture<Void>> slow = new ArrayList<>();
    private long generation;
    private boolean crashed;
    private final FaultPlan faults;
    private final BiConsumer<String, Headers> injected;
    private final Map<String, Set<String>> exchangeToExchanges = new TreeMap<>();
    private final Map<String, Set<String>> exchangeToQueues = new TreeMap<>();
    private final Map<String, ArrayDeque<SimDelivery.Message>> queues = new TreeMap<>();
    /** A consumer of a queue: the handler one process registered, on its connection. */
    private record Subscriber(SimulatedConnection owner, DeliveryHandler handler) {
    }

    /** Each queue's consumers by replica number (competing consumers, replica 0 first). */
    private final Map<String, TreeMap<Integer, Subscriber>> handlers = new TreeMap<>();
    private volatile BusClock clock;
    private boolean closed;

    SimulatedTransport(Decisions decisions, FaultPlan faults, BiConsumer<String, Headers> injected) {
        this.decisions = decisions;
        this.faults = faults;
        this.injected = injected;
    }

    TransportCapabilities capabilities() {
        return CAPABILITIES;
    }

    void start(TransportContext context) {
        this.clock = context.clock();
    }

    URI resolve(Address address) {
        return URI.create("loopback://localhost/" + address.name() + (address.isTopic() ? "?type=topic" : ""));
    }

    synchronized void declareEndpoint(EndpointTopology topology) {
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

    synchronized CompletableFuture<Void> publish(SimulatedConnection from, MessageType type, OutgoingMessage message) {
        List<String> urns = type.messageTypes();
        for (int i = 1; i < urns.size(); i++) {
            bind(urns.get(0), urns.get(i));
        }
        return route(from, urns.get(0), message);
    }

    synchronized CompletableFuture<Void> send(SimulatedConnection from, Address destination, OutgoingMessage message) {
        if (!destination.isTopic() && !exchangeToQueues.containsKey(destination.name())) {
            declareQueue(destination.name());
        }
        return route(from, destination.name(), message);
    }

    private CompletableFuture<Void> route(SimulatedConnection from, String exchange, OutgoingMessage m) {
        if (crashed || from.dead) {
            return DONE; // the process is gone: what its threads still try to send never reaches the broker
        }
        if (closed) {
            return CompletableFuture.failedFuture(
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
        boolean fromTask = dev.omnibus.spi.Interleaving.boundTask() != null; // the test's own produces stay clean
        if (fromTask && decisions.roll(faults.failProduce(), "refuse a message for " + exchange)) {
            injected.accept("produce refused: the broker did not take a message for " + exchange, m.headers());
            return CompletableFuture.failedFuture(
                    new TransportException("injected fault: the simulated broker refused the message", null, true));
        }
        for (String q : targets) {
            queues.get(q).addLast(new SimDelivery.Message(m.body(), m.headers(), m.expiration(), false));
        }
        if (fromTask && decisions.roll(faults.slowProduce(), "confirm a message for " + exchange + " late")) {
            injected.accept("produce confirmed late: a message for " + exchange + " is queued, its confirm comes a "
                    + "step later", m.headers());
            CompletableFuture<Void> later = new CompletableFuture<>();
            slow.add(later);
            return later;
        }
        return CompletableFuture.completedFuture(null);
    }

    /** Completes the confirms held back by slowProduce (on the driver's thread); whether there were any. */
    boolean confirmSlow() {
        List<CompletableFuture<Void>> due;
        synchronized (this) {
            if (slow.isEmpty()) {
                return false;
            }
            due = new ArrayList<>(slow);
            slow.clear();
        }
        for (CompletableFuture<Void> f : due) {
            f.complete(null);
        }
        return true;
    }

    /** Registers {@code from}'s consumer of {@code queue}, under its replica number. */
    synchronized ReceiveHandle receive(SimulatedConnection from, String queue, DeliveryHandler handler) {
        if (!queues.containsKey(queue)) {
            throw new TransportException("no simulated queue '" + queue + "'", null, false);
        }
        Subscriber subscriber = new Subscriber(from, handler);
        int replica = from.replica;
        TreeMap<Integer, Subscriber> byReplica = handlers.computeIfAbsent(queue, q -> new TreeMap<>());
        if (byReplica.containsKey(replica)) {
            throw new IllegalStateException("replica " + replica + " consumes " + queue + " twice");
        }
        byReplica.put(replica, subscriber);
        return new ReceiveHandle() {
            @Override
            public void stopDeliveries() {
                synchronized (SimulatedTransport.this) {
                    TreeMap<Integer, Subscriber> list = handlers.get(queue);
                    if (list != null) {
                        list.remove(replica, subscriber); // not a restarted replica's consumer of the same queue
                        if (list.isEmpty()) {
                            handlers.remove(queue);
                        }
                    }
                }
            }

            @Override
            public void close() {
                stopDeliveries();
            }
        };
    }

    /** The harness is done: nothing more is delivered or taken. */
    synchronized void shutdown() {
        closed = true;
        handlers.clear();
    }

    /** Whether no queue with a consumer holds a message. */
    synchronized boolean isIdle() {
        for (String q : handlers.keySet()) { // a queue in the map has a consumer
            if (!queues.get(q).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** Messages in {@code queue}. */
    synchronized int depth(String queue) {
        ArrayDeque<SimDelivery.Message> q = queues.get(queue);
        return q == null ? 0 : q.size();
    }

    /**
     * The consumers that could take a message now, in name order: a queue with a message, once per
     * consumer of it ({@code name} for replica 0's, {@code name#i} for replica i's).
     */
    synchronized List<String> deliverable() {
        List<String> ready = new ArrayList<>();
        for (Map.Entry<String, TreeMap<Integer, Subscriber>> e : handlers.entrySet()) {
            if (!queues.get(e.getKey()).isEmpty()) {
                for (int i : e.getValue().keySet()) {
                    ready.add(i == 0 ? e.getKey() : e.getKey() + "#" + i);
                }
            }
        }
        return ready;
    }

    /**
     * Takes a message from {@code queue} (its head, or another when a reorder fault fires), applies
     * the delivery faults, and hands it to the bus (which, under the simulation, queues a task or, for
     * a response queue, handles it in place).
     */
    void deliver(String consumer) {
        int hash = consumer.lastIndexOf('#');
        String queue = hash < 0 ? consumer : consumer.substring(0, hash);
        int replica = hash < 0 ? 0 : Integer.parseInt(consumer.substring(hash + 1));
        SimDelivery d;
        Subscriber handler;
        synchronized (this) {
            ArrayDeque<SimDelivery.Message> q = queues.get(queue);
            TreeMap<Integer, Subscriber> consumers = handlers.get(queue);
            handler = consumers == null ? null : consumers.get(replica);
            if (q.isEmpty() || handler == null) {
                return;
            }
            SimDelivery.Message m;
            if (q.size() > 1 && decisions.roll(faults.reorder(), "reorder " + queue)) {
                List<SimDelivery.Message> list = new ArrayList<>(q);
                String[] options = new String[list.size() - 1];
                for (int i = 0; i < options.length; i++) {
                    options[i] = "position " + (i + 1) + " of " + queue;
                }
                int i = 1 + decisions.choose(options);
                m = list.remove(i);
                q.clear();
                q.addAll(list);
                injected.accept("reordered: delivered position " + i + " of " + queue + " first", m.headers());
            } else {
                m = q.pollFirst();
            }
            if (m.expiration() != null && clock != null && m.expiration().isBefore(clock.now())) {
                return; // expired: the broker drops it
            }
            if (decisions.roll(faults.duplicate(), "duplicate on " + queue)) {
                q.addLast(m.again());
                injected.accept("duplicated: a copy stays on " + queue, m.headers());
            }
            SimDelivery.Fate fate = decisions.roll(faults.dropAck(), "lose the ack on " + queue) ? SimDelivery.Fate.DROP_ACK
                    : decisions.roll(faults.crash(), "crash before the ack on " + queue) ? SimDelivery.Fate.CRASH : SimDelivery.Fate.ACK;
            d = new SimDelivery(this, handler.owner(), queue, m, fate, generation);
        }
        handler.handler().onDelivery(d);
    }

    /**
     * A crash of the process holding the connection: from now on nothing the old bus does reaches the
     * broker (its late settlements, sends and scheduler flush are dropped) and its deliveries count as
     * unsettled, back at the head of their queues, until {@link #restart()}.
     */
    synchronized void crash() {
        generation++;
        crashed = true;
        handlers.clear();
        List<SimDelivery> back = new ArrayList<>(unsettled);
        java.util.Collections.reverse(back); // each goes to the head: the first handed ends up first
        for (SimDelivery d : back) {
            queues.get(d.queue()).addFirst(d.message().again());
        }
        unsettled.clear();
    }

    /**
     * A crash of the one process on {@code connection} (the others run on): nothing it does from now
     * on reaches the broker, its consumers are gone, and its unsettled deliveries go back to the head of
     * their queues, flagged redelivered, for any replica to take.
     *
     * @return how many deliveries went back
     */
    synchronized int crash(SimulatedConnection connection) {
        connection.dead = true;
        for (java.util.Iterator<TreeMap<Integer, Subscriber>> it = handlers.values().iterator(); it.hasNext(); ) {
            TreeMap<Integer, Subscriber> byReplica = it.next();
            byReplica.values().removeIf(s -> s.owner() == connection);
            if (byReplica.isEmpty()) {
                it.remove();
            }
        }
        List<SimDelivery> back = new ArrayList<>();
        for (SimDelivery d : unsettled) {
            if (d.owner() == connection) {
                back.add(d);
            }
        }
        unsettled.removeAll(back);
        java.util.Collections.reverse(back); // each goes to the head: the first handed ends up first
        for (SimDelivery d : back) {
            queues.get(d.queue()).addFirst(d.message().again());
        }
        return back.size();
    }

    /** A new connection to this broker for replica {@code replica}'s process (a new one after each of its crashes). */
    SimulatedConnection connect(int replica) {
        return new SimulatedConnection(this, replica);
    }

    /** A new process connects to the same broker. */
    synchronized void restart() {
        crashed = false;
        closed = false;
    }

    // ---- what a SimDelivery does to the broker ----

    /** Puts {@code m} back at the head of {@code queue} (a requeue, a lost ack, a failed settlement). */
    synchronized void putBack(String queue, SimDelivery.Message m) {
        queues.get(queue).addFirst(m.again());
    }

    /** Appends {@code m} to {@code queue}, declaring it if new (a move to a dead-letter queue). */
    synchronized void append(String queue, SimDelivery.Message m) {
        declareQueue(queue);
        queues.get(queue).addLast(m);
    }

    /** Claims the settlement of {@code d}: false when settled already or when its process crashed meanwhile. */
    synchronized boolean claim(SimDelivery d, long deliveryGeneration, AtomicBoolean settled) {
        if (deliveryGeneration != generation || d.owner().dead
                || !settled.compareAndSet(false, true)) {
            return false;
        }
        unsettled.remove(d);
        return true;
    }

    /**
     * A duplicateSettlement fault: {@code by}'s settlement arrived twice, a protocol error; the broker
     * closes the channel, and every other unsettled delivery of its queue goes back to the head of the
     * queue, in order, flagged redelivered (their late settlements are ignored).
     */
    void closeChannel(SimDelivery by, String what) {
        List<SimDelivery> back = new ArrayList<>();
        synchronized (this) {
            for (SimDelivery d : List.copyOf(unsettled)) {
                if (d != by && d.queue().equals(by.queue()) && d.revoke()) {
                    unsettled.remove(d);
                    back.add(d);
                }
            }
            for (int i = back.size() - 1; i >= 0; i--) {
                queues.get(by.queue()).addFirst(back.get(i).message().again());
            }
        }
        injected.accept("settlement duplicated: the " + what + " on " + by.queue() + " reached the broker twice; it "
                + "closed the channel and " + back.size() + " other unsettled delivery(ies) of " + by.queue()
                + " come back", by.headers());
    }

    /** Records a handed delivery as unsettled (a crash puts it back). */
    synchronized void handed(SimDelivery d) {
        unsettled.add(d);
    }

    void injected(String detail, Headers headers) {
        injected.accept(detail, headers);
    }

    Decisions decisions() {
        return decisions;
    }

    FaultPlan faults() {
        return faults;
    }
}
