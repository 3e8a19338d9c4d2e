package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two buses in one consumer group, with a rebalance in the middle of a stream: nothing is lost,
 * order per key holds, and the duplicates are counted (none when a member joins: the revoked
 * partitions' records finish and are committed before the new member reads them). Real broker.
 */
class KafkaRebalanceTest {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaRebalanceTest.class);

    record Item(String key, int seq) {
    }

    record Seen(String bus, String key, int seq) {
    }

    private final String prefix = "kr-" + RunIds.next() + ".";
    private final ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
    /** Consumers take 5 ms per record while set, so the stream outlasts the rebalance the test waits for. */
    private volatile boolean slow = true;

    @AfterEach
    void cleanUp() {
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    private Bus bus(String name) {
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(4).build();
        return Bus.builder().transport(transport).name(name + "-" + RunIds.next())
                .receiveEndpoint("work", e -> e.concurrency(2).consumer(Item.class, ctx -> {
                    Thread.sleep(slow ? 5 : 0);
                    seen.add(new Seen(name, ctx.message().key(), ctx.message().seq()));
                }))
                .start();
    }

    private static List<CompletableFuture<Void>> sendRange(Bus bus, List<String> keys, int from, int to) {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int seq = from; seq < to; seq++) {
            for (String key : keys) {
                sent.add(bus.send(Address.queue("work"), new Item(key, seq), SendOptions.defaults().withPartitionKey(key)));
            }
        }
        return sent;
    }

    @Test
    void aMemberJoiningMidStreamLosesNothingKeepsOrderPerKeyAndDuplicatesNothing() {
        List<String> keys = IntStream.range(0, 20).mapToObj(i -> "k" + i).toList();
        int perKey = 300;
        try (Bus first = bus("first")) {
            List<CompletableFuture<Void>> sent = sendRange(first, keys, 0, perKey);
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            Await.atMost(Duration.ofSeconds(60)).until("the first bus consumes part of the stream", () -> seen.size() > 200);
            try (Bus second = bus("second")) {
                Await.atMost(Duration.ofSeconds(60)).until("the joining member is given partitions and consumes",
                        () -> seen.stream().anyMatch(s -> s.bus().equals("second")));
                assertThat(distinct()).as("records consumed when the second member began (the stream was not over)")
                        .isLessThan(keys.size() * perKey);
                slow = false;
                Await.atMost(Duration.ofSeconds(90)).until("every record consumed", () -> distinct() >= keys.size() * perKey);
            }
        }
        int duplicates = seen.size() - distinct();
        LOG.info("join mid-stream: {} records, {} duplicates", seen.size(), duplicates);
        assertThat(duplicates).as("duplicates on a graceful hand-off").isZero();
        assertOrderPerKey(keys, perKey);
    }

    @Test
    void aMemberLeavingMidStreamLosesNothingAndKeepsOrderPerKey() {
        List<String> keys = IntStream.range(0, 20).mapToObj(i -> "k" + i).toList();
        int perKey = 300;
        try (Bus stays = bus("stays")) {
            Bus leaves = bus("leaves");
            List<CompletableFuture<Void>> sent = sendRange(stays, keys, 0, perKey);
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            Await.atMost(Duration.ofSeconds(60)).until("the leaving bus consumes some", () -> seen.stream()
                    .anyMatch(s -> s.bus().equals("leaves")));
            leaves.close(); // graceful stop in the middle of the stream
            assertThat(distinct()).as("records consumed when the member left (the stream was not over)")
                    .isLessThan(keys.size() * perKey);
            slow = false;
            Await.atMost(Duration.ofSeconds(90)).until("every record consumed", () -> distinct() >= keys.size() * perKey);
        }
        LOG.info("leave mid-stream: {} records, {} duplicates", seen.size(), seen.size() - distinct());
        assertOrderPerKey(keys, perKey);
    }

    private int distinct() {
        Set<String> ids = new java.util.HashSet<>();
        for (Seen s : seen) {
            ids.add(s.key() + "/" + s.seq());
        }
        return ids.size();
    }

    /** Per key, the first time each sequence number was consumed is in order, and none is missing. */
    private void assertOrderPerKey(List<String> keys, int perKey) {
        Map<String, LinkedHashSet<Integer>> firsts = new HashMap<>();
        for (Seen s : seen) {
            firsts.computeIfAbsent(s.key(), k -> new LinkedHashSet<>()).add(s.seq());
        }
        List<Integer> expected = IntStream.range(0, perKey).boxed().toList();
        for (String key : keys) {
            assertThat(new ArrayList<>(firsts.get(key))).as("first consumption of each record of %s, in order", key)
                    .containsExactlyElementsOf(expected);
        }
    }
}
