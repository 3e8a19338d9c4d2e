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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FIFO endpoints through the whole bus on ElasticMQ ({@link SqsFixture}): order per message group with
 * concurrency 8, groups in parallel, SQS's deduplication of a message id, and a group waiting for its
 * failed message's retry.
 */
class SqsFifoTest {
    /** A message of a group, with its place in the group. */
    record Step(String group, int seq) {
    }

    private final String prefix = "ff-" + RunIds.next() + "-";
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

    /** Messages of 4 groups, interleaved, each group's in order. */
    private static List<Step> interleaved(int groups, int perGroup) {
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < perGroup; i++) {
            for (int g = 0; g < groups; g++) {
                out.add(new Step("g" + g, i));
            }
        }
        return out;
    }

    private static void work(long millis) {
        try {
            Thread.sleep(millis); // the consumer's own work, not a wait for anything
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void eachGroupIsConsumedInOrderWithConcurrencyEight() {
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        AtomicInteger count = new AtomicInteger();
        bus = Bus.builder().transport(transport())
                .receiveEndpoint("steps", e -> e.concurrency(8).handler(Step.class, ctx -> {
                    Step s = ctx.message();
                    work((s.seq() * 7L + s.group().hashCode()) % 25); // uneven work, so overtaking would show
                    seen.computeIfAbsent(s.group(), k -> Collections.synchronizedList(new ArrayList<>())).add(s.seq());
                    count.incrementAndGet();
                }))
                .build();
        bus.start();
        sendAll(interleaved(4, 15));
        await.until("all 60 are consumed", count::get, n -> n == 60);
        assertThat(seen).hasSize(4);
        List<Integer> inOrder = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            inOrder.add(i);
        }
        seen.forEach((group, seqs) -> assertThat(seqs).as("group %s", group).containsExactlyElementsOf(inOrder));
    }

    @Test
    void groupsRunInParallelAndOneMessageOfAGroupAtATime() {
        Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger overlapped = new AtomicInteger();
        AtomicInteger groupOverlap = new AtomicInteger();
        AtomicInteger count = new AtomicInteger();
        bus = Bus.builder().transport(transport())
                .receiveEndpoint("steps", e -> e.concurrency(8).handler(Step.class, ctx -> {
                    AtomicInteger mine = running.computeIfAbsent(ctx.message().group(), k -> new AtomicInteger());
                    if (mine.incrementAndGet() > 1) {
                        groupOverlap.incrementAndGet();
                    }
                    if (inFlight.incrementAndGet() > 1) {
                        overlapped.incrementAndGet(); // started while a message (of another group) ran
                    }
                    work(300);
                    inFlight.decrementAndGet();
                    mine.decrementAndGet();
                    count.incrementAndGet();
                }))
                .build();
        bus.start();
        sendAll(interleaved(4, 3));
        await.until("all 12 are consumed", count::get, n -> n == 12);
        assertThat(groupOverlap.get()).as("starts while another message of the same group ran").isZero();
        // 4 groups of 3 at 300 ms each: run one at a time, nothing overlaps; in parallel, most do
        assertThat(overlapped.get()).as("starts while another group's message ran").isGreaterThanOrEqualTo(4);
    }

    @Test
    void aMessageSentTwiceWithinTheDeduplicationWindowIsConsumedOnce() {
        Queue<Step> seen = new ConcurrentLinkedQueue<>();
        bus = Bus.builder().transport(transport())
                .receiveEndpoint("steps", e -> e.concurrency(4).handler(Step.class, ctx -> seen.add(ctx.message())))
                .build();
        bus.start();
        UUID id = UUID.randomUUID();
        SendOptions once = SendOptions.defaults().withMessageId(id).withPartitionKey("g");
        bus.send(Address.queue("steps"), new Step("g", 1), once).join();
        bus.send(Address.queue("steps"), new Step("g", 1), once).join();
        // the marker follows in the same group: once it is consumed, a second copy would have been too
        bus.send(Address.queue("steps"), new Step("g", 2), SendOptions.defaults().withPartitionKey("g")).join();
        await.until("the marker is consumed", () -> seen.contains(new Step("g", 2)));
        assertThat(seen).containsExactly(new Step("g", 1), new Step("g", 2));
    }

    @Test
    void afterAFailureTheGroupsNextMessageWaitsUntilTheFailedOneIsDone() {
        Queue<String> events = new ConcurrentLinkedQueue<>();
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger count = new AtomicInteger();
        bus = Bus.builder().transport(transport())
                .receiveEndpoint("steps", e -> e.concurrency(8).retry(Retry.interval(1, Duration.ofMillis(500)))
                        .handler(Step.class, ctx -> {
                            Step s = ctx.message();
                            events.add("start " + s.seq());
                            if (s.seq() == 0 && attempts.incrementAndGet() == 1) {
                                events.add("fail " + s.seq());
                                throw new IllegalStateException("first attempt of 0 fails");
                            }
                            work(50);
                            events.add("done " + s.seq());
                            count.incrementAndGet();
                        }))
                .build();
        bus.start();
        sendAll(List.of(new Step("g", 0), new Step("g", 1), new Step("g", 2)));
        await.until("all 3 are consumed", count::get, n -> n == 3);
        assertThat(events).containsExactly("start 0", "fail 0", "start 0", "done 0", "start 1", "done 1", "start 2",
                "done 2");
    }
}
