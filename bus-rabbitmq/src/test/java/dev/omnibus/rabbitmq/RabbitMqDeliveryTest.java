package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Settling a {@link RabbitMqDelivery} (SPI v2), against the real broker. */
class RabbitMqDeliveryTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(20));
    private final String run = dev.omnibus.testing.RunIds.next();
    private final String quorumQueue = "dt-quorum-" + run;
    private final BlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
    private RabbitMqTransport transport;
    private Connection plain;

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @BeforeEach
    void start() throws Exception {
        transport = RabbitFixture.builder().queue(quorumQueue, QueueOptions.quorum()).build();
        transport.start(new TransportContext(BusClock.system(), "delivery-test-" + run));
        plain = RabbitFixture.plainFactory().newConnection("delivery-test");
    }

    @AfterEach
    void stop() throws Exception {
        transport.close();
        plain.close();
    }

    private static OutgoingMessage message(String id) {
        return new OutgoingMessage(id.getBytes(StandardCharsets.UTF_8),
                Headers.of(OutgoingMessage.CONTENT_TYPE, "text/plain").with(OutgoingMessage.MESSAGE_ID, id)
                        .with("X-Note", "kept"), null, null);
    }

    private RabbitMqReceiver endpoint(String queue) {
        transport.declareEndpoint(new EndpointTopology(queue, List.of(), false));
        return (RabbitMqReceiver) transport.receive(queue, new ReceiveSettings(4), got::add);
    }

    private Delivery next(String what) {
        return AWAIT.until(what, got::poll, Objects::nonNull);
    }

    @Test
    void settlingADeliveryWhoseChannelClosedIsANoOpAndTheBrokerDeliversItAgain() throws Exception {
        String queue = "dt-closed-" + run;
        RabbitMqReceiver loop = endpoint(queue);
        try {
            AWAIT.done("send", transport.send(Address.queue(queue), message("m1"))).join();
            Delivery d = next("the delivery");
            assertThat(d.isValid()).isTrue();
            // a channel error: the broker closes the consuming channel (406, unknown delivery tag)
            loop.channel().basicAck(1_000_000, false);
            AWAIT.until("the delivery is no longer valid", () -> !d.isValid());

            CompletableFuture<Void> ack = d.ack().toCompletableFuture();
            assertThat(ack).as("a settle on a stale delivery completes at once, doing nothing").isCompletedWithValue(null);
            assertThat(d.requeue().toCompletableFuture()).isCompletedWithValue(null);

            try (Channel ch = plain.createChannel()) {
                GetResponse back = AWAIT.until("the message back in its queue", () -> get(ch, queue), Objects::nonNull);
                assertThat(back.getProps().getMessageId()).isEqualTo("m1");
                assertThat(back.getEnvelope().isRedeliver()).isTrue();
            }
        } finally {
            loop.close();
            deleteEndpoint(queue);
        }
    }

    @Test
    void aQuorumQueueCountsEveryDelivery() {
        RabbitMqReceiver loop = endpoint(quorumQueue);
        try {
            AWAIT.done("send", transport.send(Address.queue(quorumQueue), message("q1"))).join();
            Delivery first = next("the first delivery");
            assertThat(first.deliveryCount()).isEqualTo(1);
            AWAIT.done("requeue", first.requeue().toCompletableFuture()).join();
            Delivery second = next("the second delivery");
            assertThat(second.redelivered()).isTrue();
            assertThat(second.deliveryCount()).isEqualTo(2);
            AWAIT.done("requeue", second.requeue().toCompletableFuture()).join();
            Delivery third = next("the third delivery");
            assertThat(third.deliveryCount()).as("counted by the broker, not only flagged").isEqualTo(3);
            AWAIT.done("ack", third.ack().toCompletableFuture()).join();
        } finally {
            loop.close();
            deleteEndpoint(quorumQueue);
        }
    }

    @Test
    void requeueWithADelayBringsTheMessageBackAfterTheDelayAndAcksTheOriginal() throws Exception {
        String queue = "dt-delay-" + run;
        long delayMs = 1000;
        RabbitMqReceiver loop = endpoint(queue);
        try {
            AWAIT.done("send", transport.send(Address.queue(queue), message("later"))).join();
            Delivery d = next("the delivery");
            long t0 = System.nanoTime();
            AWAIT.done("the delayed requeue", d.requeue(Duration.ofMillis(delayMs)).toCompletableFuture()).join();
            Delivery back = next("the message back after the delay");
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(elapsedMs).as("ms until the message came back").isBetween(delayMs - 50, delayMs + 3000);
            assertThat(back.headers().get(OutgoingMessage.MESSAGE_ID)).isEqualTo("later");
            assertThat(back.headers().get("X-Note")).isEqualTo("kept");
            assertThat(new String(back.body(), StandardCharsets.UTF_8)).isEqualTo("later");
            AWAIT.done("ack", back.ack().toCompletableFuture()).join();
            loop.close(); // an original left unacknowledged would go back to the queue now
            try (Channel ch = plain.createChannel()) {
                assertThat(ch.queueDeclarePassive(queue).getMessageCount()).as("left in the queue").isZero();
            }
            assertThat(got).as("no second copy").isEmpty();
        } finally {
            loop.close();
            deleteEndpoint(queue);
            deleteQueue(queue + "_delay_" + delayMs + "ms");
        }
    }

    @Test
    void aConsumerCancelledByTheBrokerIsReportedToItsHandlerOnce() throws Exception {
        String queue = "dt-cancel-" + run;
        transport.declareEndpoint(new EndpointTopology(queue, List.of(), false));
        java.util.List<Throwable> stops = new java.util.concurrent.CopyOnWriteArrayList<>();
        RabbitMqReceiver loop = (RabbitMqReceiver) transport.receive(queue, new ReceiveSettings(4),
                new dev.omnibus.spi.DeliveryHandler() {
                    @Override
                    public void onDelivery(Delivery delivery) {
                        got.add(delivery);
                    }

                    @Override
                    public void onReceiveStopped(Throwable cause) {
                        stops.add(cause);
                    }
                });
        try {
            try (Channel ch = plain.createChannel()) {
                ch.queueDelete(queue); // the broker sends basic.cancel to the queue's consumers
            }
            AWAIT.until("the handler told", () -> !stops.isEmpty());
            assertThat(loop.cancelledByBroker()).isTrue();
            assertThat(stops.get(0)).hasMessageContaining(queue).hasMessageContaining("cancelled");
            loop.close(); // a deliberate close afterwards reports nothing more
            assertThat(stops).hasSize(1);
        } finally {
            loop.close();
            deleteEndpoint(queue);
        }
    }

    private static GetResponse get(Channel ch, String queue) {
        try {
            return ch.basicGet(queue, true);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void deleteEndpoint(String queue) {
        for (String q : List.of(queue, queue + "_error", queue + "_skipped")) {
            deleteQueue(q);
        }
    }

    private void deleteQueue(String q) {
        try (Channel ch = plain.createChannel()) {
            ch.queueDelete(q);
            ch.exchangeDelete(q);
        } catch (Exception e) {
            // best effort
        }
    }

    /** Writes to the original stream and to a capture. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final ByteArrayOutputStream b;

        Tee(OutputStream a, ByteArrayOutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int x) throws IOException {
            a.write(x);
            synchronized (b) {
                b.write(x);
            }
        }

        @Override
        public void write(byte[] buf, int off, int len) throws IOException {
            a.write(buf, off, len);
            synchronized (b) {
                b.write(buf, off, len);
            }
        }
    }
}
