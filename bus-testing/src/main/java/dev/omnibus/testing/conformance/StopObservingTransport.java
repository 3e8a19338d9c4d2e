package dev.omnibus.testing.conformance;

import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.ForwardingTransport;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A transport that passes every call to another one and notes which receive loops the bus told
 * to stop delivering, so a test can act at the moment a graceful stop has begun (and not sleep
 * and hope). Thread-safe as the transport it wraps.
 */
final class StopObservingTransport extends ForwardingTransport {
    private final Set<String> stoppedQueues = ConcurrentHashMap.newKeySet();

    StopObservingTransport(Transport delegate) {
        super(delegate);
    }

    /** Whether the bus called {@link ReceiveHandle#stopDeliveries()} on the receive loop of {@code queue}. */
    boolean deliveriesStopped(String queue) {
        return stoppedQueues.contains(queue);
    }

    @Override
    public ReceiveHandle receive(String queue, ReceiveSettings settings, DeliveryHandler handler) {
        ReceiveHandle handle = super.receive(queue, settings, handler);
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

    /** None, as before this class forwarded: the bus in the graceful-stop test schedules with its own scheduler. */
    @Override
    public Optional<Scheduler> nativeScheduler() {
        return Optional.empty();
    }
}
