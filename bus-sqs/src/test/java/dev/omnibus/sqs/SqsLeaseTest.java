package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Headers;
import dev.omnibus.Retry;
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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Leases on ElasticMQ ({@link SqsFixture}), visibility timeout 2 s: the heartbeat keeps a slow
 * consumer's and a retrying consumer's message invisible, so it runs once (its retries included)
 * and is never redelivered; at {@code maxLeaseExtension} the delivery lapses and SQS hands the
 * message out again.
 */
class SqsLeaseTest {
    record Work(String id) {
    }

    private final String prefix = "le-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(40));
    private Bus bus;
    private SqsTransport raw;

    @AfterEach
    void cleanUp() {
        if (bus != null) {
            bus.close();
        }
        if (raw != null) {
            raw.close();
        }
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }

    private SqsTransportBuilder transport() {
        return SqsTransport.builder().withoutSns().endpoint(SqsFixture.endpoint().toString()).region(AwsTestClients.REGION.id())
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1)
                .visibilityTimeout(Duration.ofSeconds(2));
    }

    /** Messages SQS holds in the endpoint's queue in any state. */
    private int inSqs(String endpoint) {
        String url = SqsFixture.client().getQueueUrl(b -> b.queueName(prefix + endpoint)).queueUrl();
        Map<QueueAttributeName, String> a = SqsFixture.client().getQueueAttributes(b -> b.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return a.values().stream().mapToInt(Integer::parseInt).sum();
    }

    private static void work(Duration d) {
        try {
            Thread.sleep(d.toMillis()); // the consumer's own slow work
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aConsumerSlowerThanTheVisibilityTimeoutProcessesItsMessageOnce() {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        bus = Bus.builder().transport(transport().build())
                .receiveEndpoint("slow", e -> e.concurrency(4).handler(Work.class, ctx -> {
                    runs.incrementAndGet();
                    work(Duration.ofSeconds(6)); // three visibility timeouts
                    done.incrementAndGet();
                }))
                .build();
        bus.start();
        bus.send(Address.queue("slow"), new Work("w1")).join();
        await.until("the consumer finished", done::get, n -> n == 1);
        await.until("the message is deleted from SQS", () -> inSqs("slow") == 0);
        long after = System.nanoTime();
        // two more visibility timeouts: a message still in SQS (only invisible) would come back now
        await.until("4 s pass after the delete", () -> System.nanoTime() - after >= TimeUnit.SECONDS.toNanos(4));
        assertThat(runs.get()).as("executions of the slow consumer").isEqualTo(1);
        assertThat(inSqs("slow")).isZero();
    }

    @Test
    void retriesLongerThanTheVisibilityTimeoutRunUnderOneLease() {
        AtomicInteger attempts = new AtomicInteger();
        bus = Bus.builder().transport(transport().build())
                .receiveEndpoint("retried", e -> e.concurrency(2).retry(Retry.interval(3, Duration.ofMillis(1500)))
                        .handler(Work.class, ctx -> {
                            if (attempts.incrementAndGet() < 4) {
                                throw new IllegalStateException("attempt " + attempts.get() + " fails");
                            }
                        }))
                .build();
        bus.start();
        bus.send(Address.queue("retried"), new Work("r1")).join();
        await.until("the fourth attempt succeeded and the message is deleted",
                () -> attempts.get() == 4 && inSqs("retried") == 0);
        long after = System.nanoTime();
        await.until("4 s pass after the delete", () -> System.nanoTime() - after >= TimeUnit.SECONDS.toNanos(4));
        // 4.5 s of retry intervals with a 2 s visibility timeout: without the heartbeat SQS would have
        // handed the message to a second worker meanwhile, and attempts would exceed 4
        assertThat(attempts.get()).as("attempts (1 + 3 retries), all under the first lease").isEqualTo(4);
        assertThat(SqsFixture.client().listQueues(b -> b.queueNamePrefix(prefix + "retried_error")).queueUrls().stream()
                .mapToInt(u -> Integer.parseInt(SqsFixture.client().getQueueAttributes(b -> b.queueUrl(u).attributeNames(
                        QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                        .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))).sum()).as("messages in _error").isZero();
    }

    @Test
    void atTheMaximumExtensionTheDeliveryLapsesAndSqsHandsTheMessageOutAgain() {
        raw = transport().maxLeaseExtension(Duration.ofSeconds(4)).build();
        raw.start(new TransportContext(BusClock.system(), "le"));
        raw.declareEndpoint(new EndpointTopology("capped", List.of(), false));
        Queue<Delivery> seen = new ConcurrentLinkedQueue<>();
        Queue<Long> at = new ConcurrentLinkedQueue<>();
        raw.receive("capped", new ReceiveSettings(10), d -> {
            seen.add(d);
            at.add(System.nanoTime());
        });
        raw.send(Address.queue("capped"), new OutgoingMessage("x".getBytes(StandardCharsets.UTF_8),
                Headers.of(Map.of(OutgoingMessage.MESSAGE_ID, "c1")), null, null)).join();
        await.until("the second delivery", seen::size, n -> n == 2);
        Delivery first = seen.poll();
        Delivery second = seen.poll();
        long gapMillis = TimeUnit.NANOSECONDS.toMillis(List.copyOf(at).get(1) - List.copyOf(at).get(0));
        // extended for 4 s after receipt, the last extension lasting up to 2 s more; marked lapsed up to
        // one beat (1 s) before its lease ends
        assertThat(gapMillis).as("ms from the first delivery to the second").isBetween(4000L, 6000L + 2500L);
        assertThat(first.isValid()).as("the first delivery, past the maximum").isFalse();
        assertThat(second.deliveryCount()).isEqualTo(2);
        first.ack().toCompletableFuture().join(); // lapsed: does nothing
        assertThat(second.isValid()).isTrue();
        second.ack().toCompletableFuture().join();
        await.until("the message is deleted", () -> inSqs("capped") == 0);
    }
}
