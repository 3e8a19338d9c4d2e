package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.ConfigurationException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import dev.omnibus.spi.TransportCapabilities;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The bus's scheduler, composed from what is there: the broker's native delay up to its limit, the
 * application's scheduler (durable, like the outbox's) beyond it, and the in-memory scheduler only
 * where the transport itself keeps messages in memory. A delay no member can carry fails its send
 * with a {@link ConfigurationException} that says what to configure; a delay is never shortened.
 *
 * <p>Choice per message, by its delay: the native scheduler when the delay is within
 * {@link TransportCapabilities#maxNativeDelay()} and either no application scheduler is configured
 * or native delays can be withdrawn (so cancelling keeps working); else the application's
 * scheduler; else the fallback. {@link #cancel} asks every member (a token is a message id).
 * Thread-safe.
 */
public final class ComposedScheduler implements Scheduler {
    private final Scheduler nativeScheduler;
    private final Duration nativeLimit;
    private final boolean nativeCancellable;
    private final Scheduler configured;
    private final Scheduler fallback;
    private final String transportName;
    private volatile BusClock clock = BusClock.system();

    /**
     * @param nativeScheduler the transport's, or null
     * @param configured      the application's ({@code BusBuilder.scheduler}), or null
     * @param fallback        the in-memory one, only for a transport that is not durable; or null
     */
    public ComposedScheduler(Scheduler nativeScheduler, TransportCapabilities caps, Scheduler configured, Scheduler fallback) {
        this.nativeScheduler = nativeScheduler;
        this.nativeLimit = nativeScheduler == null ? Duration.ZERO : caps.maxNativeDelay();
        this.nativeCancellable = caps.cancellableDelay();
        this.configured = configured;
        this.fallback = fallback;
        this.transportName = caps.name();
    }

    /** The member that carries a delay of {@code delay}, or null when none can. */
    Scheduler forDelay(Duration delay) {
        if (nativeScheduler != null && delay.compareTo(nativeLimit) <= 0 && (configured == null || nativeCancellable)) {
            return nativeScheduler;
        }
        if (configured != null) {
            return configured;
        }
        return fallback;
    }

    /** Whether a delay of {@code delay} would wait only in this process's memory (the fallback). */
    boolean volatileFor(Duration delay) {
        Scheduler s = forDelay(delay);
        return s != null && s == fallback;
    }

    /** Why no member can carry {@code delay}, as a message that says what to configure. */
    String noSchedulerFor(Duration delay) {
        return nativeScheduler == null
                ? "transport '" + transportName + "' cannot delay messages and no scheduler is configured: "
                        + "configure a durable one (BusBuilder.scheduler, e.g. the outbox's JdbcOutbox.scheduler()) to delay by "
                        + delay
                : "a delay of " + delay + " is beyond what transport '" + transportName + "' can delay natively ("
                        + nativeLimit + "): configure a durable scheduler (BusBuilder.scheduler, e.g. the outbox's "
                        + "JdbcOutbox.scheduler()) for longer delays";
    }

    private List<Scheduler> members() {
        Map<Scheduler, Boolean> seen = new IdentityHashMap<>();
        List<Scheduler> out = new ArrayList<>(3);
        for (Scheduler s : new Scheduler[] {configured, nativeScheduler, fallback}) {
            if (s != null && seen.put(s, Boolean.TRUE) == null) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public void start(Transport transport, BusClock clock) {
        this.clock = clock;
        for (Scheduler s : members()) {
            s.start(transport, clock);
        }
    }

    @Override
    public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
        Duration delay = delayUntil(due);
        Scheduler s = forDelay(delay);
        if (s == null) {
            throw new ConfigurationException(noSchedulerFor(delay));
        }
        return s.schedule(due, destination, message.withDue(due));
    }

    private Duration delayUntil(Instant due) {
        Duration d = Duration.between(clock.now(), due);
        return d.isNegative() ? Duration.ZERO : d;
    }

    @Override
    public boolean cancel(UUID token) {
        boolean cancelled = false;
        for (Scheduler s : members()) {
            cancelled |= s.cancel(token);
        }
        return cancelled;
    }

    @Override
    public void stop() {
        RuntimeException first = null;
        for (Scheduler s : members()) {
            try {
                s.stop();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
