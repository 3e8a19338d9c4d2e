package dev.omnibus.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.omnibus.TransportException;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One receive loop: a channel of its own on the consuming connection, {@code basic.qos(prefetch)},
 * a consumer with manual acknowledgement. Each delivery is handed to
 * {@link DeliveryHandler#onDelivery} on the client's consumer thread (AMQP pushes one message at a
 * time; there is nothing to batch) and settled later from any thread ({@link RabbitMqDelivery}).
 * After a connection loss the client recovers the channel and the consumer; deliveries received
 * before the loss are stale (the broker requeued them, and their delivery tags now name other
 * messages), so settling them does nothing; while the connection is down the endpoint reports itself
 * recovering ({@link DeliveryHandler#onReceiveInterrupted}). If the broker cancels the consumer
 * (basic.cancel: the queue was deleted, a queue's node went away) or closes the channel (a channel
 * error, the broker's {@code consumer_timeout}), this loop is over: it tells the bus
 * ({@link DeliveryHandler#onReceiveStopped}), which declares the endpoint again and subscribes anew.
 * A delivery that waited in the bus's buffer (prefetched, not started) for half the broker's
 * {@code consumer_timeout} is given back to the broker before that timeout can close the channel.
 */
final class RabbitMqReceiver implements ReceiveHandle {
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqReceiver.class);
    /** How long a settled delivery's ack may wait for others to share its frame. */
    static final long ACK_INTERVAL_MS = 2;
    static final long ACK_INTERVAL_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(ACK_INTERVAL_MS);

    /**
     * Acks written together: a quarter of the prefetch (the broker counts coalesced acks against it
     * until they are written), at most 256; 1 with a prefetch under 4, so no ack waits there.
     */
    static int ackBatch(int prefetch) {
        return prefetch < 4 ? 1 : Math.min(256, prefetch / 4);
    }

    private final RabbitMqTransport transport;
    private final String queue;
    private final DeliveryHandler handler;
    private final Channel channel;
    private final Set<RabbitMqDelivery> unsettled = ConcurrentHashMap.newKeySet();
    /** Bumped when the channel goes down: deliveries of an earlier epoch are stale. */
    private final AtomicInteger epoch = new AtomicInteger();
    /** Moves to _error/_skipped published and not yet confirmed: close waits for them, so none ends up twice. */
    private final AtomicInteger moving = new AtomicInteger();
    private final String consumerTag;
    private final CoalescedAcks acks;
    private final java.util.concurrent.ScheduledFuture<?> releaseSweep;
    private volatile boolean delivering = true;
    private volatile boolean closed;
    private volatile boolean cancelledByBroker;
    private final java.util.concurrent.atomic.AtomicBoolean stopReported = new java.util.concurrent.atomic.AtomicBoolean();

    RabbitMqReceiver(RabbitMqTransport transport, Connection connection, String queue, int prefetch,
            DeliveryHandler handler) throws IOException {
        this.transport = transport;
        this.queue = queue;
        this.handler = handler;
        this.channel = connection.createChannel();
        if (channel == null) {
            throw new TransportException("no channel available on the RabbitMQ connection (channel_max reached)", null, true);
        }
        channel.addShutdownListener(this::channelDown);
        channel.basicQos(prefetch);
        this.acks = new CoalescedAcks(queue, channel::basicAck, ackBatch(prefetch), ACK_INTERVAL_NANOS, transport.timer());
        this.consumerTag = channel.basicConsume(queue, false, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                onDelivery(envelope, properties, body);
            }

            @Override
            public void handleCancel(String tag) {
                cancelledByBroker = true;
                LOG.warn("Queue {}: RabbitMQ cancelled this receive loop's consumer (basic.cancel: the queue was deleted, "
                        + "or it moved to another node); the endpoint subscribes again", queue);
                reportStopped(new TransportException("RabbitMQ cancelled the consumer of queue '" + queue
                        + "' (basic.cancel: the queue was deleted, or its node went away)", null, true));
            }
        });
        long releaseAfter = transport.releaseWaitingAfterNanos();
        long sweep = Math.max(TimeUnit.MILLISECONDS.toNanos(50), Math.min(TimeUnit.SECONDS.toNanos(30), releaseAfter / 10));
        this.releaseSweep = transport.timer().scheduleWithFixedDelay(() -> releaseWaiting(releaseAfter), sweep, sweep,
                TimeUnit.NANOSECONDS);
        if (channel instanceof com.rabbitmq.client.Recoverable r) {
            r.addRecoveryListener(new com.rabbitmq.client.RecoveryListener() {
                @Override
                public void handleRecovery(com.rabbitmq.client.Recoverable recovered) {
                    if (!closed && !stopReported.get()) {
                        handler.onReceiveResumed();
                    }
                }

                @Override
                public void handleRecoveryStarted(com.rabbitmq.client.Recoverable recovering) {
                }
            });
        }
    }

    /**
     * Gives back to the broker every delivery that has waited in the bus's buffer (not started) for
     * longer than {@code ageNanos}, half the broker's {@code consumer_timeout}: that timeout counts from
     * the broker's delivery, prefetched deliveries included, and closes the channel when it passes.
     */
    private void releaseWaiting(long ageNanos) {
        long now = System.nanoTime();
        int released = 0;
        for (RabbitMqDelivery d : unsettled) {
            if (d.releaseIfWaiting(now, ageNanos)) {
                released++;
            }
        }
        if (released > 0) {
            LOG.warn("Queue {}: gave {} prefetched deliveries back to the broker: they waited over {} (half the broker's "
                    + "consumer_timeout) behind a slow consumer. Lower the endpoint's prefetch, or raise consumerTimeout "
                    + "if the broker's is higher", queue, released, java.time.Duration.ofNanos(ageNanos));
        }
    }

    /** Tells the bus, once, that this loop is over; not after a deliberate stop or close. */
    private void reportStopped(Throwable cause) {
        if (delivering && !closed && stopReported.compareAndSet(false, true)) {
            handler.onReceiveStopped(cause);
        }
    }

    private void onDelivery(Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
        if (!delivering) {
            reject(envelope.getDeliveryTag());
            return;
        }
        int current = epoch.get();
        acks.delivered(envelope.getDeliveryTag(), current);
        RabbitMqDelivery d = new RabbitMqDelivery(this, envelope.getDeliveryTag(), current, properties, body,
                envelope.isRedeliver());
        unsettled.add(d);
        try {
            handler.onDelivery(d);
        } catch (RuntimeException e) {
            LOG.error("Queue {}: the delivery handler failed; the message goes back to the queue", queue, e);
            d.requeue();
        }
    }

    private void reject(long tag) {
        acks.delivered(tag, epoch.get());
        try {
            channel.basicReject(tag, true);
            acks.released(tag, epoch.get());
        } catch (IOException | AlreadyClosedException e) {
            LOG.debug("Queue {}: reject of a late delivery failed (the broker requeues it when the channel closes)", queue, e);
        }
    }

    private void channelDown(ShutdownSignalException cause) {
        acks.channelLost(epoch.getAndIncrement());
        unsettled.clear();
        if (!cause.isInitiatedByApplication() && !closed) {
            if (cause.isHardError()) {
                LOG.warn("Queue {}: connection to RabbitMQ lost ({}); unsettled deliveries go back to the queue, the "
                        + "consumer resumes after recovery", queue, cause.getMessage());
                handler.onReceiveInterrupted(cause);
            } else {
                LOG.warn("Queue {}: the broker closed the consuming channel ({}); the endpoint subscribes again", queue,
                        Topology.reason(cause));
                reportStopped(new TransportException("RabbitMQ closed the consuming channel of queue '" + queue + "': "
                        + Topology.reason(cause), cause, true));
            }
        }
    }

    @Override
    public void stopDeliveries() {
        if (!delivering) {
            return;
        }
        delivering = false;
        try {
            if (channel.isOpen()) {
                channel.basicCancel(consumerTag);
            }
        } catch (IOException | AlreadyClosedException e) {
            LOG.debug("Queue {}: basic.cancel failed", queue, e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        stopDeliveries();
        long deadline = System.nanoTime() + transport.confirmTimeoutNanos();
        while (moving.get() > 0 && channel.isOpen() && System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        releaseSweep.cancel(false);
        closed = true; // settling from now on does nothing; the broker requeues what is not acknowledged
        acks.flush(); // before the channel closes: an ack due is never lost on a deliberate close
        int left = unsettled.size();
        unsettled.clear();
        Publisher.closeQuietly(channel); // the broker requeues every unacknowledged delivery
        if (left > 0) {
            LOG.debug("Queue {}: {} unsettled deliveries went back to the queue", queue, left);
        }
    }

    /** Whether a delivery received in {@code epochAtDelivery} can still be settled on this channel. */
    boolean current(int epochAtDelivery) {
        return !closed && epochAtDelivery == epoch.get() && channel.isOpen();
    }

    /** A delivery settled or abandoned: no longer counted as unsettled. */
    void forget(RabbitMqDelivery d) {
        unsettled.remove(d);
    }

    /** A confirmed move (to _error/_skipped, or to a wait queue) started; {@link #close} waits for it. */
    void moveStarted() {
        moving.incrementAndGet();
    }

    void moveEnded() {
        moving.decrementAndGet();
    }

    Channel channel() {
        return channel;
    }

    /** The coalesced acks of this loop's channel. */
    CoalescedAcks acks() {
        return acks;
    }

    String queue() {
        return queue;
    }

    RabbitMqTransport transport() {
        return transport;
    }

    /** Whether the broker cancelled this loop's consumer (basic.cancel: the queue was deleted, a quorum queue moved). */
    boolean cancelledByBroker() {
        return cancelledByBroker;
    }
}
