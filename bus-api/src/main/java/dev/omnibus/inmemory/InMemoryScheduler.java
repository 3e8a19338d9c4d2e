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
 * them. It keeps nothing across a restart: when the bus stops, messages not yet due are sent at
 * once rather than lost (a warning says how many), so a delayed redelivery still reaches its queue
 * and a scheduled send arrives early. Use the outbox's durable scheduler where timing across
 * restarts matters. A message's token is its message id (unless a message with that id is pending
 * already), so {@link dev.omnibus.ConsumeContext#cancelScheduledSend} can withdraw it. Thread-safe.
 */
public final class InMemoryScheduler implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryScheduler.class);

    private record Pending(Address destination, OutgoingMessage message, BusClock.Cancellable timer) {
    }

    private final Map<UUID, Pending> timers = new ConcurrentHashMap<>();
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
        Duration delay = Duration.between(clock.now(), due);
        // the message id is the token, so a scheduled send can be cancelled by it; a second pending
        // message with the same id (a redelivery copy) gets a random token rather than replace the first.
        // Registered before scheduling: a zero delay may fire at once, on another thread
        UUID token = messageId(message);
        if (token == null || timers.putIfAbsent(token, new Pending(destination, message, () -> true)) != null) {
            do {
                token = UUID.randomUUID();
            } while (timers.putIfAbsent(token, new Pending(destination, message, () -> true)) != null);
        }
        UUID t = token;
        BusClock.Cancellable c = clock.schedule(delay.isNegative() ? Duration.ZERO : delay, () -> fire(t, destination, message));
        timers.computeIfPresent(t, (k, v) -> new Pending(destination, message, c));
        return t;
    }

    private static UUID messageId(OutgoingMessage message) {
        Object id = message.headers().get(OutgoingMessage.MESSAGE_ID);
        if (id == null) {
            return null;
        }
        try {
            return UUID.fromString(id.toString());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private void fire(UUID token, Address destination, OutgoingMessage message) {
        if (timers.remove(token) == null) {
            return;
        }
        send(destination, message);
    }

    private void send(Address destination, OutgoingMessage message) {
        transport.send(destination, message).whenComplete((ok, e) -> {
            if (e != null) {
                LOG.error("Scheduled message {} to {} could not be sent", message.headers().get(OutgoingMessage.MESSAGE_ID),
                        destination, e);
            }
        });
    }

    @Override
    public boolean cancel(UUID token) {
        Pending p = timers.remove(token);
        return p != null && p.timer().cancel();
    }

    /** How many messages wait for their time. */
    public int pending() {
        return timers.size();
    }

    /** Sends every message not yet due now: an in-memory scheduler cannot keep them, and early beats lost. */
    @Override
    public void stop() {
        int early = 0;
        for (UUID token : java.util.List.copyOf(timers.keySet())) {
            Pending p = timers.remove(token);
            if (p != null && p.timer().cancel()) {
                early++;
                send(p.destination(), p.message());
            }
        }
        if (early > 0) {
            LOG.warn("In-memory scheduler stopped with {} message(s) not yet due; sent them now rather than lose them", early);
        }
    }
}
