package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Fault;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queue mode (share groups) against the real broker: competing members beyond the partition
 * count, faults, release and redelivery, lock renewal for a consumer slower than the lock.
 */
class KafkaQueueModeTest {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaQueueModeTest.class);

    record Job(int n) {
    }

    record Doomed(UUID id) {
    }

    private final String prefix = "kq-" + RunIds.next() + ".";

    @AfterEach
    void cleanUp() {
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    private KafkaTransport transport(int partitions, String... queueMode) {
        return KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers()).topicPrefix(prefix)
                .partitions(partitions).queueMode(queueMode).build();
    }

    /**
     * The endpoint reads two topics of one partition each (its own, for sends, and its message
     * type's, for publishes), and three members: more members than partitions. The 4.3 broker's
     * share assignor spreads the two partitions over the three members so that at least one
     * partition is read by two members at once; the test waits until every member has a partition,
     * then sends 150 and publishes 150 jobs: each runs exactly once and every member runs some.
     */
    @Test
    void threeMembersOnTwoOnePartitionTopicsShareTheRecordsAndEachRunsOnce() {
        Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> perBus = new ConcurrentHashMap<>();
        List<Bus> buses = new ArrayList<>();
        long t0 = System.nanoTime();
        String group = prefix + "jobs";
        try {
            for (String name : List.of("a", "b", "c")) {
                perBus.put(name, new AtomicInteger());
                buses.add(Bus.builder().transport(transport(1, "jobs")).name("kq-" + name + "-" + RunIds.next())
                        .receiveEndpoint("jobs", e -> e.concurrency(2).prefetch(4).consumer(Job.class, ctx -> {
                            Thread.sleep(30);
                            runs.computeIfAbsent(ctx.message().n(), k -> new AtomicInteger()).incrementAndGet();
                            perBus.get(name).incrementAndGet();
                        }))
                        .start());
            }
            Await.atMost(Duration.ofSeconds(60)).until("each of three members of share group " + group
                    + " has a partition, one partition shared", () -> assignments(group) >= 3);
            LOG.info("three share members assigned after {} ms: {}", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                    describe(group));
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                sent.add(i % 2 == 0 ? buses.get(0).send(Address.queue("jobs"), new Job(i)) : buses.get(0).publish(new Job(i)));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            Await.atMost(Duration.ofSeconds(90)).until("all 300 jobs run", () -> runs.size() == 300);
        } finally {
            buses.forEach(Bus::close);
        }
        LOG.info("three share members, two one-partition topics: {} in {} ms", perBus,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertThat(runs.values().stream().filter(c -> c.get() != 1).count()).as("jobs run other than once").isZero();
        assertThat(perBus.values()).as("jobs each member ran").allSatisfy(c -> assertThat(c.get()).isPositive());
    }

    @Test
    void aConsumerThatAlwaysFailsIsRetriedThenItsRecordIsInErrorOnceAndAFaultPublished() {
        UUID id = UUID.randomUUID();
        List<Integer> attempts = new CopyOnWriteArrayList<>();
        List<Integer> counts = new CopyOnWriteArrayList<>();
        ConcurrentLinkedQueue<Fault<Doomed>> faults = new ConcurrentLinkedQueue<>();
        try (Bus bus = Bus.builder().transport(transport(2, "fails")).name("kq-f-" + RunIds.next())
                .receiveEndpoint("fails", e -> e.retry(Retry.immediate(2)).consumer(Doomed.class, ctx -> {
                    attempts.add(ctx.retryAttempt());
                    counts.add(ctx.redelivered() ? 2 : 1);
                    throw new IllegalStateException("doomed " + ctx.message().id());
                }))
                .receiveEndpoint("faults", e -> e.faultConsumer(Doomed.class, ctx -> faults.add(ctx.message())))
                .start()) {
            bus.publish(new Doomed(id)).join();
            Await.atMost(Duration.ofSeconds(60)).until("a Fault<Doomed> consumed", () -> !faults.isEmpty());
            List<ConsumerRecord<byte[], byte[]>> errors = read(prefix + "fails_error", 1);
            assertThat(errors).hasSize(1);
            assertThat(header(errors.get(0), "MT-Fault-Message")).isEqualTo("doomed " + id);
            assertThat(attempts).as("retry attempts").containsExactly(0, 1, 2);
            assertThat(counts).as("the broker delivered the record once").containsOnly(1);
            assertThat(faults).hasSize(1);
            assertThat(faults.peek().message().id()).isEqualTo(id);
        }
    }

    @Test
    void aRecordReleasedAtStopIsDeliveredAgainToAnotherMemberAsRedelivered() throws Exception {
        UUID id = UUID.randomUUID();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        AtomicReference<Boolean> redelivered = new AtomicReference<>();
        AtomicInteger secondRuns = new AtomicInteger();
        try (Bus first = Bus.builder().transport(transport(2, "stuck")).name("kq-s1-" + RunIds.next())
                .stopTimeout(Duration.ofMillis(200))
                .receiveEndpoint("stuck", e -> e.consumer(Doomed.class, ctx -> {
                    entered.countDown();
                    try {
                        never.await();
                    } catch (InterruptedException ie) {
                        interrupted.set(true);
                        throw ie;
                    }
                }))
                .start()) {
            first.send(Address.queue("stuck"), new Doomed(id)).join();
            Await.atMost(Duration.ofSeconds(60)).until("the consumer holds the record", () -> entered.getCount() == 0);
            first.stop();
            assertThat(interrupted).as("the held consumer was interrupted at the stop timeout").isTrue();
        } finally {
            never.countDown();
        }
        try (Bus second = Bus.builder().transport(transport(2, "stuck")).name("kq-s2-" + RunIds.next())
                .receiveEndpoint("stuck", e -> e.consumer(Doomed.class, ctx -> {
                    secondRuns.incrementAndGet();
                    redelivered.compareAndSet(null, ctx.redelivered());
                }))
                .start()) {
            Await.atMost(Duration.ofSeconds(60)).until("the second bus gets the released record", () -> redelivered.get() != null);
            assertThat(redelivered.get()).as("ConsumeContext.redelivered() (the broker's delivery count is 2)").isTrue();
        }
        assertThat(secondRuns).hasValue(1);
        assertThat(read(prefix + "stuck_error", 0)).isEmpty();
    }

    @Test
    void aConsumerSlowerThanTheLockKeepsItsRecordAndRunsItOnce() throws Exception {
        String group = prefix + "slow";
        // the shortest lock a group may have on a default broker (group.share.min.record.lock.duration.ms)
        KafkaFixture.admin().incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
                new AlterConfigOp(new ConfigEntry("share.record.lock.duration.ms", "15000"), AlterConfigOp.OpType.SET))))
                .all().get(30, TimeUnit.SECONDS);
        UUID slowId = UUID.randomUUID();
        UUID markerId = UUID.randomUUID();
        Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        Set<Boolean> redelivered = ConcurrentHashMap.newKeySet();
        long t0 = System.nanoTime();
        try (Bus bus = Bus.builder().transport(transport(1, "slow")).name("kq-l-" + RunIds.next())
                .receiveEndpoint("slow", e -> e.concurrency(2).consumer(Doomed.class, ctx -> {
                    runs.computeIfAbsent(ctx.message().id(), k -> new AtomicInteger()).incrementAndGet();
                    redelivered.add(ctx.redelivered());
                    if (ctx.message().id().equals(slowId)) {
                        Thread.sleep(20_000); // longer than the 15 s lock
                    }
                }))
                .start()) {
            bus.send(Address.queue("slow"), new Doomed(slowId)).join();
            Await.atMost(Duration.ofSeconds(90)).until("the slow record finishes", () -> runs.containsKey(slowId)
                    && runs.get(slowId).get() >= 1);
            bus.send(Address.queue("slow"), new Doomed(markerId)).join();
            Await.atMost(Duration.ofSeconds(90)).until("a record sent after it runs", () -> runs.containsKey(markerId));
        }
        LOG.info("slow consumer past a 15 s lock: {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertThat(runs.get(slowId)).as("runs of the record slower than its lock").hasValue(1);
        assertThat(redelivered).containsOnly(false);
    }

    /**
     * Client properties given to the whole transport for its consumer groups (a session timeout, a
     * heartbeat interval) are refused by a share consumer: the queue-mode endpoint leaves them out and
     * reads, while a consumer-group endpoint of the same transport keeps them. An isolation level
     * becomes the share group's {@code share.isolation.level}.
     */
    @Test
    void consumerGroupPropertiesOfTheTransportDoNotStopAQueueModeEndpoint() throws Exception {
        UUID queued = UUID.randomUUID();
        UUID grouped = UUID.randomUUID();
        Set<UUID> seen = ConcurrentHashMap.newKeySet();
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(1).queueMode("queued")
                .property("session.timeout.ms", "30000").property("heartbeat.interval.ms", "3000")
                .property("isolation.level", "read_committed")
                .build();
        try (Bus bus = Bus.builder().transport(transport).name("kq-p-" + RunIds.next())
                .receiveEndpoint("queued", e -> e.consumer(Doomed.class, ctx -> seen.add(ctx.message().id())))
                .receiveEndpoint("grouped", e -> e.consumer(Job.class, ctx -> seen.add(grouped)))
                .start()) {
            bus.send(Address.queue("queued"), new Doomed(queued)).join();
            bus.send(Address.queue("grouped"), new Job(1)).join();
            Await.atMost(Duration.ofSeconds(60)).until("both endpoints read", () -> seen.containsAll(List.of(queued, grouped)));
        }
        ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, prefix + "queued");
        assertThat(KafkaFixture.admin().describeConfigs(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group)
                .get("share.isolation.level").value()).isEqualTo("read_committed");
    }

    /** Partitions assigned over the members of share group {@code group}, 0 while a member has none. */
    private static int assignments(String group) {
        try {
            var members = KafkaFixture.admin().describeShareGroups(List.of(group)).describedGroups().get(group)
                    .get(30, TimeUnit.SECONDS).members();
            if (members.size() < 3 || members.stream().anyMatch(m -> m.assignment().topicPartitions().isEmpty())) {
                return 0;
            }
            return members.stream().mapToInt(m -> m.assignment().topicPartitions().size()).sum();
        } catch (Exception e) {
            return 0; // the group does not exist before its first member joined
        }
    }

    private static String describe(String group) {
        try {
            return KafkaFixture.admin().describeShareGroups(List.of(group)).describedGroups().get(group)
                    .get(30, TimeUnit.SECONDS).members().stream()
                    .map(m -> m.clientId() + "=" + m.assignment().topicPartitions()).toList().toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The records of {@code topic} (all partitions, from the start), once at least {@code atLeast} are there. */
    private static List<ConsumerRecord<byte[], byte[]>> read(String topic, int atLeast) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaFixture.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> ends = new java.util.HashMap<>(c.endOffsets(parts));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(100)).forEach(out::add);
                boolean atEnd = parts.stream().allMatch(tp -> c.position(tp) >= ends.get(tp));
                if (atEnd && out.size() >= atLeast) {
                    break;
                }
                if (atEnd) {
                    ends.putAll(c.endOffsets(parts));
                }
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void anEndpointSwitchedToQueueModeWhileItsConsumerGroupExistsFailsAtStartSayingWhatToDo() {
        try (Bus asGroup = Bus.builder().transport(KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                        .topicPrefix(prefix).build())
                .name("kq-" + RunIds.next())
                .receiveEndpoint("switched", e -> e.consumer(Job.class, ctx -> { }))
                .start()) {
            asGroup.send(dev.omnibus.Address.queue("switched"), new Job(1)).join();
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Bus.builder()
                        .transport(KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                                .topicPrefix(prefix).queueMode("switched").build())
                        .name("kq-" + RunIds.next())
                        .receiveEndpoint("switched", e -> e.consumer(Job.class, ctx -> { }))
                        .start())
                .hasStackTraceContaining("consumer group " + prefix + "switched exists");
    }
}
