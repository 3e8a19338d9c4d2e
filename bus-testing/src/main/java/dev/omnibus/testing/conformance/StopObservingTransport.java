package dev.omnibus.testing.conformance;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportCapabilities;
import dev.omnibus.spi.TransportContext;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A transport that passes every call to another one and notes which receive loops the bus told
 * to stop delivering, so a test can act at the moment a graceful stop has begun (and not sleep
 * and hope). Thread-safe as the transport it wraps.
 */
final class StopObservingTransport implements Transport {
    private final Transport delegate;
    private final Set<String> stoppedQueues = ConcurrentHashMap.newKeySet();

    StopObservingTransport(Transport delegate) {
        this.delegate = delegate;
    }

    /** Whether the bus called {@link ReceiveHandle#stopDeliveries()} on the receive loop of {@code queue}. */
    boolean deliveriesStopped(String queue) {
        return stoppedQueues.contains(queue);
    }

    @Override
    public TransportCapabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public void start(TransportContext context) {
        delegate.start(context);
    }

    @Override
    public URI resolve(Address address) {
        return delegate.resolve(address);
    }

    @Override
    public void declareEndpoint(EndpointTopology topology) {
        delegate.declareEndpoint(topology);
    }

    @Override
    public CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message) {
        return delegate.publish(messageType, message);
    }

    @Override
    public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
        return delegate.send(destination, message);
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings settings, dev.omnibus.spi.DeliveryHandler handler) {
        ReceiveHandle handle = delegate.receive(queue, settings, handler);
        return new ReceiveHandle() {
            @Override
            public void stopDeliveries() {
                handle.stopDeliveries();
                stoppedQueues.add(queue);
            }

            @Override
            public void close() {
                handle.close();
            }
        };
    }

    @Override
    public void close() {
        delegate.close();
    }
}
