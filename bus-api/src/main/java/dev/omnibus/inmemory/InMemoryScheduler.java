package dev.omnibus.inmemory;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link Scheduler}: timers on the bus's {@link BusClock}, so a virtual clock moves
 * them. Messages not yet due when the bus stops are dropped (a warning says how many); use the
 * outbox's durable scheduler where that matters. Thread-safe.
 */
public final class InMemoryScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryScheduler.class);

    private final Map<UUID, BusClock.Cancellable> timers = new ConcurrentHashMap<>();
    private volatile Transport transport;
    private volatile BusClock clock;

    @Override
    public void start(Transport transport, BusClock clock) {
        this.transport = transport;
        this.clock = clock;
    }

    @Override
    public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
        if (transport == null) {
            throw new BusStateException("scheduler not started: start the bus first");
        }
        UUID token = UUID.randomUUID();
        Duration delay = Duration.between(clock.now(), due);
        // register before scheduling: a zero delay may fire at once, on another thread
        timers.put(token, () -> true);
        BusClock.Cancellable c = clock.schedule(delay.isNegative() ? Duration.ZERO : delay, () -> fire(token, destination, message));
        timers.computeIfPresent(token, (k, v) -> c);
        return token;
    }

    private void fire(UUID token, Address destination, OutgoingMessage message) {
        if (timers.remove(token) == null) {
            return;
        }
        transport.send(destination, message).whenComplete((ok, e) -> {
            if (e != null) {
                LOG.error("Scheduled message {} to {} could not be sent", message.headers().get(OutgoingMessage.MESSAGE_ID),
                        destination, e);
            }
        });
    }

    @Override
    public boolean cancel(UUID token) {
        BusClock.Cancellable c = timers.remove(token);
        return c != null && c.cancel();
    }

    /** How many messages wait for their time. */
    public int pending() {
        return timers.size();
    }

    @Override
    public void stop() {
        int dropped = timers.size();
        timers.values().forEach(BusClock.Cancellable::cancel);
        timers.clear();
        if (dropped > 0) {
            LOG.warn("In-memory scheduler stopped with {} message(s) not yet due; they are dropped", dropped);
        }
    }
}
