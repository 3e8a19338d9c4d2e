package dev.omnibus.internal;

import dev.omnibus.spi.BusClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Order kept across a delayed redelivery ({@code ReceiveEndpointBuilder.redeliveryHoldsKey()}): while
 * a message waits for its redelivery, later deliveries with its ordering key wait too, unsettled, and
 * run, in arrival order, after the redelivered copy has run (consumed, moved to {@code _error}, or
 * scheduled again, which holds on).
 *
 * <h2>How</h2>
 * The redelivery filter {@link #hold}s the key and marks the copy it schedules with a token header
 * ({@value #TOKEN}). A delivery of a held key that does not carry the token is deferred; the copy that
 * does runs, and then, in the same worker (the key's lane of the {@link PartitionedExecutor}, so no
 * later delivery of the key can overtake), the deferred ones run one by one until one is held again.
 *
 * <h2>Bounds</h2>
 * A copy that never arrives (a scheduler that lost it) would hold its key forever: a hold expires
 * after the redelivery's delay plus the longer of 30 s and the delay, logged at WARN, and the deferred
 * deliveries run. Deferred deliveries stay unsettled, so they count against the prefetch window; at a
 * stop they go back to the broker, on a revoked scope they are dropped (the scope's next owner, which
 * knows nothing of the hold, receives them again). Thread-safe: one lock per endpoint, taken only when
 * the option is on.
 */
final class KeyHolds {
    private static final Logger LOG = LoggerFactory.getLogger(KeyHolds.class);
    /** The header that marks the redelivered copy a hold waits for. */
    static final String TOKEN = "Omnibus-Redelivery-Hold";
    private static final Duration MIN_GRACE = Duration.ofSeconds(30);

    private final String endpoint;
    private final BusClock clock;
    private final Map<String, Hold> holds = new HashMap<>();
    /** Runs a task in a key's lane (the endpoint's executor). */
    private final java.util.function.BiConsumer<String, Runnable> inLane;
    /** Runs a deferred delivery through the pipeline (claimed already). */
    private final Consumer<ReceiveContext> runner;

    private static final class Hold {
        String token;
        BusClock.Cancellable timer;
        final ArrayDeque<ReceiveContext> deferred = new ArrayDeque<>();
    }

    KeyHolds(String endpoint, BusClock clock, java.util.function.BiConsumer<String, Runnable> inLane,
            Consumer<ReceiveContext> runner) {
        this.endpoint = endpoint;
        this.clock = clock;
        this.inLane = inLane;
        this.runner = runner;
    }

    /**
     * Holds {@code key} until the copy carrying the returned token has run. Called by the redelivery
     * filter in the key's lane, after it scheduled the copy {@code delay} from now.
     */
    String hold(String key, Duration delay, Object messageId) {
        String token = UUID.randomUUID().toString();
        Duration expiry = delay.plus(delay.compareTo(MIN_GRACE) > 0 ? delay : MIN_GRACE);
        synchronized (this) {
            Hold h = holds.computeIfAbsent(key, k -> new Hold());
            cancel(h);
            h.token = token;
            h.timer = clock.schedule(expiry, () -> inLane.accept(key, () -> {
                if (expire(key, token, messageId, expiry)) {
                    release(key);
                }
            }));
        }
        LOG.debug("Endpoint {}: key {} held until the redelivery of {} has run", endpoint, key, messageId);
        return token;
    }

    /**
     * True when {@code task} must wait (its key is held and it is not the awaited copy): it is kept,
     * unsettled. The awaited copy is let through and ends the hold's wait.
     */
    synchronized boolean deferIfHeld(String key, ReceiveContext task) {
        Hold h = holds.get(key);
        if (h == null) {
            return false;
        }
        Object token = task.delivery.headers().get(TOKEN);
        if (h.token != null && token != null && h.token.equals(token.toString())) {
            h.token = null;
            cancel(h);
            return false;
        }
        h.deferred.addLast(task);
        return true;
    }

    /**
     * After a delivery of {@code key} ran: when the key is no longer awaited, runs the deferred
     * deliveries in order, until one holds the key again or none is left. Called in the key's lane.
     */
    void release(String key) {
        while (true) {
            ReceiveContext next;
            synchronized (this) {
                Hold h = holds.get(key);
                if (h == null || h.token != null) {
                    return;
                }
                next = h.deferred.pollFirst();
                if (next == null) {
                    holds.remove(key);
                    return;
                }
            }
            runner.accept(next);
        }
    }

    private boolean expire(String key, String token, Object messageId, Duration after) {
        synchronized (this) {
            Hold h = holds.get(key);
            if (h == null || !token.equals(h.token)) {
                return false;
            }
            h.token = null;
            h.timer = null;
            LOG.warn("Endpoint {}: the redelivery of {} did not arrive within {}; the {} deliveries of key {} held behind "
                    + "it run now (if it still comes, it runs out of order)", endpoint, messageId, after, h.deferred.size(), key);
            return true;
        }
    }

    /** Every deferred delivery, latest first, the holds cleared (a stop: they go back to the broker). */
    synchronized List<ReceiveContext> takeAllForStop() {
        List<ReceiveContext> all = new ArrayList<>();
        for (Hold h : holds.values()) {
            cancel(h);
            all.addAll(h.deferred);
        }
        holds.clear();
        all.sort(((java.util.Comparator<ReceiveContext>) ReceiveContext::byArrival).reversed());
        return all;
    }

    /** Drops the deferred deliveries of a revoked scope, unsettled; returns how many. */
    synchronized int dropScope(String scope) {
        int before = 0;
        int after = 0;
        for (Hold h : holds.values()) {
            before += h.deferred.size();
            h.deferred.removeIf(t -> t.delivery.scope().equals(scope));
            after += h.deferred.size();
        }
        return before - after;
    }

    private static void cancel(Hold h) {
        if (h.timer != null) {
            h.timer.cancel();
            h.timer = null;
        }
    }
}
