package dev.omnibus.inmemory;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
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
import java.util.concurrent.Semaphore;
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
 * MassTransit's in-memory transport. Each receive loop has one dispatch thread; consumers run on
 * the bus's endpoint threads.
 */
public final class InMemoryTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryTransport.class);
    private static final TransportCapabilities CAPABILITIES = TransportCapabilities.builder("loopback")
            .ordering(TransportCapabilities.Ordering.KEY)
            .routing(TransportCapabilities.Routing.BROKER)
            .temporaryEndpoints(true)
            .durable(false)
            .build();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final InMemoryBroker broker;
    private final Set<String> declaredTypes = ConcurrentHashMap.newKeySet();
    private final Set<String> temporaryQueues = ConcurrentHashMap.newKeySet();
    private final List<Receiver> receivers = new ArrayList<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private volatile boolean closed;
    private volatile BusClock clock = BusClock.system();

    private InMemoryTransport(InMemoryBroker broker) {
        this.broker = broker;
    }

    /** A transport on a broker of its own. */
    public static InMemoryTransport create() {
        return new InMemoryTransport(InMemoryBroker.create());
    }

    /** A transport on a shared broker. */
    public static InMemoryTransport connect(InMemoryBroker broker) {
        return new InMemoryTransport(java.util.Objects.requireNonNull(broker, "broker"));
    }

    /** The broker this transport is connected to. */
    public InMemoryBroker broker() {
        return broker;
    }

    @Override
    public TransportCapabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public void start(TransportContext context) {
        if (!started.compareAndSet(false, true)) {
            throw new BusStateException("this InMemoryTransport is already in use by a bus: create one per bus "
                    + "(share an InMemoryBroker to connect buses)");
        }
        this.clock = context.clock();
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
            if (declaredTypes.add(messageType.urn())) {
                List<String> urns = messageType.messageTypes();
                broker.declareExchange(urns.get(0));
                for (int i = 1; i < urns.size(); i++) {
                    broker.bindExchange(urns.get(0), urns.get(i));
                }
            }
            broker.route(messageType.urn(), stored(message));
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
        try {
            checkOpen();
            String name = destination.name();
            if (!destination.isTopic() && !broker.hasExchange(name)) {
                broker.declareQueue(name, false); // a send creates its queue, so nothing sent is lost
            }
            broker.route(name, stored(message));
            return CompletableFuture.completedFuture(null);
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
        r.thread.start();
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

    /** One receive loop: a dispatch thread feeding the handler, at most prefetch unsettled. */
    private final class Receiver implements ReceiveHandle {
        private final InMemoryQueue queue;
        private final Semaphore window;
        private final DeliveryHandler handler;
        private final Set<InMemoryDelivery> unsettled = ConcurrentHashMap.newKeySet();
        private final Thread thread;
        private volatile boolean delivering = true;
        private volatile boolean closedHandle;
        private long handedOver; // the loop thread's count, for the order of returns at close

        Receiver(InMemoryQueue queue, int prefetch, DeliveryHandler handler) {
            this.queue = queue;
            this.window = new Semaphore(prefetch);
            this.handler = handler;
            this.thread = new Thread(this::loop, "omnibus-loopback-" + queue.name());
            this.thread.setDaemon(true);
            queue.consumerAdded();
        }

        private void loop() {
            try {
                while (delivering) {
                    window.acquire();
                    StoredMessage m;
                    try {
                        m = queue.take();
                    } catch (InterruptedException e) {
                        window.release();
                        throw e;
                    }
                    if (!delivering) {
                        queue.returnToHead(m);
                        broker.activity().settled();
                        window.release();
                        return;
                    }
                    InMemoryDelivery d = new InMemoryDelivery(m, this, ++handedOver);
                    unsettled.add(d);
                    try {
                        handler.onDelivery(d);
                    } catch (RuntimeException e) {
                        LOG.error("Queue {}: the delivery handler failed; the message goes back to the queue", queue.name(), e);
                        d.requeue();
                    }
                }
            } catch (InterruptedException e) {
                // stopped
            }
        }

        void settled(InMemoryDelivery d) {
            if (unsettled.remove(d)) {
                window.release();
            }
            broker.activity().settled();
        }

        @Override
        public void stopDeliveries() {
            delivering = false;
            thread.interrupt();
        }

        @Override
        public void close() {
            if (closedHandle) {
                return;
            }
            closedHandle = true;
            stopDeliveries();
            queue.consumerRemoved();
            // the latest first: each goes back to the head, so the queue ends up in delivery order
            List<InMemoryDelivery> left = new ArrayList<>(unsettled);
            left.sort(java.util.Comparator.comparingLong((InMemoryDelivery d) -> d.sequence).reversed());
            for (InMemoryDelivery d : left) {
                d.returnOnClose();
            }
        }
    }

    /** A delivery from an in-memory queue; settles once. */
    private final class InMemoryDelivery implements Delivery {
        private final StoredMessage message;
        private final Receiver receiver;
        private final AtomicBoolean settled = new AtomicBoolean();
        private final long sequence;

        InMemoryDelivery(StoredMessage message, Receiver receiver, long sequence) {
            this.message = message;
            this.receiver = receiver;
            this.sequence = sequence;
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
                receiver.queue.returnToHead(message.asRedelivered());
                receiver.settled(this);
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
            return settled.compareAndSet(false, true);
        }
    }
}
