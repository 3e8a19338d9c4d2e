package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.DefaultConsumer;
import com.rabbitmq.client.Envelope;
import dev.omnibus.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link CoalescedAcks} on a real channel: fewer ack frames, every message acknowledged, none before its time. */
class CoalescedAcksTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(20));
    private static final int N = 1000;
    private final String queue = "coalesced-acks-" + dev.omnibus.testing.RunIds.next();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger frames = new AtomicInteger();
    private final List<long[]> deliveries = new CopyOnWriteArrayList<>();
    private Connection connection;
    private Channel admin;

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @BeforeEach
    void fill() throws Exception {
        connection = RabbitFixture.plainFactory().newConnection("coalesced-acks-test");
        admin = connection.createChannel();
        admin.queueDeclare(queue, false, false, false, null);
        admin.confirmSelect();
        for (int i = 0; i < N; i++) {
            admin.basicPublish("", queue, null, new byte[] {1});
        }
        admin.waitForConfirmsOrDie(10_000);
    }

    @AfterEach
    void clean() throws Exception {
        admin.queueDelete(queue);
        connection.close();
        timer.shutdownNow();
    }

    /** Consumes the queue on a channel of its own; {@code settle} decides what happens to each delivery. */
    private Channel consume(CoalescedAcks[] acks, int prefetch, int batch, long intervalMillis, Settle settle) throws Exception {
        Channel ch = connection.createChannel();
        ch.basicQos(prefetch);
        acks[0] = new CoalescedAcks(queue, (tag, multiple) -> {
            frames.incrementAndGet();
            ch.basicAck(tag, multiple);
        }, batch, TimeUnit.MILLISECONDS.toNanos(intervalMillis), timer);
        ch.basicConsume(queue, false, new DefaultConsumer(ch) {
            @Override
            public void handleDelivery(String tag, Envelope envelope, AMQP.BasicProperties p, byte[] body)
                    throws java.io.IOException {
                acks[0].delivered(envelope.getDeliveryTag(), 0);
                deliveries.add(new long[] {envelope.getDeliveryTag()});
                settle.on(acks[0], envelope.getDeliveryTag(), getChannel());
            }
        });
        return ch;
    }

    @FunctionalInterface
    private interface Settle {
        void on(CoalescedAcks acks, long tag, Channel channel) throws java.io.IOException;
    }

    private long ready() {
        try {
            return admin.queueDeclarePassive(queue).getMessageCount();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyMessageIsAcknowledgedWithFewerFrames() throws Exception {
        CoalescedAcks[] acks = new CoalescedAcks[1];
        List<CompletableFuture<Void>> stages = new CopyOnWriteArrayList<>();
        Channel ch = consume(acks, 200, 50, 2, (a, tag, c) -> stages.add(a.settled(tag, 0)));
        AWAIT.until("every delivery acknowledged", () -> deliveries.size() == N && stages.stream().allMatch(CompletableFuture::isDone));
        assertThat(stages).allMatch(s -> !s.isCompletedExceptionally());
        ch.close(); // anything not acknowledged would go back to the queue now
        assertThat(ready()).isZero();
        assertThat(frames.get()).isPositive().isLessThan(N / 10);
    }

    @Test
    void aCloseBeforeTheFlushRedeliversTheSettledMessages() throws Exception {
        CoalescedAcks[] acks = new CoalescedAcks[1];
        Channel ch = consume(acks, 2000, 100_000, 60_000, (a, tag, c) -> a.settled(tag, 0));
        AWAIT.until("every delivery", () -> deliveries.size() == N);
        ch.abort(); // the process "crashes": nothing was flushed
        AWAIT.until("all back in the queue", () -> ready() == N);
        assertThat(frames.get()).isZero();
    }

    @Test
    void aFlushBeforeCloseLosesNoAck() throws Exception {
        CoalescedAcks[] acks = new CoalescedAcks[1];
        Channel ch = consume(acks, 2000, 100_000, 60_000, (a, tag, c) -> a.settled(tag, 0));
        AWAIT.until("every delivery", () -> deliveries.size() == N);
        acks[0].flush();
        ch.close();
        assertThat(ready()).isZero();
        assertThat(frames.get()).isEqualTo(1);
    }

    @Test
    void aTagStillRunningIsNeverAcknowledgedByAnotherTagsFrame() throws Exception {
        CoalescedAcks[] acks = new CoalescedAcks[1];
        List<Long> held = Collections.synchronizedList(new ArrayList<>());
        // every 100th delivery is still "in its pipeline"; a few are requeued instead (nack written first)
        Channel ch = consume(acks, 2000, 10, 1, (a, tag, c) -> {
            if (tag % 100 == 7) {
                held.add(tag);
            } else if (tag % 100 == 3) {
                c.basicNack(tag, false, false); // dropped, not requeued: it must not come back
                a.released(tag, 0);
            } else {
                a.settled(tag, 0);
            }
        });
        AWAIT.until("every delivery", () -> deliveries.size() == N);
        acks[0].flush();
        acks[0].flush(); // out-of-order tags were acknowledged singly once; a second flush writes nothing twice
        ch.basicQos(2000); // a round trip: the broker has handled the acks before it answers
        assertThat(ch.isOpen()).as("no ack named an unknown tag").isTrue();
        ch.close();
        assertThat(ready()).isEqualTo(held.size()).isEqualTo(N / 100);
    }
}
