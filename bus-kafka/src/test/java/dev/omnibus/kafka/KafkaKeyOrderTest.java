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
import java.util.concurrent.atomic.AtomicLong;
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

    /**
     * A backlog (every record in the topic before the endpoint reads) of four partitions holding one key
     * each, at concurrency 4: the window must be refilled from every partition, so the four keys run
     * side by side. Filling it from what the last poll returned (up to {@code max.poll.records} of one
     * partition) kept one key, and so one worker, busy most of the time.
     */
    @Test
    void aBacklogOfFourPartitionsWithOneKeyEachKeepsFourWorkersBusy() {
        int partitions = 4;
        int perKey = 400;
        List<String> keys = new ArrayList<>(); // one key per partition, as the producer's partitioner places them
        boolean[] taken = new boolean[partitions];
        for (int i = 0; keys.size() < partitions; i++) {
            String key = "key-" + i;
            int p = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                    key.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
            if (!taken[p]) {
                taken[p] = true;
                keys.add(key);
            }
        }
        try (Bus producer = Bus.builder().transport(KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(partitions).build()).name("ko-producer-" + RunIds.next()).start()) {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int seq = 0; seq < perKey; seq++) {
                for (String key : keys) {
                    sent.add(producer.send(Address.queue("backlog"), new Step(key, seq), SendOptions.defaults().withPartitionKey(key)));
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
        }
        AtomicLong workNanos = new AtomicLong();
        AtomicLong firstStart = new AtomicLong();
        AtomicLong lastEnd = new AtomicLong();
        AtomicInteger total = new AtomicInteger();
        Map<String, AtomicInteger> runningPerKey = new ConcurrentHashMap<>();
        AtomicInteger overlapsOfOneKey = new AtomicInteger();
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(partitions).build();
        try (Bus bus = Bus.builder().transport(transport).name("ko-" + RunIds.next())
                .receiveEndpoint("backlog", e -> e.concurrency(partitions).prefetch(32).consumer(Step.class, ctx -> {
                    AtomicInteger mine = runningPerKey.computeIfAbsent(ctx.message().key(), k -> new AtomicInteger());
                    if (mine.incrementAndGet() > 1) {
                        overlapsOfOneKey.incrementAndGet();
                    }
                    long start = System.nanoTime();
                    firstStart.compareAndSet(0, start);
                    try {
                        Thread.sleep(2); // the work
                    } finally {
                        long end = System.nanoTime();
                        workNanos.addAndGet(end - start);
                        lastEnd.accumulateAndGet(end, Math::max);
                        mine.decrementAndGet();
                        total.incrementAndGet();
                    }
                }))
                .start()) {
            Await.atMost(Duration.ofSeconds(60)).until(partitions * perKey + " records consumed", total::get,
                    n -> n >= partitions * perKey);
            double busy = (double) workNanos.get() / ((lastEnd.get() - firstStart.get()) * (double) partitions);
            System.out.printf(java.util.Locale.ROOT, "KafkaKeyOrderTest: the %d workers were busy %.0f %% of the time%n",
                    partitions, busy * 100);
            assertThat(overlapsOfOneKey).as("times two records of one key ran at once").hasValue(0);
            assertThat(busy).as("share of the workers' time spent running records").isGreaterThan(0.6);
        }
    }
}
