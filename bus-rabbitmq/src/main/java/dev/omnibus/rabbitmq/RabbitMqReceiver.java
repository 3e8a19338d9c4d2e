package dev.omnibus.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import com.rabbitmq.client.ShutdownSignalException;
import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.DeliveryHandler;
import dev.omnibus.spi.ReceiveHandle;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One receive loop: a channel of its own on the consuming connection, {@code basic.qos(prefetch)},
 * a consumer with manual acknowledgement. Deliveries are settled from any thread after the
 * pipeline (ack, nack-requeue, or a confirmed move to {@code _error}/{@code _skipped} then ack).
 * After a connection loss the client recovers the channel and the consumer; deliveries received
 * before the loss are stale (the broker requeued them), so settling them does nothing.
 */
final class RabbitMqReceiver implements ReceiveHandle {
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final Logger LOG = LoggerFactory.getLogger(RabbitMqReceiver.class);

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
    private volatile boolean delivering = true;
    private volatile boolean closed;

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
        this.consumerTag = channel.basicConsume(queue, false, new DefaultConsumer(channel) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                onDelivery(envelope, properties, body);
            }

            @Override
            public void handleCancel(String tag) {
                LOG.warn("RabbitMQ cancelled the consumer of queue '{}' (was the queue deleted?); no more deliveries", queue);
            }
        });
    }

    private void onDelivery(Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
        if (!delivering) {
            reject(envelope.getDeliveryTag());
            return;
        }
        RabbitMqDelivery d = new RabbitMqDelivery(envelope.getDeliveryTag(), epoch.get(), properties, body,
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
        try {
            channel.basicReject(tag, true);
        } catch (IOException | AlreadyClosedException e) {
            LOG.debug("Queue {}: reject of a late delivery failed (the broker requeues it when the channel closes)", queue, e);
        }
    }

    private void channelDown(ShutdownSignalException cause) {
        epoch.incrementAndGet();
        unsettled.clear();
        if (!cause.isInitiatedByApplication() && !closed) {
            if (cause.isHardError()) {
                LOG.warn("Queue {}: connection to RabbitMQ lost ({}); unsettled deliveries go back to the queue, the "
                        + "consumer resumes after recovery", queue, cause.getMessage());
            } else {
                LOG.error("Queue {}: the broker closed the consuming channel ({}); this receive loop has stopped", queue,
                        Topology.reason(cause));
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
        closed = true;
        int left = unsettled.size();
        unsettled.clear();
        Publisher.closeQuietly(channel); // the broker requeues every unacknowledged delivery
        if (left > 0) {
            LOG.debug("Queue {}: {} unsettled deliveries went back to the queue", queue, left);
        }
    }

    /** A delivery from this loop; settles once. */
    final class RabbitMqDelivery implements Delivery {
        private final long tag;
        private final int epochAtDelivery;
        private final AMQP.BasicProperties properties;
        private final byte[] body;
        private final boolean redelivered;
        private final AtomicBoolean settled = new AtomicBoolean();
        private volatile Headers headers;

        RabbitMqDelivery(long tag, int epoch, AMQP.BasicProperties properties, byte[] body, boolean redelivered) {
            this.tag = tag;
            this.epochAtDelivery = epoch;
            this.properties = properties;
            this.body = body;
            this.redelivered = redelivered;
        }

        @Override
        public byte[] body() {
            return body;
        }

        @Override
        public Headers headers() {
            Headers h = headers;
            if (h == null) {
                h = AmqpHeaders.fromDelivery(properties);
                headers = h;
            }
            return h;
        }

        @Override
        public boolean redelivered() {
            return redelivered;
        }

        @Override
        public int deliveryCount() {
            // quorum queues count deliveries; classic queues only flag a redelivery
            Object count = properties.getHeaders() == null ? null : properties.getHeaders().get("x-delivery-count");
            if (count instanceof Number n) {
                return n.intValue() + 1;
            }
            return redelivered ? 2 : 1;
        }

        @Override
        public String queue() {
            return queue;
        }

        /** Claims the right to settle; false if settled before, the loop closed, or the delivery is stale. */
        private boolean claim() {
            if (!settled.compareAndSet(false, true)) {
                return false;
            }
            unsettled.remove(this);
            return !closed && epochAtDelivery == epoch.get();
        }

        @Override
        public boolean isValid() {
            return !settled.get() && !closed && epochAtDelivery == epoch.get() && channel.isOpen();
        }

        @Override
        public CompletionStage<Void> ack() {
            return claim() ? basicAck() : DONE;
        }

        private CompletableFuture<Void> basicAck() {
            try {
                channel.basicAck(tag, false);
                return DONE;
            } catch (IOException | AlreadyClosedException e) {
                LOG.warn("Queue {}: ack of message {} failed; the broker redelivers it", queue, properties.getMessageId(), e);
                return CompletableFuture.failedFuture(new TransportException("ack failed on queue '" + queue + "'", e, true));
            }
        }

        @Override
        public CompletionStage<Void> requeue() {
            if (!claim()) {
                return DONE;
            }
            try {
                channel.basicNack(tag, false, true);
                return DONE;
            } catch (IOException | AlreadyClosedException e) {
                LOG.debug("Queue {}: requeue failed; the broker requeues the message when the channel closes", queue, e);
                return CompletableFuture.failedFuture(new TransportException("requeue failed on queue '" + queue + "'", e, true));
            }
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterQueue target, Headers extraHeaders) {
            if (!claim()) {
                return DONE;
            }
            String destination = target.nameFor(queue);
            Map<String, Object> table = new LinkedHashMap<>();
            if (properties.getHeaders() != null) {
                table.putAll(properties.getHeaders());
            }
            extraHeaders.asMap().forEach((k, v) -> table.put(k, AmqpHeaders.toAmqp(v)));
            if (AmqpHeaders.fit(table, transport.maxHeaderTableSize())) {
                LOG.warn("Queue {}: headers of message {} trimmed to fit the frame size on the way to {}", queue,
                        properties.getMessageId(), destination);
            }
            AMQP.BasicProperties moved = properties.builder().headers(table).expiration(null).build();
            moving.incrementAndGet();
            CompletableFuture<Void> done = new CompletableFuture<>();
            transport.publishRaw(destination, false, moved, body).whenComplete((ok, e) -> {
                try {
                    settleMove(e, destination, done);
                } finally {
                    moving.decrementAndGet();
                }
            });
            return done;
        }

        private void settleMove(Throwable e, String destination, CompletableFuture<Void> done) {
            boolean current = epochAtDelivery == epoch.get() && channel.isOpen();
            if (e == null) {
                if (current) {
                    basicAck().whenComplete((ok, ex) -> {
                        if (ex != null) {
                            done.completeExceptionally(ex);
                        } else {
                            done.complete(null);
                        }
                    });
                } else {
                    done.completeExceptionally(new TransportException("message moved to " + destination
                            + " but the channel closed before the original was acknowledged; it will come again", null, true));
                }
                return;
            }
            done.completeExceptionally(e);
            LOG.error("Queue {}: moving message {} to {} failed; it goes back to the queue", queue,
                    properties.getMessageId(), destination, e);
            if (current) {
                try {
                    channel.basicNack(tag, false, true);
                } catch (IOException | AlreadyClosedException ex) {
                    LOG.debug("Queue {}: requeue failed", queue, ex);
                }
            }
        }

        @Override
        public String toString() {
            return "RabbitMqDelivery[" + queue + " #" + tag + ", " + body.length + " bytes]";
        }
    }

}
