package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.EndpointTopology;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.TransportContext;
import dev.omnibus.testing.RunIds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * Single sends to a standard queue share {@code SendMessageBatch} calls when many are in flight, and
 * cost one call with no wait when alone ({@link SendCoalescer}). Against ElasticMQ; the calls are
 * counted by an SDK interceptor on the transport's own client.
 */
class SqsSendCoalescingTest {
    private final String prefix = "co-" + RunIds.next() + "-";
    private final CountingInterceptor calls = new CountingInterceptor();
    private final List<AutoCloseable> open = new ArrayList<>();
    private SqsTransport transport;

    @AfterEach
    void cleanUp() throws Exception {
        if (transport != null) {
            transport.close();
        }
        for (AutoCloseable c : open) {
            c.close();
        }
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }

    private String start() {
        return start(Duration.ZERO);
    }

    private String start(Duration linger) {
        var sqs = calls.sqs(SqsFixture.endpoint());
        open.add(sqs);
        transport = SqsTransport.builder().client(sqs).withoutSns().queuePrefix(prefix).waitTimeSeconds(1)
                .sendLinger(linger).build();
        transport.start(new TransportContext(BusClock.system(), "co-" + RunIds.next()));
        transport.declareEndpoint(new EndpointTopology("orders", List.of(), false));
        return SqsFixture.client().getQueueUrl(b -> b.queueName(QueueNames.queueName(prefix, "orders"))).queueUrl();
    }

    private static OutgoingMessage message(String id) {
        return new OutgoingMessage(id.getBytes(StandardCharsets.UTF_8), Headers.of(OutgoingMessage.CONTENT_TYPE, "text/plain"),
                null, null);
    }

    private static Set<String> drain(String url, int expected) {
        Set<String> got = new HashSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (got.size() < expected && System.nanoTime() < deadline) {
            for (Message m : SqsFixture.client().receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages()) {
                got.add(m.body());
                SqsFixture.client().deleteMessage(b -> b.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
        return got;
    }

    @Test
    void aLoneSendIsOneCallAndLeavesAtOnce() throws Exception {
        String url = start();
        int before = calls.sends();
        long t0 = System.nanoTime();
        transport.send(Address.queue("orders"), message("alone")).get(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(calls.sends() - before).isEqualTo(1);
        assertThat(ms).as("no batching wait for a lone send").isLessThan(2_000);
        assertThat(drain(url, 1)).containsExactly("alone");
    }

    @Test
    void manyConcurrentSendsShareBatchCallsAndEachArrivesOnce() throws Exception {
        String url = start();
        int n = 300;
        int before = calls.sends();
        Semaphore window = new Semaphore(100);
        List<CompletableFuture<Void>> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            window.acquire();
            all.add(transport.send(Address.queue("orders"), message("m" + i)).whenComplete((v, e) -> window.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        int used = calls.sends() - before;
        // at best ten a call (30); a few lone calls while the first ones are unanswered; far from one each
        assertThat(used).as("send calls for %d messages", n).isBetween(n / SendBatches.MAX_ENTRIES, n / 5);
        Set<String> got = drain(url, n);
        assertThat(got).hasSize(n);
    }

    @Test
    void withALingerSingleSendsCostATenthOfACallEachAsBatchesOfTen() throws Exception {
        String url = start(Duration.ofMillis(50));
        int before = calls.sends();
        // 30 bursts of 10 single sends, each burst awaited: without a linger the first sends of every burst
        // leave alone (4 calls in flight before any waits), about half a call a message
        for (int burst = 0; burst < 30; burst++) {
            List<CompletableFuture<Void>> sent = new ArrayList<>(10);
            for (int i = 0; i < 10; i++) {
                sent.add(transport.send(Address.queue("orders"), message("l" + burst + "-" + i)));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        int used = calls.sends() - before;
        assertThat(used).as("send calls for 30 bursts of 10 with a 50 ms linger").isBetween(30, 33);
        assertThat(drain(url, 300)).hasSize(300);
    }

    @Test
    void withALingerALoneSendWaitsForItThenLeavesAlone() throws Exception {
        String url = start(Duration.ofMillis(200));
        transport.send(Address.queue("orders"), message("warm-up")).get(10, TimeUnit.SECONDS); // queue URL, connection
        int before = calls.sends();
        long t0 = System.nanoTime();
        transport.send(Address.queue("orders"), message("alone")).get(10, TimeUnit.SECONDS);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(calls.sends() - before).isEqualTo(1);
        assertThat(ms).as("ms before a lone send left, with a 200 ms linger").isBetween(190L, 2_000L);
        assertThat(drain(url, 2)).containsExactlyInAnyOrder("warm-up", "alone");
    }

    @Test
    void withoutSnsAPublishFailsClearlyAndMakesNoCall() throws Exception {
        start();
        int before = calls.sends();
        String urn = "urn:message:test:Anything";
        CompletableFuture<Void> f = transport.publish(new dev.omnibus.MessageType(urn, Object.class, Object.class, List.of(urn)),
                message("p"));
        assertThat(f).failsWithin(Duration.ofSeconds(5)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .withCauseInstanceOf(dev.omnibus.TransportException.class).withMessageContaining("withoutSns()");
        assertThat(calls.sends()).isEqualTo(before);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SqsTransport.builder().withoutSns()
                        .snsEndpoint("http://127.0.0.1:1").build())
                .isInstanceOf(dev.omnibus.ConfigurationException.class).hasMessageContaining("withoutSns()");
    }
}
