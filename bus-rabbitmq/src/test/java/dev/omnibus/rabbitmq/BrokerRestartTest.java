package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Bus;
import dev.omnibus.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * While a producer publishes 10,000 messages and a consumer consumes them, the broker application
 * is stopped and started ({@code rabbitmqctl stop_app} / {@code start_app}). Every message whose
 * publish future completed successfully must be consumed at least once; the test prints how many
 * were consumed more than once and how many publish attempts failed. The producer publishes
 * batches of 100 at 1,000 messages a second (so the restart falls in the middle of the run) and
 * publishes a failed message again in its next batch, as an application would, so the run ends
 * with every message confirmed.
 */
class BrokerRestartTest {
    private static final int TOTAL = 10_000;
    private static final int BATCH = 100;
    /** The producer's pace: 1,000 messages a second, so the restart comes in the middle of the run. */
    private static final long NANOS_PER_BATCH = Duration.ofMillis(100).toNanos();

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
    void everyConfirmedMessageIsConsumedAcrossABrokerRestart() {
        String run = dev.omnibus.testing.RunIds.next();
        String queue = "restart-" + run;
        Map<Integer, AtomicInteger> consumed = new ConcurrentHashMap<>();
        Set<Integer> confirmed = ConcurrentHashMap.newKeySet();
        AtomicInteger failedAttempts = new AtomicInteger();
        AtomicInteger redelivered = new AtomicInteger();
        long start = System.nanoTime();
        try (Bus bus = Bus.builder()
                .transport(RabbitFixture.builder().recoveryInterval(Duration.ofMillis(500)).build())
                .name("restart-" + run)
                .receiveEndpoint(queue, e -> e.concurrency(4).consumer(Numbered.class, ctx -> {
                    if (ctx.message().run().equals(run)) {
                        consumed.computeIfAbsent(ctx.message().n(), k -> new AtomicInteger()).incrementAndGet();
                        if (ctx.redelivered()) {
                            redelivered.incrementAndGet();
                        }
                    }
                }))
                .start()) {
            CompletableFuture<Void> producer = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    produce(bus, run, confirmed, failedAttempts);
                    producer.complete(null);
                } catch (Throwable e) {
                    producer.completeExceptionally(e);
                }
            }, "restart-producer");
            t.setDaemon(true);
            t.start();

            Await.atMost(Duration.ofSeconds(60)).until("1,500 messages consumed before the restart",
                    () -> consumed.size() >= 1_500);
            long stop = System.nanoTime();
            RabbitCtl.must(Duration.ofSeconds(60), "stop_app");
            int consumedAtStop = consumed.size();
            RabbitCtl.must(Duration.ofSeconds(90), "start_app");
            System.out.printf("[restart] broker stopped after %d consumed / %d confirmed; stop_app+start_app took %d ms%n",
                    consumedAtStop, confirmed.size(), (System.nanoTime() - stop) / 1_000_000);

            Await.atMost(Duration.ofSeconds(120)).done("the producer has every message confirmed", producer).join();
            Await.atMost(Duration.ofSeconds(120)).until("every confirmed message consumed at least once",
                    () -> missing(confirmed, consumed), List::isEmpty);

            int duplicated = (int) consumed.values().stream().filter(c -> c.get() > 1).count();
            System.out.printf("[restart] %d messages confirmed, %d consumed at least once, %d consumed more than once, "
                    + "%d deliveries flagged redelivered, %d publish attempts failed (published again), %d ms in all%n",
                    confirmed.size(), consumed.size(), duplicated, redelivered.get(), failedAttempts.get(),
                    (System.nanoTime() - start) / 1_000_000);
            assertThat(confirmed).as("messages confirmed").hasSize(TOTAL);
            assertThat(consumed.keySet()).as("numbers consumed").containsAll(confirmed);
        } finally {
            RabbitCtl.ensureRunning();
        }
    }

    /** Publishes 0..TOTAL-1 in batches; a message whose future failed goes into the next batch. */
    private static void produce(Bus bus, String run, Set<Integer> confirmed, AtomicInteger failedAttempts) {
        List<Integer> next = new ArrayList<>();
        int n = 0;
        long begin = System.nanoTime();
        long deadline = begin + Duration.ofSeconds(180).toNanos();
        for (long batches = 0; confirmed.size() < TOTAL; batches++) {
            long due = begin + batches * NANOS_PER_BATCH;
            while (System.nanoTime() - due < 0) {
                LockSupport.parkNanos(due - System.nanoTime()); // pacing the load, not waiting for a result
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("producer gave up: " + confirmed.size() + " of " + TOTAL + " confirmed");
            }
            while (next.size() < BATCH && n < TOTAL) {
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
                    futures.get(k).join();
                    confirmed.add(batch.get(k));
                } catch (RuntimeException e) {
                    failedAttempts.incrementAndGet();
                    next.add(batch.get(k));
                }
            }
        }
    }

    private static List<Integer> missing(Set<Integer> confirmed, Map<Integer, AtomicInteger> consumed) {
        return confirmed.stream().filter(i -> !consumed.containsKey(i)).limit(20).toList();
    }
}
