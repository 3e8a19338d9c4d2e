package dev.omnibus.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import dev.omnibus.TransportException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    private final Connection connection;
    private final PublishChannel[] channels;
    private final Executor completions;
    private final long confirmTimeoutNanos;
    private final PublishGate gate;
    private final Consumer<String> exchangeGone;

    /**
     * @param exchangeGone told (on the completions executor) the name of an exchange the broker said
     *                     does not exist, so that the next publish to it declares it again
     */
    Publisher(Connection connection, int size, Executor completions, long confirmTimeoutNanos, PublishGate gate,
            Consumer<String> exchangeGone) {
        this.connection = connection;
        this.completions = completions;
        this.confirmTimeoutNanos = confirmTimeoutNanos;
        this.gate = gate;
        this.exchangeGone = exchangeGone;
        this.channels = new PublishChannel[size];
        for (int i = 0; i < size; i++) {
            channels[i] = new PublishChannel(i);
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
            c.expireOverdue(now);
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

    /** The returned flag of every publish that is not mandatory (handleReturn marks mandatory ones only). */
    private static final boolean[] NEVER_RETURNED = new boolean[1];

    /** A publish written and not yet confirmed; what it was, so it can be written again on a fresh channel. */
    private record Pending(CompletableFuture<Void> future, String exchange, String routingKey, boolean mandatory,
            AMQP.BasicProperties props, byte[] body, long startNanos, boolean[] returned) {
        String messageId() {
            return props.getMessageId();
        }
    }

    /** How writing one message went. */
    private enum Written { OK, FAILED, CLOSED }

    /** One channel's state: the channel and the publishes it has not confirmed, keyed by sequence number. */
    private final class ChannelState {
        final Channel channel;
        volatile ConcurrentNavigableMap<Long, Pending> pending = new ConcurrentSkipListMap<>();

        ChannelState(Channel channel) {
            this.channel = channel;
        }
    }

    private final class PublishChannel {
        private final int index;
        private final ReentrantLock lock = new ReentrantLock();
        private volatile ChannelState state;
        private volatile boolean closed;

        PublishChannel(int index) {
            this.index = index;
        }

        /** One message: {@link #publishAll} without the lists (the hot path of a bus publish). */
        CompletableFuture<Void> publish(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props,
                byte[] body) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            lock.lock();
            try {
                ChannelState st;
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

        /**
         * The channel was found closed as the message was written, so the broker did not take it (or
         * discards it with the closing channel): writes it once more on a fresh channel. Under the lock.
         */
        private void writeAgain(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props,
                byte[] body, CompletableFuture<Void> f) {
            ChannelState st;
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
        void republish(List<Pending> again) {
            lock.lock();
            try {
                for (Pending p : again) {
                    writeAgain(p.exchange(), p.routingKey(), p.mandatory(), p.props(), p.body(), p.future());
                }
            } finally {
                lock.unlock();
            }
        }

        List<CompletableFuture<Void>> publishAll(List<Entry> entries) {
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
                ChannelState st;
                try {
                    st = openChannel();
                } catch (IOException | RuntimeException e) {
                    TransportException te = e instanceof TransportException t ? t
                            : lost("no channel to publish to exchange '" + entries.get(0).exchange() + "'", e);
                    futures.forEach(f -> f.completeExceptionally(te));
                    return futures;
                }
                while (k < n) {
                    Entry m = entries.get(k);
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
         * Writes one message under the lock. FAILED: the channel failed (this future failed, the rest
         * must too); CLOSED: the channel was closed under it, the future is untouched and the message
         * may be written again on a fresh channel.
         */
        private Written publishOne(ChannelState st, String exchange, String routingKey, boolean mandatory,
                AMQP.BasicProperties props, byte[] body, CompletableFuture<Void> f) {
            Channel ch = st.channel;
            ConcurrentNavigableMap<Long, Pending> map = st.pending;
            long seq = ch.getNextPublishSeqNo();
            // only a mandatory publish can be returned: the others share one flag that is never set
            map.put(seq, new Pending(f, exchange, routingKey, mandatory, props, body, System.nanoTime(),
                    mandatory ? new boolean[1] : NEVER_RETURNED));
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

        private Written failed(CompletableFuture<Void> f, TransportException e) {
            f.completeExceptionally(e);
            return Written.FAILED;
        }

        /** The channel, opened (again) when it is closed and the connection is open. Under the lock. */
        private ChannelState openChannel() throws IOException {
            if (closed) {
                throw new TransportException("the RabbitMQ transport is closed", null, false);
            }
            ChannelState st = state;
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
            ChannelState ns = new ChannelState(fresh);
            fresh.confirmSelect();
            fresh.addConfirmListener(new ConfirmListener() {
                @Override
                public void handleAck(long seq, boolean multiple) {
                    settle(ns, seq, multiple, null);
                }

                @Override
                public void handleNack(long seq, boolean multiple) {
                    settle(ns, seq, multiple, "the broker refused the message (basic.nack)");
                }
            });
            fresh.addReturnListener(r -> handleReturn(ns, r));
            fresh.addShutdownListener(cause -> handleShutdown(ns, cause));
            state = ns;
            return ns;
        }

        private void settle(ChannelState st, long seq, boolean multiple, String nack) {
            ConcurrentNavigableMap<Long, Pending> map = st.pending;
            List<Pending> done;
            if (multiple) {
                ConcurrentNavigableMap<Long, Pending> head = map.headMap(seq, true);
                done = new ArrayList<>();
                Map.Entry<Long, Pending> e;
                while ((e = head.pollFirstEntry()) != null) {
                    done.add(e.getValue());
                }
            } else {
                Pending p = map.remove(seq);
                done = p == null ? List.of() : List.of(p);
            }
            if (!done.isEmpty()) {
                completions.execute(() -> {
                    for (Pending p : done) {
                        if (nack != null) {
                            p.future().completeExceptionally(new TransportException(nack + " for exchange '" + p.exchange() + "'", null, true));
                        } else if (p.returned()[0]) {
                            p.future().completeExceptionally(new TransportException("unroutable: no queue is bound to exchange '"
                                    + p.exchange() + "', the broker returned the message", null, true));
                        } else {
                            p.future().complete(null);
                        }
                    }
                });
            }
        }

        /** A basic.return comes before the ack of the same message: mark the earliest matching one. */
        private void handleReturn(ChannelState st, Return r) {
            String messageId = r.getProperties() == null ? null : r.getProperties().getMessageId();
            for (Pending p : st.pending.values()) {
                if (p.mandatory() && !p.returned()[0] && p.exchange().equals(r.getExchange())
                        && Objects.equals(p.messageId(), messageId)) {
                    p.returned()[0] = true;
                    break;
                }
            }
            LOG.warn("RabbitMQ returned message {} published to exchange '{}': {} {}", messageId, r.getExchange(),
                    r.getReplyCode(), r.getReplyText());
        }

        /** Connection lost or channel closed: the sequence numbers start again, so fail what is waiting. */
        private void handleShutdown(ChannelState st, ShutdownSignalException cause) {
            ConcurrentNavigableMap<Long, Pending> old = st.pending;
            st.pending = new ConcurrentSkipListMap<>();
            String missing = missingExchange(cause);
            if (missing != null) {
                failOnly(old, missing, cause);
                return;
            }
            String why = cause.isInitiatedByApplication() ? "the channel was closed"
                    : "the " + (cause.isHardError() ? "connection" : "channel") + " was closed by the broker or network ("
                            + cause.getMessage() + ")";
            failAll(old, why);
        }

        /**
         * The broker closed the channel because exchange {@code missing} does not exist: its publishes
         * fail, naming it; the others were not refused, so they are written again on a fresh channel.
         */
        private void failOnly(ConcurrentNavigableMap<Long, Pending> map, String missing, ShutdownSignalException cause) {
            List<Pending> gone = new ArrayList<>();
            List<Pending> again = new ArrayList<>();
            Map.Entry<Long, Pending> e;
            while ((e = map.pollFirstEntry()) != null) {
                (e.getValue().exchange().equals(missing) ? gone : again).add(e.getValue());
            }
            LOG.warn("RabbitMQ publish channel {}: exchange '{}' does not exist ({}); failing its {} publish(es), writing "
                    + "the {} other unconfirmed one(s) again on a new channel", index, missing, Topology.reason(cause),
                    gone.size(), again.size());
            completions.execute(() -> {
                exchangeGone.accept(missing);
                TransportException err = new TransportException("the destination exchange '" + missing + "' does not exist "
                        + "on the broker (404 NOT_FOUND: deleted after it was declared?); the message was not published. "
                        + "The next publish to it declares it again", null, true);
                gone.forEach(p -> p.future().completeExceptionally(err));
                if (!again.isEmpty()) {
                    republish(again);
                }
            });
        }

        private void failAll(ConcurrentNavigableMap<Long, Pending> map, String why) {
            List<Pending> failed = new ArrayList<>();
            Map.Entry<Long, Pending> e;
            while ((e = map.pollFirstEntry()) != null) {
                failed.add(e.getValue());
            }
            if (failed.isEmpty()) {
                return;
            }
            LOG.warn("RabbitMQ publish channel {}: {}; failing {} publish(es) not yet confirmed (they may or may not "
                    + "have reached the broker)", index, why, failed.size());
            completions.execute(() -> failed.forEach(p -> p.future().completeExceptionally(
                    lost(why + " before the broker confirmed the message to exchange '" + p.exchange() + "'", null))));
        }

        void expireOverdue(long now) {
            ChannelState st = state;
            if (st == null) {
                return;
            }
            ConcurrentNavigableMap<Long, Pending> map = st.pending;
            Map.Entry<Long, Pending> first;
            while ((first = map.firstEntry()) != null && now - first.getValue().startNanos() > confirmTimeoutNanos) {
                if (map.remove(first.getKey()) != null) {
                    Pending p = first.getValue();
                    completions.execute(() -> p.future().completeExceptionally(new TransportException(
                            "the broker did not confirm the message to exchange '" + p.exchange() + "' within the confirm timeout "
                                    + java.time.Duration.ofNanos(confirmTimeoutNanos) + "; it may or may not have arrived", null, true)));
                }
            }
        }

        boolean idle() {
            ChannelState st = state;
            return st == null || st.pending.isEmpty();
        }

        void close() {
            lock.lock();
            try {
                closed = true;
                ChannelState st = state;
                if (st != null) {
                    closeQuietly(st.channel);
                    failAll(st.pending, "the transport closed");
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** The exchange a channel was closed for as missing ({@code 404 NOT_FOUND - no exchange 'x' in vhost 'v'}), else null. */
    static String missingExchange(ShutdownSignalException cause) {
        if (cause.isHardError() || cause.isInitiatedByApplication() || !(cause.getReason() instanceof AMQP.Channel.Close c)
                || c.getReplyCode() != AMQP.NOT_FOUND) {
            return null;
        }
        Matcher m = NO_EXCHANGE.matcher(c.getReplyText());
        return m.find() ? m.group(1) : null;
    }

    private static final Pattern NO_EXCHANGE = Pattern.compile("no exchange '(.*)' in vhost '");

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
