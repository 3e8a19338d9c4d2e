package dev.omnibus.inmemory;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
import dev.omnibus.spi.DecodedMessage;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-memory transport, the embedded default: a real transport over an in-process
 * {@link InMemoryBroker}, with a broker's semantics (messages are serialized bytes; delivery is
 * at-least-once; unsettled messages return to their queue; error and skipped queues), and bounded
 * queues that make a producer wait when consumers fall behind.
 *
 * <pre>{@code
 * Bus bus = Bus.builder().transport(InMemoryTransport.create()) … .start();
 *
 * InMemoryBroker broker = InMemoryBroker.create();           // two buses, one broker
 * Bus a = Bus.builder().transport(InMemoryTransport.connect(broker)) … .start();
 * Bus b = Bus.builder().transport(InMemoryTransport.connect(broker)) … .start();
 * }</pre>
 *
 * <p>One instance serves one bus. Addresses are {@code loopback://localhost/<name>}, as in
 * MassTransit's in-memory transport. There is no dispatch thread: a publishing thread hands a
 * message straight to the endpoint's workers when the endpoint's prefetch window has room (one
 * hop), else it waits in the queue and the thread that settles a delivery hands the next one over.
 * Consumers run on the bus's endpoint threads.
 *
 * <h2>By reference</h2>
 * {@code InMemoryTransport.builder().byReference(true).build()} passes each message as the object
 * itself: the bus does not serialize it ({@link TransportCapabilities#byReference()}), and every
 * consumer receives the very instance the producer published. Messages must then be immutable
 * (records of immutable values): a consumer that changes one changes it for every other consumer,
 * and for the producer. Routing, bounded queues, back-pressure, redelivery and stop behave as when
 * serializing; a message moved to an error or skipped queue keeps its reference (its body is
 * empty), and a delayed redelivery is re-encoded. Serializing stays the default, and the test
 * harness keeps it, so codec mistakes surface in tests.
 */
public final class InMemoryTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryTransport.class);
    private static final TransportCapabilities CAPABILITIES = TransportCapabilities.builder("loopback")
            .ordering(TransportCapabilities.Ordering.KEY)
            .routing(TransportCapabilities.Routing.BROKER)
            .temporaryEndpoints(true)
            .durable(false)
            .build();
    private static final TransportCapabilities BY_REFERENCE = CAPABILITIES.toBuilder().byReference(true).build();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final InMemoryBroker broker;
    private final TransportCapabilities capabilities;
    private final Set<String> declaredTypes = ConcurrentHashMap.newKeySet();
    private final Set<String> temporaryQueues = ConcurrentHashMap.newKeySet();
    private final List<Receiver> receivers = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;

    private InMemoryTransport(InMemoryBroker broker, boolean byReference) {
        this.broker = broker;
        this.capabilities = byReference ? BY_REFERENCE : CAPABILITIES;
    }

    /** A serializing transport on a broker of its own. */
    public static InMemoryTransport create() {
        return builder().build();
    }

    /** A serializing transport on a shared broker. */
    public static InMemoryTransport connect(InMemoryBroker broker) {
        return builder().broker(broker).build();
    }

    /** A builder: a broker of its own and serialization unless set otherwise. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds an {@link InMemoryTransport}. Not thread-safe. */
    public static final class Builder {
        private InMemoryBroker broker;
        private boolean byReference;

        private Builder() {
        }

        /** The broker to connect to (default: one of its own), to share it with other buses. */
        public Builder broker(InMemoryBroker broker) {
            this.broker = java.util.Objects.requireNonNull(broker, "broker");
            return this;
        }

        /**
         * Whether messages pass by reference, unserialized (default false: serialized, as on a real
         * broker). By reference, messages must be immutable; see the class documentation.
         */
        public Builder byReference(boolean byReference) {
            this.byReference = byReference;
            return this;
        }

        public InMemoryTransport build() {
            return new InMemoryTransport(broker != null ? broker : InMemoryBroker.create(), byReference);
        }
    }

    /** Whether messages pass by reference ({@link Builder#byReference}). */
    public boolean byReference() {
        return capabilities.byReference();
    }

    /** The broker this transport is connected to. */
    public InMemoryBroker broker() {
        return broker;
    }

    @Override
    public TransportCapabilities capabilities() {
        return capabilities;
    }

    @Override
    public void start(TransportContext context) {
        if (!started.compareAndSet(false, true)) {
            throw new BusStateException("this InMemoryTransport is already in use by a bus: create one per bus "
                    + "(share an InMemoryBroker to connect buses)");
        }
    }

    @Override
    public URI resolve(Address address) {
        if (address.uri().getScheme() != null && address.uri().getScheme().equals("loopback")) {
            return address.uri();
        }
        return URI.create("loopback://localhost/" + address.name() + (address.isTopic() ? "?type=topic" : ""));
    }

    /**
     * {@code loopback://localhost/<urn>}: like MassTransit's in-memory transport, which names a
     * type's exchange by its message URN ({@code MessageUrnEntityNameFormatter}, set in
     * {@code InMemoryBus.CreateMessageTopology}) and writes {@code new InMemoryEndpointAddress(host,
     * entityName)} as the publish address ({@code InMemoryMessagePublishTopology.TryGetPublishAddress}).
     * Characters a URI path cannot hold ({@code [} and {@code ]} of a fault's URN) are percent-encoded.
     */
    @Override
    public URI publishAddress(MessageType messageType) {
        try {
            return new URI("loopback", "localhost", "/" + messageType.urn(), null);
        } catch (java.net.URISyntaxException e) {
            return null; // a URN that no URI can hold: no address rather than a failed publish
        }
    }

    @Override
    public void declareEndpoint(EndpointTopology topology) {
        checkOpen();
        String name = topology.name();
        broker.declareQueue(name, topology.temporary());
        if (topology.temporary()) {
            temporaryQueues.add(name);
        } else {
            broker.declareQueue(topology.errorQueue(), false);
            broker.declareQueue(topology.skippedQueue(), false);
        }
        for (String urn : topology.consumedUrns()) {
            broker.bindExchange(urn, name);
        }
    }

    @Override
    public CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message) {
        try {
            checkOpen();
            if (!broker.routeCached(messageType.urn()) && declaredTypes.add(messageType.urn())) {
                List<String> urns = messageType.messageTypes();
                broker.declareExchange(urns.get(0));
                for (int i = 1; i < urns.size(); i++) {
                    broker.bindExchange(urns.get(0), urns.get(i));
                }
            }
            broker.route(messageType.urn(), stored(message));
            return DONE;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
        try {
            checkOpen();
            String name = destination.name();
            if (!destination.isTopic() && !broker.routeCached(name) && !broker.hasExchange(name)) {
                broker.declareQueue(name, false); // a send creates its queue, so nothing sent is lost
            }
            broker.route(name, stored(message));
            return DONE;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static StoredMessage stored(OutgoingMessage m) {
        return new StoredMessage(m.body(), m.headers(), m.expiration(), 0, m.reference());
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
        checkOpen();
        InMemoryQueue q = broker.queue(queue);
        if (q == null) {
            throw new TransportException("no in-memory queue '" + queue + "': declare the endpoint first", null, false);
        }
        Receiver r = new Receiver(q, settings.prefetch(), handler);
        synchronized (receivers) {
            receivers.add(r);
        }
        q.attach(r);
        return r;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<Receiver> all;
        synchronized (receivers) {
            all = new ArrayList<>(receivers);
        }
        all.forEach(Receiver::close);
        temporaryQueues.forEach(broker::deleteQueue);
    }

    private void checkOpen() {
        if (closed) {
            throw new TransportException("the in-memory transport is closed", null, false);
        }
    }

    /**
     * One receive loop: the queue pushes to it while fewer than prefetch deliveries are unsettled.
     * Its state is guarded by the queue's lock; unsettled deliveries form a list through the
     * deliveries themselves (no set, no allocation per message), in hand-over order.
     */
    private final class Receiver implements ReceiveHandle, InMemoryQueue.Consumer {
        private final InMemoryQueue queue;
        private final DeliveryHandler handler;
        private int window; // guarded by queue lock: permits left
        private boolean delivering = true; // guarded by queue lock
        private boolean closedHandle; // guarded by queue lock
        private InMemoryDelivery first; // guarded by queue lock: the oldest unsettled
        private InMemoryDelivery last; // guarded by queue lock: the newest unsettled

        Receiver(InMemoryQueue queue, int prefetch, DeliveryHandler handler) {
            this.queue = queue;
            this.window = prefetch;
            this.handler = handler;
        }

        @Override
        public boolean hasRoom() {
            return delivering && window > 0;
        }

        @Override
        public void deliver(StoredMessage m) {
            window--;
            InMemoryDelivery d = new InMemoryDelivery(m, this);
            d.previous = last;
            if (last == null) {
                first = d;
            } else {
                last.next = d;
            }
            last = d;
            try {
                handler.onDelivery(d);
            } catch (RuntimeException e) {
                LOG.error("Queue {}: the delivery handler failed; the message goes back to the queue", queue.name(), e);
                d.requeue();
            }
        }

        /** After {@code d} settled (its message already put wherever it goes): frees its permit and hands over more. */
        void settled(InMemoryDelivery d) {
            queue.lock().lock();
            try {
                if (d.linked) {
                    unlink(d);
                    window++;
                }
                broker.activity().settled();
                queue.roomMade();
            } finally {
                queue.lock().unlock();
            }
        }

        private void unlink(InMemoryDelivery d) {
            d.linked = false;
            if (d.previous == null) {
                first = d.next;
            } else {
                d.previous.next = d.next;
            }
            if (d.next == null) {
                last = d.previous;
            } else {
                d.next.previous = d.previous;
            }
            d.previous = null;
            d.next = null;
        }

        @Override
        public void stopDeliveries() {
            queue.lock().lock();
            try {
                delivering = false;
            } finally {
                queue.lock().unlock();
            }
        }

        @Override
        public void close() {
            List<InMemoryDelivery> left = new ArrayList<>();
            queue.lock().lock();
            try {
                if (closedHandle) {
                    return;
                }
                closedHandle = true;
                delivering = false;
                queue.detach(this);
                // the latest first: each goes back to the head, so the queue ends up in delivery order
                for (InMemoryDelivery d = last; d != null; d = d.previous) {
                    left.add(d);
                }
            } finally {
                queue.lock().unlock();
            }
            for (InMemoryDelivery d : left) {
                d.returnOnClose();
            }
        }
    }

    /** A delivery from an in-memory queue; settles once. */
    private final class InMemoryDelivery implements Delivery {
        private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<InMemoryDelivery> SETTLED =
                java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(InMemoryDelivery.class, "settled");

        private final StoredMessage message;
        private final Receiver receiver;
        private volatile int settled;
        // the receiver's list of unsettled deliveries, guarded by the queue's lock
        private InMemoryDelivery previous;
        private InMemoryDelivery next;
        private boolean linked = true;

        InMemoryDelivery(StoredMessage message, Receiver receiver) {
            this.message = message;
            this.receiver = receiver;
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
        public int deliveryCount() {
            return message.deliveries() + 1;
        }

        @Override
        public DecodedMessage reference() {
            return message.reference();
        }

        @Override
        public String queue() {
            return receiver.queue.name();
        }

        @Override
        public CompletionStage<Void> ack() {
            if (settle()) {
                receiver.settled(this);
            }
            return DONE;
        }

        @Override
        public CompletionStage<Void> requeue() {
            if (settle()) {
                InMemoryQueue q = receiver.queue;
                q.lock().lock(); // the permit is freed after the message is back, so it is not handed over twice
                try {
                    q.returnToHead(message.asRedelivered());
                    receiver.settled(this);
                } finally {
                    q.lock().unlock();
                }
            }
            return DONE;
        }

        void returnOnClose() {
            requeue();
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterQueue target, Headers extraHeaders) {
            if (settle()) {
                String name = target.nameFor(receiver.queue.name());
                InMemoryQueue q = broker.queue(name);
                if (q == null) {
                    q = broker.declareQueue(name, false);
                }
                q.force(message.withHeaders(extraHeaders));
                receiver.settled(this);
            }
            return DONE;
        }

        private boolean settle() {
            return SETTLED.compareAndSet(this, 0, 1);
        }
    }
}
