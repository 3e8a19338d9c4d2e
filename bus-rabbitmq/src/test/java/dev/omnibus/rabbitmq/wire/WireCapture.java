package dev.omnibus.rabbitmq.wire;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A queue of our own, bound to an exchange Omnibus writes to, consumed by a plain amqp-client
 * consumer: what arrives is exactly what the broker holds, with no Omnibus code reading it. The
 * queue is server-named, exclusive and auto-delete, so it never outlives the test.
 *
 * <p>{@link #bindTo} declares the exchange first the way MassTransit declares a message type's
 * exchange (durable fanout, not auto-delete), so the binding can be made before Omnibus's first
 * publish; Omnibus declares the same exchange the same way, which the broker accepts. Not
 * thread-safe for setup; {@link #next} may be called from the test thread while the client's
 * thread delivers.
 */
final class WireCapture implements AutoCloseable {
    private final Channel channel;
    private final String queue;
    private final LinkedBlockingQueue<Captured> arrived = new LinkedBlockingQueue<>();
    private final List<Captured> seen = new ArrayList<>();

    private WireCapture(Channel channel, String queue) {
        this.channel = channel;
        this.queue = queue;
    }

    /** A capture bound to {@code exchange}, declared first as a durable fanout exchange. */
    static WireCapture bindTo(Connection connection, String exchange) throws IOException {
        Channel ch = connection.createChannel();
        ch.exchangeDeclare(exchange, "fanout", true, false, null);
        return bound(ch, exchange);
    }

    /** A capture bound to {@code exchange}, which must exist already (an endpoint's, its _error). */
    static WireCapture bindToExisting(Connection connection, String exchange) throws IOException {
        return bound(connection.createChannel(), exchange);
    }

    private static WireCapture bound(Channel ch, String exchange) throws IOException {
        String queue = ch.queueDeclare("", false, true, true, null).getQueue();
        ch.queueBind(queue, exchange, "");
        WireCapture capture = new WireCapture(ch, queue);
        ch.basicConsume(queue, true, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties properties, byte[] body) {
                capture.arrived.add(Captured.of(envelope, properties, body));
            }
        });
        return capture;
    }

    /**
     * The next message matching {@code which} (others are kept for the failure message), within
     * {@code timeout}.
     */
    Captured next(String what, Predicate<Captured> which, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Captured c : seen) {
            if (which.test(c)) {
                seen.remove(c);
                return c;
            }
        }
        while (true) {
            long left = deadline - System.nanoTime();
            Captured c = left <= 0 ? null : arrived.poll(left, TimeUnit.NANOSECONDS);
            if (c == null) {
                throw new TimeoutException("no " + what + " arrived on capture queue " + queue + " within " + timeout
                        + "; other messages seen: " + seen.size());
            }
            if (which.test(c)) {
                return c;
            }
            seen.add(c);
        }
    }

    @Override
    public void close() throws IOException, TimeoutException {
        if (channel.isOpen()) {
            channel.close();
        }
    }
}
