package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.EndpointHealth;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RabbitMQ's {@code consumer_timeout} counts from the broker's delivery, so deliveries prefetched by
 * the bus and waiting behind a slow consumer would trip it and the broker would close the consuming
 * channel. The bus gives such deliveries back (requeue) after half the timeout. The broker here
 * (3.10) has no per-queue {@code x-consumer-timeout}: the test lowers the broker's
 * {@code consumer_timeout} to 3 s only while the bus opens its consuming channel (a channel reads it
 * when it opens), and the channel tick that checks it to 250 ms for the test; both are put back in
 * {@code finally}. Channels opened by others in that short window get the low timeout too.
 */
class RabbitMqConsumerTimeoutTest {
    private static final int MESSAGES = 20;

    record Slow(String run, int n) {
    }

    @BeforeAll
    static void needsControlOfTheLocalBroker() {
        RabbitCtl.requireLocalControl();
    }

    @Test
    void prefetchedDeliveriesWaitingBehindASlowConsumerDoNotTripTheBrokersConsumerTimeout() throws Exception {
        String run = RunIds.next();
        String queue = "ctimeout-" + run;
        Map<Integer, AtomicInteger> consumed = new ConcurrentHashMap<>();
        String tickBefore = RabbitCtl.env("channel_tick_interval");
        String timeoutBefore = RabbitCtl.env("consumer_timeout");
        Bus bus = null;
        try {
            RabbitCtl.setEnv("channel_tick_interval", "250");
            RabbitCtl.setEnv("consumer_timeout", "3000");
            try {
                bus = Bus.builder()
                        .transport(RabbitFixture.builder().consumerTimeout(Duration.ofSeconds(3)).build())
                        .name("ctimeout-" + run)
                        .receiveEndpoint(queue, e -> e.concurrency(1).prefetch(MESSAGES).consumer(Slow.class, c -> {
                            consumed.computeIfAbsent(c.message().n(), k -> new AtomicInteger()).incrementAndGet();
                            Thread.sleep(250); // the slow consumer's work, not a wait for anything
                        }))
                        .start();
            } finally {
                RabbitCtl.restoreEnv("consumer_timeout", timeoutBefore);
            }
            for (int i = 0; i < MESSAGES; i++) {
                bus.send(Address.queue(queue), new Slow(run, i)).join();
            }
            Bus b = bus;
            Await.atMost(Duration.ofSeconds(60)).until("every message consumed", () -> consumed.size() == MESSAGES);

            EndpointHealth health = b.health().endpoints().stream().filter(h -> h.endpoint().equals(queue)).findFirst()
                    .orElseThrow();
            assertThat(health.recoveries()).as("times the broker closed the consuming channel (last error: "
                    + health.lastError() + ")").isZero();
            assertThat(consumed.values()).as("each message consumed once").allMatch(c -> c.get() == 1);
        } finally {
            if (bus != null) {
                bus.close();
            }
            RabbitCtl.restoreEnv("consumer_timeout", timeoutBefore);
            RabbitCtl.restoreEnv("channel_tick_interval", tickBefore);
        }
    }
}
