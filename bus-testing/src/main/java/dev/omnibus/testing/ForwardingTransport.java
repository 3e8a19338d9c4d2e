package dev.omnibus.testing;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
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
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link Transport} that passes every call, unchanged, to another transport: the base for a test
 * that wraps a real transport to watch or alter a few calls (refuse sends while a "broker" is
 * switched off, note when a receive loop is told to stop) while messages still travel through the
 * real broker underneath. A subclass overrides only the methods it cares about; every other
 * method, including {@link #nativeScheduler()}, forwards to {@link #delegate()}.
 *
 * <pre>{@code
 * final class CountingTransport extends ForwardingTransport {
 *     final AtomicInteger sends = new AtomicInteger();
 *
 *     CountingTransport(Transport real) {
 *         super(real);
 *     }
 *
 *     @Override
 *     public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
 *         sends.incrementAndGet();
 *         return super.send(destination, message);
 *     }
 * }
 * }</pre>
 *
 * <p>Threading and failures: a forwarded call runs on the caller's thread and is exactly as
 * thread-safe as the wrapped transport; it returns what the delegate returns and throws what the
 * delegate throws. The wrapper owns nothing of its own: {@link #start(TransportContext)} and
 * {@link #close()} start and close the delegate, so give a bus the wrapper and not the delegate
 * too.
 */
public abstract class ForwardingTransport implements Transport {
    private final Transport delegate;

    /**
     * Wraps {@code delegate}.
     *
     * @throws NullPointerException if {@code delegate} is null
     */
    protected ForwardingTransport(Transport delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }
    @Override
    public CompletableFuture<Void> reply(Address destination, OutgoingMessage message) {
        return delegate.reply(destination, message);
    }


    /** The wrapped transport, to which every call not overridden goes. */
    protected final Transport delegate() {
        return delegate;
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
    public java.util.List<CompletableFuture<Void>> publishAll(MessageType messageType,
            java.util.List<OutgoingMessage> messages) {
        return delegate.publishAll(messageType, messages);
    }

    @Override
    public java.util.List<CompletableFuture<Void>> sendAll(Address destination, java.util.List<OutgoingMessage> messages) {
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
