package dev.omnibus;

import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportCapabilities;
import dev.omnibus.spi.TransportContext;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A transport that forwards every call to another; tests override what they need to observe or bend. */
class DelegatingTransport implements Transport {
    protected final Transport delegate;

    DelegatingTransport(Transport delegate) {
        this.delegate = delegate;
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
    public URI publishAddress(MessageType messageType) {
        return delegate.publishAddress(messageType);
    }

    @Override
    public List<CompletableFuture<Void>> publishAll(MessageType messageType, List<OutgoingMessage> messages) {
        return delegate.publishAll(messageType, messages);
    }

    @Override
    public List<CompletableFuture<Void>> sendAll(Address destination, List<OutgoingMessage> messages) {
        return delegate.sendAll(destination, messages);
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
        return delegate.receive(queue, settings, handler);
    }

    @Override
    public Optional<Scheduler> nativeScheduler() {
        return delegate.nativeScheduler();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
