package dev.omnibus.outbox.kit;

import dev.omnibus.Address;
import dev.omnibus.MessageType;
import dev.omnibus.TransportException;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.ForwardingTransport;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real transport that can be made unreachable: while {@link #down(boolean) down}, publish and
 * send fail with a retryable {@link TransportException}, as a transport does when its broker is
 * gone (nothing is queued, nothing is half-sent). Everything else goes to the wrapped transport.
 * This is not a mock of a broker: messages still travel through the real one underneath; only its
 * reachability is switched. Counts what it accepted.
 */
public final class SwitchableTransport extends ForwardingTransport {
    private volatile boolean down;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    public SwitchableTransport(Transport delegate) {
        super(delegate);
    }

    public void down(boolean down) {
        this.down = down;
    }

    /** Messages the broker accepted through this transport. */
    public int accepted() {
        return accepted.get();
    }

    /** Messages refused while down. */
    public int refused() {
        return refused.get();
    }

    @Override
    public CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message) {
        if (down) {
            return refuse();
        }
        return delegate().publish(messageType, message).thenRun(accepted::incrementAndGet);
    }

    @Override
    public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
        if (down) {
            return refuse();
        }
        return delegate().send(destination, message).thenRun(accepted::incrementAndGet);
    }

    @Override
    public java.util.List<CompletableFuture<Void>> publishAll(MessageType messageType, java.util.List<OutgoingMessage> messages) {
        return down ? refuseAll(messages.size()) : counted(delegate().publishAll(messageType, messages));
    }

    @Override
    public java.util.List<CompletableFuture<Void>> sendAll(Address destination, java.util.List<OutgoingMessage> messages) {
        return down ? refuseAll(messages.size()) : counted(delegate().sendAll(destination, messages));
    }

    private java.util.List<CompletableFuture<Void>> counted(java.util.List<CompletableFuture<Void>> futures) {
        return futures.stream().map(f -> f.thenRun(accepted::incrementAndGet)).toList();
    }

    private java.util.List<CompletableFuture<Void>> refuseAll(int n) {
        java.util.List<CompletableFuture<Void>> out = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(refuse());
        }
        return out;
    }

    private CompletableFuture<Void> refuse() {
        refused.incrementAndGet();
        return CompletableFuture.failedFuture(new TransportException("broker unreachable (switched off by the test)", null, true));
    }

    /** None, as before this class forwarded through {@code ForwardingTransport}: buses on it use their own scheduler. */
    @Override
    public Optional<Scheduler> nativeScheduler() {
        return Optional.empty();
    }
}
