package dev.omnibus.inmemory;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * serializing. Bytes are written only where something needs them, by the producing bus's serializer:
 * a message moved to an error or skipped queue is serialized then (so {@code _error} and
 * {@code _skipped} hold ordinary messages with the fault headers), a delivery's {@code body()} is
 * written when first asked for (a reader below the bus), and a delayed redelivery is re-encoded.
 * Transport headers carry the content type and, when set, the correlation id and partition key,
 * not the message id (the envelope has it). Serializing stays the default, and the test harness
 * keeps it, so codec mistakes surface in tests.
 */
public final class InMemoryTransport implements Transport {

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
    private final List<InMemoryReceiver> receivers = new ArrayList<>();
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
            broker.route(messageType.urn(), message); // a new message waits as itself
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
            broker.route(name, message);
            return DONE;
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
        checkOpen();
        InMemoryQueue q = broker.queue(queue);
        if (q == null) {
            throw new TransportException("no in-memory queue '" + queue + "': declare the endpoint first", null, false);
        }
        InMemoryReceiver r = new InMemoryReceiver(broker, q, settings.prefetch(), handler);
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
        List<InMemoryReceiver> all;
        synchronized (receivers) {
            all = new ArrayList<>(receivers);
        }
        all.forEach(InMemoryReceiver::close);
        temporaryQueues.forEach(broker::deleteQueue);
    }

    private void checkOpen() {
        if (closed) {
            throw new TransportException("the in-memory transport is closed", null, false);
        }
    }
}
