package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import dev.omnibus.Bus;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker application is stopped ({@code rabbitmqctl stop_app}) while thousands of durable,
 * persistent, confirmed messages wait in the endpoint's queue and some are unacknowledged in the
 * consumer's hands, and both counts are asserted just before the stop: the queue's ready count from a
 * passive {@code queue.declare}, the in-hand count from the consumer itself. After {@code start_app}
 * every confirmed message (those from before the stop, and more published after it, an attempt that
 * failed published again as an application would) must be consumed at least once; the test prints
 * how many were consumed more than once (the unacknowledged ones come again: at-least-once).
 */
class BrokerRestartTest {
    private static final int BEFORE = 5_000;
    private static final int AFTER = 1_000;
    private static final int CONCURRENCY = 4;
    private static final int PREFETCH = 64;
    private static final int BATCH = 250;

    record Numbered(String run, int n) {
    }

    @BeforeAll
    static void needsControlOfTheLocalBroker() {
        RabbitCtl.requireLocalControl();
    }

    @AfterAll
    static void brokerIsBackUp() {
        RabbitCtl.ensureRunning();
    }

    @Test
    void everyConfirmedMessageQueuedOrUnacknowledgedAtTheStopIsConsumedAfterTheRestart() throws Exception {
        String run = RunIds.next();
        String queue = "restart-" + run;
        Map<Integer, AtomicInteger> consumed = new ConcurrentHashMap<>();
        Set<Integer> confirmed = ConcurrentHashMap.newKeySet();
        AtomicInteger inHand = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger failedAttempts = new AtomicInteger();
        long start = System.nanoTime();
        try (Bus bus = Bus.builder()
                .transport(RabbitFixture.builder().recoveryInterval(Duration.ofMillis(500)).build())
                .name("restart-" + run)
                .receiveEndpoint(queue, e -> e.concurrency(CONCURRENCY).prefetch(PREFETCH).consumer(Numbered.class, ctx -> {
                    if (!ctx.message().run().equals(run) || ctx.message().n() < 0) { // another run, or a probe
                        return;
                    }
                    consumed.computeIfAbsent(ctx.message().n(), k -> new AtomicInteger()).incrementAndGet();
                    if (release.getCount() > 0) { // hold the delivery, unacknowledged, until the broker is down
                        inHand.incrementAndGet();
                        try {
                            release.await(120, TimeUnit.SECONDS);
                        } finally {
                            inHand.decrementAndGet();
                        }
                    }
                }))
                .start()) {
            publishConfirmed(bus, run, 0, BEFORE, confirmed, failedAttempts);
            assertThat(confirmed).as("confirmed before the stop").hasSize(BEFORE);
            Await.atMost(Duration.ofSeconds(30)).until("the consumer holds " + CONCURRENCY + " deliveries",
                    () -> inHand.get() == CONCURRENCY);

            int ready = readyCount(queue);
            int holding = inHand.get();
            System.out.printf("[restart] at stop_app: %d ready in the queue, %d in the consumer's hands, %d more "
                    + "prefetched and unacknowledged%n", ready, holding, BEFORE - ready - holding);
            assertThat(ready).as("messages ready in the queue at the stop").isGreaterThanOrEqualTo(BEFORE - PREFETCH - CONCURRENCY);
            assertThat(holding).as("deliveries in the consumer's hands (unacknowledged) at the stop").isEqualTo(CONCURRENCY);

            long stop = System.nanoTime();
            RabbitCtl.must(Duration.ofSeconds(60), "stop_app");
            release.countDown(); // their acks cannot reach the broker: they come again after the restart
            RabbitCtl.must(Duration.ofSeconds(90), "start_app");
            System.out.printf("[restart] stop_app + start_app took %d ms%n", (System.nanoTime() - stop) / 1_000_000);

            publishConfirmed(bus, run, BEFORE, AFTER, confirmed, failedAttempts);
            Await.atMost(Duration.ofSeconds(120)).until("every confirmed message consumed at least once",
                    () -> missing(confirmed, consumed), List::isEmpty);

            int duplicated = (int) consumed.values().stream().filter(c -> c.get() > 1).count();
            System.out.printf("[restart] %d messages confirmed (%d before the stop), %d consumed at least once, %d consumed "
                    + "more than once, %d publish attempts failed (published again), %d ms in all%n",
                    confirmed.size(), BEFORE, consumed.size(), duplicated, failedAttempts.get(),
                    (System.nanoTime() - start) / 1_000_000);
            assertThat(confirmed).as("messages confirmed").hasSize(BEFORE + AFTER);
            assertThat(consumed.keySet()).as("numbers consumed").containsAll(confirmed);
            assertThat(duplicated).as("at least the deliveries held at the stop come again").isGreaterThanOrEqualTo(CONCURRENCY);
        } finally {
            release.countDown();
            RabbitCtl.ensureRunning();
        }
    }

    /** The queue's ready count, from a passive declare on a plain connection. */
    private static int readyCount(String queue) throws Exception {
        try (Connection c = RabbitFixture.plainFactory().newConnection("restart-test-count");
                Channel ch = c.createChannel()) {
            return ch.queueDeclarePassive(queue).getMessageCount();
        }
    }

    /** Publishes from..from+count-1 in batches until each is confirmed; a failed one goes into the next batch. */
    private static void publishConfirmed(Bus bus, String run, int from, int count, Set<Integer> confirmed,
            AtomicInteger failedAttempts) {
        List<Integer> next = new ArrayList<>();
        int n = from;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (n < from + count || !next.isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("publishing gave up: " + confirmed.size() + " confirmed");
            }
            while (next.size() < BATCH && n < from + count) {
                next.add(n++);
            }
            List<Integer> batch = next;
            next = new ArrayList<>();
            List<CompletableFuture<Void>> futures = new ArrayList<>(batch.size());
            for (int i : batch) {
                CompletableFuture<Void> f;
                try {
                    f = bus.publish(new Numbered(run, i));
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                futures.add(f);
            }
            for (int k = 0; k < batch.size(); k++) {
                try {
                    Await.atMost(Duration.ofSeconds(60)).done("a publish", futures.get(k)).join();
                    confirmed.add(batch.get(k));
                } catch (RuntimeException e) {
                    failedAttempts.incrementAndGet();
                    next.add(batch.get(k));
                }
            }
            if (!next.isEmpty()) { // the connection is still recovering: wait for it rather than spin
                Await.atMost(Duration.ofSeconds(60)).until("a publish goes through again",
                        () -> bus.publish(new Numbered(run, -1)).handle((ok, e) -> e == null).join());
            }
        }
    }

    private static List<Integer> missing(Set<Integer> confirmed, Map<Integer, AtomicInteger> consumed) {
        return confirmed.stream().filter(i -> !consumed.containsKey(i)).limit(20).toList();
    }
}
