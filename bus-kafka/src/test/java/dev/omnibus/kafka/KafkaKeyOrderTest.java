package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Key-ordered concurrency inside a partition: records of one key never run at once and run in
 * order; records of different keys run at once, far beyond the partition count. Real broker.
 */
class KafkaKeyOrderTest {
    record Step(String key, int seq) {
    }

    private final String prefix = "ko-" + RunIds.next() + ".";

    @AfterEach
    void cleanUp() {
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    @Test
    void tenThousandRecordsOverFourPartitionsAndFiftyKeysRunInOrderPerKeyAndBeyondThePartitionCount() {
        int keys = 50;
        int perKey = 200;
        int partitions = 4;
        Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> runningPerKey = new ConcurrentHashMap<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger overlapsOfOneKey = new AtomicInteger();
        AtomicInteger total = new AtomicInteger();
        List<String> keyNames = IntStream.range(0, keys).mapToObj(i -> "key-" + i).toList();
        keyNames.forEach(k -> {
            seen.put(k, Collections.synchronizedList(new ArrayList<>()));
            runningPerKey.put(k, new AtomicInteger());
        });
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(partitions).build();
        try (Bus bus = Bus.builder().transport(transport).name("ko-" + RunIds.next())
                .receiveEndpoint("steps", e -> e.concurrency(32).prefetch(256).consumer(Step.class, ctx -> {
                    String key = ctx.message().key();
                    if (runningPerKey.get(key).incrementAndGet() > 1) {
                        overlapsOfOneKey.incrementAndGet();
                    }
                    maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        Thread.sleep(ThreadLocalRandom.current().nextInt(1, 6)); // 1–5 ms of work
                    } finally {
                        running.decrementAndGet();
                        runningPerKey.get(key).decrementAndGet();
                    }
                    seen.get(key).add(ctx.message().seq());
                    total.incrementAndGet();
                }))
                .start()) {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int seq = 0; seq < perKey; seq++) {
                for (String key : keyNames) {
                    sent.add(bus.send(Address.queue("steps"), new Step(key, seq), SendOptions.defaults().withPartitionKey(key)));
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            Await.atMost(Duration.ofSeconds(120)).until(keys * perKey + " records consumed", total::get,
                    n -> n >= keys * perKey);

            List<Integer> expected = IntStream.range(0, perKey).boxed().toList();
            for (String key : keyNames) {
                assertThat(List.copyOf(seen.get(key))).as("sequence of %s", key).containsExactlyElementsOf(expected);
            }
            assertThat(overlapsOfOneKey).as("times two records of one key ran at once").hasValue(0);
            assertThat(maxRunning.get()).as("most records running at once (partitions: %d)", partitions)
                    .isGreaterThan(partitions * 2);
            assertThat(total).as("records consumed (none twice)").hasValue(keys * perKey);
        }
    }
}
