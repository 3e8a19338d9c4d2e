package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Envelope;
import dev.omnibus.spi.BusObserver;
import dev.omnibus.spi.Delivery;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Calls every observer, isolating the bus from their failures. */
final class Observers implements BusObserver {
    private static final Logger LOG = LoggerFactory.getLogger(Observers.class);

    private final BusObserver[] observers;

    Observers(List<BusObserver> observers) {
        this.observers = observers.toArray(new BusObserver[0]);
    }

    boolean any() {
        return observers.length > 0;
    }

    @Override
    public void produced(Envelope envelope, Object message, Address destination) {
        produced(envelope, message, destination, null);
    }

    @Override
    public void produced(Envelope envelope, Object message, Address destination, Envelope cause) {
        for (BusObserver o : observers) {
            try {
                o.produced(envelope, message, destination, cause);
            } catch (RuntimeException e) {
                LOG.warn("Observer {} failed on produced message {}", o, envelope.messageId(), e);
            }
        }
    }

    @Override
    public void consumed(ConsumeContext<?> context, String consumer) {
        for (BusObserver o : observers) {
            try {
                o.consumed(context, consumer);
            } catch (RuntimeException e) {
                LOG.warn("Observer {} failed on consumed message {}", o, context.messageId(), e);
            }
        }
    }

    @Override
    public void consumeFailed(ConsumeContext<?> context, String consumer, Throwable error) {
        for (BusObserver o : observers) {
            try {
                o.consumeFailed(context, consumer, error);
            } catch (RuntimeException e) {
                LOG.warn("Observer {} failed on failed message {}", o, context.messageId(), e);
            }
        }
    }

    @Override
    public void deadLettered(String endpoint, Delivery.DeadLetterQueue queue, Envelope envelope, Object message,
            String reason) {
        for (BusObserver o : observers) {
            try {
                o.deadLettered(endpoint, queue, envelope, message, reason);
            } catch (RuntimeException e) {
                LOG.warn("Observer {} failed on a dead-lettered message of {}", o, endpoint, e);
            }
        }
    }

    @Override
    public void expired(String endpoint, Envelope envelope) {
        for (BusObserver o : observers) {
            try {
                o.expired(endpoint, envelope);
            } catch (RuntimeException e) {
                LOG.warn("Observer {} failed on an expired message of {}", o, endpoint, e);
            }
        }
    }

    @Override
    public void settlementFailed(String endpoint, Envelope envelope, String settlement, Throwable error) {
        for (BusObserver o : observers) {
            try {
                o.settlementFailed(endpoint, envelope, settlement, error);
            } catch (RuntimeException e) {
                LOG.warn("Observer {} failed on a failed settlement of {}", o, endpoint, e);
            }
        }
    }
}
