package dev.omnibus.rabbitmq;

import static dev.omnibus.rabbitmq.Publisher.closeQuietly;
import static dev.omnibus.rabbitmq.Publisher.lost;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.omnibus.TransportException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One channel of the {@link Publisher}'s pool, used by one thread at a time (its lock), opened again
 * when a channel error or a lost connection closed it. Its {@link Unconfirmed} completes the futures.
 * A message that finds the channel closed as it is written was not taken by the broker, so it is
 * written once more on a fresh channel; so are the unconfirmed publishes a {@code 404} for another
 * exchange took down with the channel.
 */
final class PublishChannel {
    /** How writing one message went. */
    private enum Written { OK, FAILED, CLOSED }

    private final Connection connection;
    private final int index;
    private final Executor completions;
    private final Consumer<String> exchangeGone;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Unconfirmed state;
    private volatile boolean closed;

    PublishChannel(Connection connection, int index, Executor completions, Consumer<String> exchangeGone) {
        this.connection = connection;
        this.index = index;
        this.completions = completions;
        this.exchangeGone = exchangeGone;
    }

    /** One message: {@link #publishAll} without the lists (the hot path of a bus publish). */
    CompletableFuture<Void> publish(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props,
            byte[] body) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        lock.lock();
        try {
            Unconfirmed st;
            try {
                st = openChannel();
            } catch (IOException | RuntimeException e) {
                f.completeExceptionally(e instanceof TransportException t ? t
                        : lost("no channel to publish to exchange '" + exchange + "'", e));
                return f;
            }
            if (publishOne(st, exchange, routingKey, mandatory, props, body, f) == Written.CLOSED) {
                writeAgain(exchange, routingKey, mandatory, props, body, f);
            }
        } finally {
            lock.unlock();
        }
        return f;
    }

    /** See {@link Publisher#publishAll}. */
    List<CompletableFuture<Void>> publishAll(List<Publisher.Entry> entries) {
        int n = entries.size();
        List<CompletableFuture<Void>> futures = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            futures.add(new CompletableFuture<>());
        }
        if (n == 0) {
            return futures;
        }
        int k = 0;
        lock.lock();
        try {
            Unconfirmed st;
            try {
                st = openChannel();
            } catch (IOException | RuntimeException e) {
                TransportException te = e instanceof TransportException t ? t
                        : lost("no channel to publish to exchange '" + entries.get(0).exchange() + "'", e);
                futures.forEach(f -> f.completeExceptionally(te));
                return futures;
            }
            while (k < n) {
                Publisher.Entry m = entries.get(k);
                Written w = publishOne(st, m.exchange(), m.routingKey(), m.mandatory(), m.props(), m.body(), futures.get(k));
                if (w == Written.CLOSED) {
                    writeAgain(m.exchange(), m.routingKey(), m.mandatory(), m.props(), m.body(), futures.get(k));
                    try {
                        st = openChannel();
                    } catch (IOException | RuntimeException e) {
                        break;
                    }
                } else if (w == Written.FAILED) {
                    break;
                }
                k++;
            }
        } finally {
            lock.unlock();
        }
        for (k++; k < n; k++) { // the channel failed under an earlier entry of the batch: not published
            futures.get(k).completeExceptionally(lost("the channel failed earlier in the batch; not published to "
                    + "exchange '" + entries.get(k).exchange() + "'", null));
        }
        return futures;
    }

    /**
     * The channel was found closed as the message was written, so the broker did not take it (or
     * discards it with the closing channel): writes it once more on a fresh channel. Under the lock.
     */
    private void writeAgain(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props,
            byte[] body, CompletableFuture<Void> f) {
        Unconfirmed st;
        try {
            st = openChannel();
        } catch (IOException | RuntimeException e) {
            f.completeExceptionally(e instanceof TransportException t ? t
                    : lost("no channel to publish to exchange '" + exchange + "'", e));
            return;
        }
        if (publishOne(st, exchange, routingKey, mandatory, props, body, f) == Written.CLOSED) {
            f.completeExceptionally(lost("the channel closed twice while publishing to exchange '" + exchange + "'", null));
        }
    }

    /** Writes again, in order, publishes a channel lost while they waited for their confirms. */
    private void republish(List<Unconfirmed.Pending> again) {
        lock.lock();
        try {
            for (Unconfirmed.Pending p : again) {
                writeAgain(p.exchange(), p.routingKey(), p.mandatory(), p.props(), p.body(), p.future());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes one message under the lock. FAILED: the channel failed (this future failed, the rest
     * must too); CLOSED: the channel was closed under it, the future is untouched and the message
     * may be written again on a fresh channel.
     */
    private Written publishOne(Unconfirmed st, String exchange, String routingKey, boolean mandatory,
            AMQP.BasicProperties props, byte[] body, CompletableFuture<Void> f) {
        Channel ch = st.channel;
        long seq = ch.getNextPublishSeqNo();
        ConcurrentNavigableMap<Long, Unconfirmed.Pending> map = st.add(seq, f, exchange, routingKey, mandatory, props, body);
        try {
            ch.basicPublish(exchange, routingKey, mandatory, props, body);
        } catch (AlreadyClosedException e) {
            map.remove(seq);
            return connection.isOpen() ? Written.CLOSED : failed(f, lost("publishing to exchange '" + exchange + "' failed", e));
        } catch (IOException e) {
            map.remove(seq);
            return failed(f, lost("publishing to exchange '" + exchange + "' failed", e));
        } catch (RuntimeException e) {
            // the client may have counted a sequence number it did not send: start a fresh channel
            map.remove(seq);
            closeQuietly(ch);
            return failed(f, new TransportException("publishing to exchange '" + exchange + "' failed: " + e, e, false));
        }
        if (map != st.pending && map.remove(seq) != null) { // the channel closed while we published
            return connection.isOpen() ? Written.CLOSED
                    : failed(f, lost("the channel closed while publishing to exchange '" + exchange + "'", null));
        }
        return Written.OK;
    }

    private static Written failed(CompletableFuture<Void> f, TransportException e) {
        f.completeExceptionally(e);
        return Written.FAILED;
    }

    /** The channel, opened (again) when it is closed and the connection is open. Under the lock. */
    private Unconfirmed openChannel() throws IOException {
        if (closed) {
            throw new TransportException("the RabbitMQ transport is closed", null, false);
        }
        Unconfirmed st = state;
        if (st != null && st.channel.isOpen()) {
            return st;
        }
        if (!connection.isOpen()) {
            // automatic recovery brings the connection and this channel back: fail now rather than wait
            throw lost("the connection to RabbitMQ is down (recovering)", null);
        }
        if (st != null) {
            closeQuietly(st.channel); // a channel error closed it; stop it from being recovered as well
        }
        Channel fresh = connection.createChannel();
        if (fresh == null) {
            throw new TransportException("no channel available on the RabbitMQ connection (channel_max reached)", null, true);
        }
        fresh.confirmSelect();
        Unconfirmed ns = new Unconfirmed(fresh, index, completions, exchangeGone, this::republish);
        state = ns;
        return ns;
    }

    void expireOverdue(long now, long timeoutNanos) {
        Unconfirmed st = state;
        if (st != null) {
            st.expireOverdue(now, timeoutNanos);
        }
    }

    boolean idle() {
        Unconfirmed st = state;
        return st == null || st.isEmpty();
    }

    void close() {
        lock.lock();
        try {
            closed = true;
            Unconfirmed st = state;
            if (st != null) {
                closeQuietly(st.channel);
                st.failAll("the transport closed");
            }
        } finally {
            lock.unlock();
        }
    }
}
