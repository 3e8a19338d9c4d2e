package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Envelope;
import dev.omnibus.Retry;
import dev.omnibus.spi.BusObserver;
import dev.omnibus.spi.Delivery;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * In-process retries stop when the delivery's lease lapses: SQS hands the message out again, so
 * retrying the first copy would run the consumer twice at once and end in a fault for a message that
 * is still alive. Visibility timeout 2 s, leases extended for at most 4 s, retries every second for 12 s.
 */
class SqsLapsedRetryTest {
    record Work(String id) {
    }

    private final String prefix = "lr-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(40));
    private Bus bus;

    @AfterEach
    void cleanUp() {
        if (bus != null) {
            bus.close();
        }
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }

    @Test
    void retriesOfALapsedDeliveryStopAndTheMessageComesBackOnce() {
        AtomicInteger firstDeliveryCalls = new AtomicInteger();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger deadLettered = new AtomicInteger();
        SqsTransport transport = SqsTransport.builder().withoutSns().endpoint(SqsFixture.endpoint().toString())
                .region(AwsTestClients.REGION.id()).credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix)
                .waitTimeSeconds(1).visibilityTimeout(Duration.ofSeconds(2)).maxLeaseExtension(Duration.ofSeconds(4))
                .build();
        bus = Bus.builder().transport(transport)
                .receiveEndpoint("lapsing", e -> e.concurrency(2).retry(Retry.interval(12, Duration.ofSeconds(1)))
                        .handler(Work.class, ctx -> {
                            if (running.incrementAndGet() > 1) {
                                overlaps.incrementAndGet();
                            }
                            try {
                                if (!ctx.redelivered()) {
                                    firstDeliveryCalls.incrementAndGet();
                                    throw new IllegalStateException("the first delivery always fails");
                                }
                                succeeded.incrementAndGet();
                            } finally {
                                running.decrementAndGet();
                            }
                        }))
                .observer(new BusObserver() {
                    @Override
                    public void deadLettered(String endpoint, Delivery.DeadLetterQueue queue, Envelope envelope, Object message,
                            String reason) {
                        deadLettered.incrementAndGet();
                    }
                })
                .build();
        bus.start();
        bus.send(Address.queue("lapsing"), new Work("w1")).join();
        await.until("the redelivered copy succeeds", succeeded::get, n -> n == 1);
        // let the first copy's 12 s of retries run out if they were still going
        long after = System.nanoTime();
        await.until("10 s pass", () -> System.nanoTime() - after >= Duration.ofSeconds(10).toNanos());
        // the lease lapses 4-6 s after receipt: about 4 to 6 one-second retries, never the 13 calls of all of them
        assertThat(firstDeliveryCalls.get()).as("calls on the first delivery").isBetween(3, 8);
        assertThat(overlaps.get()).as("calls started while another ran").isZero();
        assertThat(deadLettered.get()).as("moves to _error").isZero();
        assertThat(succeeded.get()).isEqualTo(1);
    }
}
