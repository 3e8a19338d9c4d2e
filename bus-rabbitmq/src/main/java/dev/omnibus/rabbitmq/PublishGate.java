package dev.omnibus.rabbitmq;

import com.rabbitmq.client.BlockedListener;
import dev.omnibus.TransportException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds publishes while the broker blocks the publishing connection ({@code connection.blocked}:
 * a memory or disk alarm). A blocked broker stops reading the connection's socket, so a publish
 * written then would wait for its confirm (or, once the socket buffers are full, block the publishing
 * thread inside the client). Instead, a publish made while the connection is blocked is not written:
 * its future waits, and when the broker sends {@code connection.unblocked} the held publishes are
 * written in the order they were made. A publish held longer than the blocked-publish timeout fails
 * with a retryable {@link TransportException} that says the broker is blocked and why (the reason
 * the broker gave, e.g. {@code low on memory}); nothing held is lost silently and no future hangs.
 *
 * <p>Threads: {@link #hold} from any publishing thread; the listener's callbacks on the client's
 * connection thread (they only flip the state and hand the draining to {@code drainer});
 * {@link #expireOverdue} from the transport's timer. The held queue grows by the publish rate for at
 * most the blocked-publish timeout, then its entries fail.
 */
final class PublishGate implements BlockedListener {
    private static final Logger LOG = LoggerFactory.getLogger(PublishGate.class);

    /** A publish (or a batch) waiting for the broker to unblock: its futures, and how to write it. */
    private record Held(List<CompletableFuture<Void>> futures, Supplier<List<CompletableFuture<Void>>> publish,
            long deadlineNanos, String exchange) {
    }

    /** Why and since when the broker blocks this connection; null while it does not. */
    record Blocked(String reason, Instant since) {
    }

    private final ConcurrentLinkedQueue<Held> held = new ConcurrentLinkedQueue<>();
    private final Executor drainer;
    private final long timeoutNanos;
    private volatile Blocked blocked;

    PublishGate(Executor drainer, Duration timeout) {
        this.drainer = drainer;
        this.timeoutNanos = timeout.toNanos();
    }

    /** Whether publishes are held now. */
    boolean closed() {
        return blocked != null;
    }

    /** The broker's reason and since when, while it blocks the publishing connection. */
    Optional<Blocked> blocked() {
        return Optional.ofNullable(blocked);
    }

    /**
     * Holds a publish of {@code count} messages until the connection is unblocked; {@code publish}
     * writes them then. Returns the futures the caller hands out, completed as {@code publish}'s are.
     */
    List<CompletableFuture<Void>> hold(int count, String exchange, Supplier<List<CompletableFuture<Void>>> publish) {
        List<CompletableFuture<Void>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            futures.add(new CompletableFuture<>());
        }
        held.add(new Held(futures, publish, System.nanoTime() + timeoutNanos, exchange));
        if (blocked == null) { // unblocked while we added: nobody else will drain this one
            drainer.execute(this::drain);
        }
        return futures;
    }

    @Override
    public void handleBlocked(String reason) {
        blocked = new Blocked(reason == null || reason.isBlank() ? "no reason given" : reason, Instant.now());
        LOG.warn("RabbitMQ blocked the publishing connection ({}): publishes are held up to {}, then fail", reason,
                Duration.ofNanos(timeoutNanos));
    }

    @Override
    public void handleUnblocked() {
        Blocked was = blocked;
        blocked = null;
        LOG.info("RabbitMQ unblocked the publishing connection (blocked since {}); writing {} held publish(es)",
                was == null ? "?" : was.since(), held.size());
        drainer.execute(this::drain);
    }

    /**
     * The connection was recovered: a new connection starts unblocked (the broker blocks it again on
     * its first publish if the alarm is still on), so what is held goes out now.
     */
    void connectionRecovered() {
        if (blocked != null) {
            blocked = null;
            LOG.info("RabbitMQ publishing connection recovered while blocked; writing {} held publish(es)", held.size());
            drainer.execute(this::drain);
        }
    }

    /** Writes the held publishes in order while the connection is not blocked. */
    private void drain() {
        Held h;
        while (blocked == null && (h = held.poll()) != null) {
            List<CompletableFuture<Void>> out = h.futures();
            List<CompletableFuture<Void>> written;
            try {
                written = h.publish().get();
            } catch (RuntimeException e) {
                out.forEach(f -> f.completeExceptionally(e));
                continue;
            }
            for (int i = 0; i < out.size(); i++) {
                CompletableFuture<Void> f = out.get(i);
                written.get(i).whenComplete((ok, e) -> {
                    if (e != null) {
                        f.completeExceptionally(e);
                    } else {
                        f.complete(null);
                    }
                });
            }
        }
    }

    /** Fails every held publish older than the timeout. Called by the transport's timer. */
    void expireOverdue(long now) {
        Blocked b = blocked;
        for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (now - h.deadlineNanos() > 0 && held.remove(h)) {
                TransportException e = blockedError(b, h.exchange());
                h.futures().forEach(f -> f.completeExceptionally(e));
            }
        }
    }

    /** Fails every held publish: the transport closes. */
    void failAll(String why) {
        Held h;
        while ((h = held.poll()) != null) {
            TransportException e = new TransportException(why + "; the message to exchange '" + h.exchange()
                    + "' was held because RabbitMQ blocked publishing, and was not published", null, true);
            h.futures().forEach(f -> f.completeExceptionally(e));
        }
    }

    private TransportException blockedError(Blocked b, String exchange) {
        String why = b == null ? "RabbitMQ blocked publishing on this connection (connection.blocked)"
                : "RabbitMQ has blocked publishing on this connection since " + b.since() + " (connection.blocked: "
                        + b.reason() + ")";
        return new TransportException(why + " for longer than the blocked-publish timeout "
                + Duration.ofNanos(timeoutNanos) + "; the message to exchange '" + exchange + "' was not published. "
                + "Free the broker's resource (memory, disk) or raise blockedPublishTimeout", null, true);
    }
}
