package dev.omnibus.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Delayed redelivery on a FIFO endpoint keeps the message's place in its group: the failed message is
 * requeued in place (its visibility set to the delay), so SQS gives the group nothing more until it is
 * done, and its redelivery count is kept by the bus because the broker's copy cannot carry a raised one.
 */
class SqsFifoRedeliveryTest {
    record Step(String group, int seq) {
    }

    private final String prefix = "fr-" + RunIds.next() + "-";
    private final Await await = Await.atMost(Duration.ofSeconds(60));
    private Bus bus;

    @AfterEach
    void cleanUp() {
        if (bus != null) {
            bus.close();
        }
        SqsFixture.deleteQueuesWithPrefix(prefix);
    }

    private SqsTransport transport() {
        return SqsTransport.builder().withoutSns().endpoint(SqsFixture.endpoint().toString()).region(AwsTestClients.REGION.id())
                .credentials(AwsTestClients.CREDENTIALS).queuePrefix(prefix).waitTimeSeconds(1).fifo("steps").build();
    }

    private void sendAll(List<Step> steps) {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (Step s : steps) {
            sent.add(bus.send(Address.queue("steps"), s, SendOptions.defaults().withPartitionKey(s.group())));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    }

    @Test
    void aRedeliveredMessageKeepsItsPlaceInItsGroup() {
        Queue<String> events = new ConcurrentLinkedQueue<>();
        Map<Integer, Long> failedAt = new ConcurrentHashMap<>();
        Map<Integer, Long> retriedAt = new ConcurrentHashMap<>();
        AtomicInteger done = new AtomicInteger();
        bus = Bus.builder().transport(transport())
                .receiveEndpoint("steps", e -> e.concurrency(8).redelivery(Retry.interval(1, Duration.ofSeconds(2)))
                        .handler(Step.class, ctx -> {
                            int seq = ctx.message().seq();
                            events.add("start " + seq + " r" + ctx.redeliveryCount());
                            if (seq == 0 && ctx.redeliveryCount() == 0) {
                                failedAt.put(seq, System.nanoTime());
                                throw new IllegalStateException("the first delivery of 0 fails");
                            }
                            if (seq == 0) {
                                retriedAt.put(seq, System.nanoTime());
                            }
                            events.add("done " + seq);
                            done.incrementAndGet();
                        }))
                .build();
        bus.start();
        sendAll(List.of(new Step("g", 0), new Step("g", 1), new Step("g", 2)));
        await.until("all 3 are consumed", done::get, n -> n == 3);
        assertThat(events).containsExactly("start 0 r0", "start 0 r1", "done 0", "start 1 r0", "done 1", "start 2 r0",
                "done 2");
        long waitedMillis = (retriedAt.get(0) - failedAt.get(0)) / 1_000_000;
        // the delay is SQS's visibility (whole seconds): not before 2 s, and not a poll cycle or two after
        assertThat(waitedMillis).as("ms between the failure and the redelivery").isBetween(1_900L, 6_000L);
    }

    @Test
    void spentRedeliveriesEndTheMessageAndTheNextOfItsGroupGetsItsOwnRedeliveries() {
        Map<Integer, AtomicInteger> calls = new ConcurrentHashMap<>();
        Queue<String> events = new ConcurrentLinkedQueue<>();
        AtomicInteger faulted = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        bus = Bus.builder().transport(transport())
                .receiveEndpoint("steps", e -> e.concurrency(4).redelivery(Retry.interval(2, Duration.ofSeconds(1)))
                        .handler(Step.class, ctx -> {
                            int seq = ctx.message().seq();
                            int call = calls.computeIfAbsent(seq, k -> new AtomicInteger()).incrementAndGet();
                            events.add(seq + "#" + call + " r" + ctx.redeliveryCount());
                            if (seq == 0 || seq == 1 && call == 1) {
                                throw new IllegalStateException("step " + seq + " fails (call " + call + ")");
                            }
                            done.incrementAndGet();
                        }))
                .observer(new dev.omnibus.spi.BusObserver() {
                    @Override
                    public void deadLettered(String endpoint, dev.omnibus.spi.Delivery.DeadLetterQueue queue, dev.omnibus.Envelope envelope,
                            Object message, String reason) {
                        faulted.incrementAndGet();
                    }
                })
                .build();
        bus.start();
        sendAll(List.of(new Step("g", 0), new Step("g", 1)));
        await.until("1 is consumed", done::get, n -> n == 1);
        // 0: the first delivery and two redeliveries, then _error; only then 1, whose first call fails and whose
        // redelivery is its own (its returns to SQS while 0 waited do not count against it)
        assertThat(events).containsExactly("0#1 r0", "0#2 r1", "0#3 r2", "1#1 r0", "1#2 r1");
        assertThat(faulted.get()).as("messages moved to _error").isEqualTo(1);
    }
}
