package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.TransportException;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.ReceiveSettings;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The FIFO receive loop below the bus (ElasticMQ, {@link SqsFixture}): the group gate against a
 * handler that runs deliveries concurrently (MassTransit's issue 4355), a requeue that sends its
 * group back, the queue's name and type, and delays refused with a clear error.
 */
class SqsFifoReceiverTest {
    private final String prefix = "fr-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(30));
    private final ExecutorService pool = Executors.newFixedThreadPool(8);
    private SqsTransport transport;

    private SqsTransport start() {
        transport = SqsTransport.builder().withoutSns().endpoint(SqsFixture.endpoint().toString()).region("us-east-1")
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1).fifo("ordered").build();
        transport.start(new TransportContext(BusClock.system(), "fr"));
        transport.declareEndpoint(new EndpointTopology("ordered", List.of(), false));
        return transport;
    }

    @AfterEach
    void cleanUp() {
        pool.shutdownNow();
        if (transport != null) {
            transport.close();
        }
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }

    private static OutgoingMessage message(String group, int seq) {
        return new OutgoingMessage((group + ":" + seq).getBytes(StandardCharsets.UTF_8), Headers.of(Map.of(
                OutgoingMessage.MESSAGE_ID, group + "-" + seq + "-" + RunIds.next(), OutgoingMessage.CONTENT_TYPE,
                "text/plain", OutgoingMessage.PARTITION_KEY, group)), group, null);
    }

    private static String text(Delivery d) {
        return new String(d.body(), StandardCharsets.UTF_8);
    }

    private void sendAll(List<OutgoingMessage> messages) {
        CompletableFuture.allOf(transport.sendAll(Address.queue("ordered"), messages).toArray(CompletableFuture[]::new))
                .join();
    }

    @Test
    void theQueueIsAFifoQueueNamedWithItsSuffix() {
        start();
        String name = QueueNames.fifoQueueName(prefix, "ordered");
        assertThat(name).isEqualTo(prefix + "ordered.fifo");
        String url = SqsFixture.client().getQueueUrl(b -> b.queueName(name)).queueUrl();
        assertThat(SqsFixture.client().getQueueAttributes(b -> b.queueUrl(url).attributeNames(QueueAttributeName.FIFO_QUEUE))
                .attributes()).containsEntry(QueueAttributeName.FIFO_QUEUE, "true");
        assertThat(transport.capabilities().ordering()).isEqualTo(dev.omnibus.spi.TransportCapabilities.Ordering.GROUP);
    }

    @Test
    void aHandlerRunningDeliveriesConcurrentlyGetsOneMessageOfAGroupAtATime() {
        start();
        List<OutgoingMessage> out = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            for (String g : List.of("a", "b", "c")) {
                out.add(message(g, i));
            }
        }
        sendAll(out); // 30 messages, 3 in each batch of 10 per group: one receive returns several of a group
        Map<String, List<Integer>> order = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        AtomicInteger overlapInGroup = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        transport.receive("ordered", new ReceiveSettings(30), d -> pool.execute(() -> {
            String[] gs = text(d).split(":");
            AtomicInteger mine = running.computeIfAbsent(gs[0], k -> new AtomicInteger());
            if (mine.incrementAndGet() > 1) {
                overlapInGroup.incrementAndGet();
            }
            try {
                Thread.sleep((Integer.parseInt(gs[1]) * 7L) % 20); // uneven work, not a wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            order.computeIfAbsent(gs[0], k -> Collections.synchronizedList(new ArrayList<>())).add(Integer.parseInt(gs[1]));
            mine.decrementAndGet();
            d.ack();
            done.incrementAndGet();
        }));
        await.until("all 30 are handled", done::get, n -> n == 30);
        assertThat(overlapInGroup.get()).as("deliveries handed out while one of their group was unsettled").isZero();
        for (String g : List.of("a", "b", "c")) {
            assertThat(order.get(g)).as("group %s", g).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
    }

    @Test
    void aRequeuedMessageComesBackBeforeTheRestOfItsGroup() {
        start();
        sendAll(List.of(message("g", 0), message("g", 1), message("g", 2)));
        Queue<String> seen = new ConcurrentLinkedQueue<>();
        transport.receive("ordered", new ReceiveSettings(10), d -> {
            seen.add(text(d) + "#" + d.deliveryCount());
            if (text(d).equals("g:0") && d.deliveryCount() == 1) {
                d.requeue(); // a failure that sends it back: the rest of the group must wait for it
            } else {
                d.ack();
            }
        });
        await.until("four deliveries", seen::size, n -> n >= 4);
        // 1 and 2 came in the receive with 0 and went back with it unseen (SQS counts that receive): the
        // handler sees each once, after 0's second delivery
        assertThat(seen).containsExactly("g:0#1", "g:0#2", "g:1#2", "g:2#2");
    }

    @Test
    void aDelayToAFifoEndpointFailsSayingToConfigureADurableScheduler() {
        start();
        OutgoingMessage m = message("g", 0);
        assertThatThrownBy(() -> transport.nativeScheduler().orElseThrow().schedule(
                java.time.Instant.now().plusSeconds(30), Address.queue("ordered"), m))
                .isInstanceOf(TransportException.class).hasMessageContaining("no per-message delay")
                .hasMessageContaining("durable scheduler");
        assertThat(transport.send(Address.queue("ordered"), m.withDue(java.time.Instant.now().plusSeconds(30))))
                .failsWithin(Duration.ofSeconds(5)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(TransportException.class).withMessageContaining("durable scheduler");
    }

    @Test
    void aFifoSendDueWithinASecondGoesAtOnceAndIsHeldUntilDue() {
        start();
        Queue<Long> at = new ConcurrentLinkedQueue<>();
        transport.receive("ordered", new ReceiveSettings(10), d -> {
            at.add(System.currentTimeMillis());
            d.ack();
        });
        long due = System.currentTimeMillis() + 800;
        transport.send(Address.queue("ordered"), message("g", 0).withDue(java.time.Instant.ofEpochMilli(due))).join();
        await.until("the message arrives", () -> !at.isEmpty());
        assertThat(at.peek()).as("arrival (epoch ms) against its due time %d", due).isGreaterThanOrEqualTo(due)
                .isLessThan(due + 2000);
    }
}
