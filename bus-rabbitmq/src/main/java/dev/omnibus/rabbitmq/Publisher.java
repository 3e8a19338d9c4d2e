package dev.omnibus.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.omnibus.TransportException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes with publisher confirms on a pool of channels. A channel is used by one thread at a
 * time (a lock per channel, never one for the pool); a publishing thread keeps to one channel so
 * its messages reach the broker in the order it published them. Each publish is recorded under its
 * channel sequence number; the broker's (multiple) acks and nacks complete the futures, on the
 * {@code completions} executor, never on the connection's I/O thread. A mandatory message the
 * broker returns fails its future. When a channel closes (connection lost, or a channel error)
 * every future still waiting on it fails at once with a retryable {@link TransportException}, and
 * a confirm that takes longer than the confirm timeout fails its future too: no future hangs.
 *
 * <p>Two faults fail only what they concern. A publish to an exchange that no longer exists (deleted
 * after it was declared) makes the broker close the channel with {@code 404 NOT_FOUND}: the publishes
 * to that exchange fail with a {@link TransportException} naming it, the exchange is reported to the
 * transport (which declares it again before the next publish to it), and every other publish still
 * unconfirmed on that channel is published again on a fresh channel (at least once: one the broker had
 * already taken may arrive twice). A publish that found its channel closed before it was written is
 * written once more on a fresh channel. While the broker blocks the connection (a resource alarm)
 * publishes are held by the {@link PublishGate}, not written.
 */
final class Publisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

    private final PublishChannel[] channels;
    private final long confirmTimeoutNanos;
    private final PublishGate gate;

    /**
     * @param exchangeGone told (on the completions executor) the name of an exchange the broker said
     *                     does not exist, so that the next publish to it declares it again
     */
    Publisher(Connection connection, int size, Executor completions, long confirmTimeoutNanos, PublishGate gate,
            Consumer<String> exchangeGone) {
        this.confirmTimeoutNanos = confirmTimeoutNanos;
        this.gate = gate;
        this.channels = new PublishChannel[size];
        for (int i = 0; i < size; i++) {
            channels[i] = new PublishChannel(connection, i, completions, exchangeGone);
        }
    }

    /** Publishes; the future completes when the broker confirmed the message. */
    CompletableFuture<Void> publish(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props,
            byte[] body) {
        PublishChannel c = channels[(int) (Thread.currentThread().getId() % channels.length)];
        if (gate.closed()) {
            return gate.hold(1, exchange, () -> List.of(c.publish(exchange, routingKey, mandatory, props, body))).get(0);
        }
        return c.publish(exchange, routingKey, mandatory, props, body);
    }

    /** One message of a batch: where it goes and what it is. */
    record Entry(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props, byte[] body) {
    }

    /**
     * Publishes {@code entries} in order on one channel (the calling thread's), holding its lock once
     * for the whole batch, then lets the broker's confirms complete the futures (one per entry, in the
     * entries' order): all messages are written before any confirm is awaited. A message the broker
     * nacks or returns (mandatory, unroutable) fails only its own future; if the channel closes in the
     * middle, that entry and every later one fail.
     */
    List<CompletableFuture<Void>> publishAll(List<Entry> entries) {
        PublishChannel c = channels[(int) (Thread.currentThread().getId() % channels.length)];
        if (gate.closed() && !entries.isEmpty()) {
            return gate.hold(entries.size(), entries.get(0).exchange(), () -> c.publishAll(entries));
        }
        return c.publishAll(entries);
    }

    /** Fails every future older than the confirm timeout. Called by the transport's timer. */
    void expireOverdue() {
        long now = System.nanoTime();
        for (PublishChannel c : channels) {
            c.expireOverdue(now, confirmTimeoutNanos);
        }
        gate.expireOverdue(now);
    }

    /** Waits up to {@code timeoutNanos} for every publish to be confirmed. */
    void awaitConfirms(long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        for (PublishChannel c : channels) {
            while (!c.idle() && System.nanoTime() - deadline < 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
            }
        }
    }

    @Override
    public void close() {
        gate.failAll("the transport closed");
        for (PublishChannel c : channels) {
            c.close();
        }
    }

    static TransportException lost(String message, Throwable cause) {
        return new TransportException(message + (cause != null && cause.getMessage() != null ? ": " + cause.getMessage() : ""),
                cause, true);
    }

    static void closeQuietly(Channel ch) {
        try {
            if (ch.isOpen()) {
                ch.close();
            }
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            LOG.debug("closing a RabbitMQ channel failed", e);
        }
    }
}
