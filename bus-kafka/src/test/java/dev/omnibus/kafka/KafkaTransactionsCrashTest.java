package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.ChildJvm;
import dev.omnibus.testing.RunIds;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once outputs across a SIGKILL: a transactional endpoint ({@code transactions(...)} and
 * {@code useInMemoryOutbox()}) in a child JVM turns each {@link Item} into one {@link Out} sent to
 * another topic; the child is killed with SIGKILL mid-stream and the same instance started again. A
 * {@code read_committed} reader of the output topic then sees every input's output exactly once, in
 * order per key, although the crash made the consumer run some inputs twice (counted from the
 * effects file each child appends to, fsynced, before its consumer returns).
 */
class KafkaTransactionsCrashTest {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransactionsCrashTest.class);

    static final String ENDPOINT = "work";
    static final String OUTS = "outs";
    static final int PARTITIONS = 4;
    static final String INSTANCE = "tx-child";
    private static final int KEYS = 10;
    private static final int PER_KEY = 400;
    private static final int RECORDS = KEYS * PER_KEY;
    private static final int KILL_AFTER = 1_200;

    record Item(String key, int seq) {
    }

    record Out(String key, int seq) {
    }

    private final String prefix = "ktc-" + RunIds.next() + ".";
    private final List<ChildJvm> children = new ArrayList<>();
    private Path dir;

    @AfterEach
    void cleanUp() throws Exception {
        for (ChildJvm c : children) {
            try {
                c.close(); // SIGKILL if still running
            } catch (IllegalStateException e) {
                LOG.warn("{}", e.getMessage());
            }
        }
        try {
            KafkaFixture.admin().deleteConsumerGroups(List.of(TopicNames.endpoint(prefix, ENDPOINT))).all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.info("consumer group not deleted: {}", e.toString());
        }
        KafkaFixture.deleteTopicsWithPrefix(prefix);
        if (dir != null) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aTransactionalConsumerKilledMidStreamAndRestartedProducesEveryOutputExactlyOnce() throws Exception {
        String bootstrap = KafkaFixture.bootstrapServers();
        dir = Files.createTempDirectory("omnibus-kafka-tx-crash-");
        String work = TopicNames.endpoint(prefix, ENDPOINT);
        String outs = TopicNames.endpoint(prefix, OUTS);
        KafkaFixture.admin().createTopics(List.of(new NewTopic(outs, PARTITIONS, (short) 1))).all().get(30, TimeUnit.SECONDS);
        List<String> keys = IntStream.range(0, KEYS).mapToObj(i -> "k" + i).toList();

        Path firstEffects = dir.resolve("first.effects");
        ChildJvm first = start("first", bootstrap, firstEffects);
        Await.atMost(Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(20)).until(
                "the first child's group has a position in each partition", () -> {
                    first.checkAlive();
                    return committed(work).size() == PARTITIONS;
                });
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(bootstrap).topicPrefix(prefix)
                .partitions(PARTITIONS).build();
        try (Bus producer = Bus.builder().transport(transport).name("ktc-producer-" + RunIds.next()).start()) {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int seq = 0; seq < PER_KEY; seq++) {
                for (String key : keys) {
                    sent.add(producer.send(Address.queue(ENDPOINT), new Item(key, seq),
                            SendOptions.defaults().withPartitionKey(key)));
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }

        try (TopicReader committedOuts = new TopicReader(outs, PARTITIONS, true);
                TopicReader allOuts = new TopicReader(outs, PARTITIONS, false)) {
            Await.atMost(Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(5)).until(
                    "the first child ran " + KILL_AFTER + " records", () -> {
                        first.checkAlive();
                        return lines(firstEffects) >= KILL_AFTER;
                    });
            assertThat(first.kill()).as("exit code of the first child (137: SIGKILL)").isEqualTo(ChildJvm.SIGKILL_EXIT);
            int visibleAtKill = committedOuts.readToEnd().size();
            assertThat(lines(firstEffects)).as("records the first child ran (mid-stream)").isLessThan(RECORDS);

            Path secondEffects = dir.resolve("second.effects");
            ChildJvm second = start("second", bootstrap, secondEffects); // the same instance, restarted
            Map<TopicPartition, Long> ends = endOffsets(work);
            Await await = Await.atMost(Duration.ofSeconds(90)).pollingEvery(Duration.ofMillis(50));
            await.until("every input's output visible", () -> {
                second.checkAlive();
                return committedOuts.poll().size() >= RECORDS;
            });
            await.until("the group committed every input", () -> committed(work).equals(ends));
            second.stop(); // graceful; fails if it has not stopped within 30 s

            List<JsonNode> visible = committedOuts.readToEnd();
            int runs = lines(firstEffects) + lines(secondEffects);
            int inLog = allOuts.readToEnd().size();
            LOG.info("SIGKILL of a transactional consumer: {} inputs, consumer runs {} ({} re-runs after the crash), "
                            + "outputs visible at the kill {}, outputs in the log {} (aborted or never committed: {}), "
                            + "visible to read_committed {}", RECORDS, runs, runs - RECORDS, visibleAtKill, inLog,
                    inLog - visible.size(), visible.size());

            assertThat(runs - RECORDS).as("inputs the consumer ran twice because of the crash (the redelivery "
                    + "that would have duplicated their outputs)").isPositive();
            Set<String> distinct = new HashSet<>();
            Map<String, List<Integer>> perKey = new HashMap<>();
            for (JsonNode m : visible) {
                distinct.add(m.get("key").asText() + "/" + m.get("seq").asInt());
                perKey.computeIfAbsent(m.get("key").asText(), k -> new ArrayList<>()).add(m.get("seq").asInt());
            }
            assertThat(visible.size() - distinct.size()).as("duplicate outputs seen by read_committed").isZero();
            assertThat(distinct).as("every input's output").hasSize(RECORDS);
            List<Integer> inOrder = IntStream.range(0, PER_KEY).boxed().toList();
            for (String key : keys) {
                assertThat(perKey.get(key)).as("outputs of %s, in order", key).containsExactlyElementsOf(inOrder);
            }
        }
    }

    private static int lines(Path file) {
        if (!Files.exists(file)) {
            return 0;
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return (int) text.chars().filter(c -> c == '\n').count();
    }

    private static Map<TopicPartition, Long> committed(String group) {
        Map<TopicPartition, OffsetAndMetadata> offsets;
        try {
            offsets = KafkaFixture.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("reading the positions of group " + group + " failed", e);
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((tp, o) -> {
            if (tp.topic().equals(group) && o != null) {
                out.put(tp, o.offset());
            }
        });
        return out;
    }

    private static Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        KafkaFixture.admin().listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    private ChildJvm start(String name, String bootstrap, Path effects) throws IOException {
        ChildJvm c = ChildJvm.start(ConsumerMain.class.getName(), List.of("-Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn",
                "-Dorg.slf4j.simpleLogger.log.dev.omnibus=info"), dir.resolve(name + ".log"),
                bootstrap, prefix, effects.toString(), name);
        children.add(c);
        LOG.info("started child {} (pid {})", name, c.pid());
        return c;
    }

    /**
     * The child's {@code main}: a bus whose transactional endpoint sends an {@link Out} per {@link Item}
     * (same key) and appends {@code key seq} to the effects file, fsynced, before returning. Runs until
     * killed. Arguments: bootstrap servers, topic prefix, effects file, bus name.
     */
    static final class ConsumerMain {
        private ConsumerMain() {
        }

        public static void main(String[] args) throws Exception {
            FileChannel out = FileChannel.open(Path.of(args[2]), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            KafkaTransport transport = KafkaTransport.builder().bootstrapServers(args[0]).topicPrefix(args[1])
                    .partitions(PARTITIONS).transactions(INSTANCE)
                    .property("session.timeout.ms", String.valueOf(KafkaCrashTest.SESSION_TIMEOUT_MS))
                    .property("heartbeat.interval.ms", "1000")
                    .build();
            Bus bus = Bus.builder().transport(transport).name("ktc-" + args[3])
                    .receiveEndpoint(ENDPOINT, e -> e.concurrency(8).prefetch(64).useInMemoryOutbox()
                            .consumer(Item.class, ctx -> {
                                Item item = ctx.message();
                                ctx.send(Address.queue(OUTS), new Out(item.key(), item.seq()),
                                        SendOptions.defaults().withPartitionKey(item.key()));
                                ByteBuffer line = ByteBuffer.wrap((item.key() + " " + item.seq() + "\n")
                                        .getBytes(StandardCharsets.UTF_8));
                                synchronized (out) {
                                    while (line.hasRemaining()) {
                                        out.write(line);
                                    }
                                    out.force(false);
                                }
                            }))
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(bus::close, "ktc-child-hook"));
            new CountDownLatch(1).await(); // the bus's threads are daemons: run until killed
        }
    }
}
