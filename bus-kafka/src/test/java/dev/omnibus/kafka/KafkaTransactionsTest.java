package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.ConfigurationException;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Consume-transform-produce transactions ({@code KafkaTransportBuilder.transactions} with
 * {@code useInMemoryOutbox()}) on the real broker: an aborted transaction leaves no output a
 * {@code read_committed} reader sees (a raw one, nor the bus's own consumers, read_committed by
 * default), and the input comes again, marked redelivered.
 */
class KafkaTransactionsTest {
    record Work(int id) {
    }

    record Out(int id, int attempt) {
    }

    record Big(String payload) {
    }

    private final String prefix = "kt-" + RunIds.next() + ".";

    @AfterEach
    void cleanUp() throws Exception {
        try {
            KafkaFixture.admin().deleteConsumerGroups(List.of(TopicNames.endpoint(prefix, "work"))).all()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the group may be gone already
        }
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    /**
     * The consumer's first delivery sends {@link Out} and a {@link Big} to a topic whose
     * {@code max.message.bytes} refuses it: the broker rejects the write, so the transaction that also
     * carries the {@link Out} and the input's offset aborts. The {@link Out} of that attempt is in the
     * log (a {@code read_uncommitted} reader sees it) but never visible to a {@code read_committed} one;
     * the input is delivered again (redelivered), its second {@link Out} commits with its offset.
     */
    @Test
    void anAbortedTransactionLeavesNoVisibleOutputAndTheInputIsRedelivered() throws Exception {
        String outs = TopicNames.endpoint(prefix, "outs");
        KafkaFixture.admin().createTopics(List.of(
                new NewTopic(outs, 1, (short) 1),
                new NewTopic(TopicNames.endpoint(prefix, "bigs"), 1, (short) 1)
                        .configs(Map.of("max.message.bytes", "2000")))).all().get(30, TimeUnit.SECONDS);
        List<String> attempts = new CopyOnWriteArrayList<>();
        List<String> consumedOuts = new CopyOnWriteArrayList<>();
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(1).transactions("kt-instance").build();
        try (Bus bus = Bus.builder().transport(transport).name("kt-" + RunIds.next())
                .receiveEndpoint("work", e -> e.useInMemoryOutbox().consumer(Work.class, ctx -> {
                    attempts.add(ctx.message().id() + (ctx.redelivered() ? " redelivered" : " first"));
                    ctx.send(Address.queue("outs"), new Out(ctx.message().id(), attempts.size()));
                    if (ctx.message().id() == 1 && !ctx.redelivered()) {
                        ctx.send(Address.queue("bigs"), new Big("x".repeat(5_000))); // the broker refuses it
                    }
                }))
                // a bus endpoint reading the output topic: read_committed by default
                .receiveEndpoint("outs", e -> e.consumer(Out.class,
                        ctx -> consumedOuts.add(ctx.message().id() + "/" + ctx.message().attempt())))
                .start();
                TopicReader committed = new TopicReader(outs, 1, true);
                TopicReader everything = new TopicReader(outs, 1, false)) {
            bus.send(Address.queue("work"), new Work(1)).join();

            Await await = Await.atMost(Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(20));
            await.until("the group committed the input", () -> committedOffset(TopicNames.endpoint(prefix, "work")) == 1);
            assertThat(attempts).as("deliveries of the input").containsExactly("1 first", "1 redelivered");
            await.until("the committed output visible", () -> !committed.poll().isEmpty());
            await.until("both attempts' outputs in the log", () -> everything.poll().size() == 2);

            assertThat(ids(everything.poll())).as("in the log (read_uncommitted): the aborted attempt's output too")
                    .containsExactly("1/1", "1/2");
            assertThat(ids(committed.poll())).as("visible to read_committed: only the committed attempt's output")
                    .containsExactly("1/2");
            await.until("the bus's own endpoint consumed the output", () -> !consumedOuts.isEmpty());
            flushThrough(bus, consumedOuts);
            assertThat(consumedOuts).as("consumed by the bus's endpoint on the output topic (the aborted one never)")
                    .containsExactly("1/2", "9/3");
        }
    }

    /** A second input, committed after the first: once the outs endpoint has its output, it has read past the aborted one. */
    private static void flushThrough(Bus bus, List<String> consumedOuts) {
        bus.send(Address.queue("work"), new Work(9)).join();
        Await.atMost(Duration.ofSeconds(30)).until("the output of work 9 consumed", () -> consumedOuts.contains("9/3"));
    }

    /** Without {@code transactions(...)}: the outbox's default on Kafka, the held messages sent, then the record settled. */
    @Test
    void withoutTransactionsTheOutboxSendsOnceFromTheAttemptThatSucceeded() {
        List<String> attempts = new CopyOnWriteArrayList<>();
        List<String> consumedOuts = new CopyOnWriteArrayList<>();
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(1).build();
        try (Bus bus = Bus.builder().transport(transport).name("kt-" + RunIds.next())
                .receiveEndpoint("work", e -> e.retry(dev.omnibus.Retry.immediate(2)).useInMemoryOutbox()
                        .consumer(Work.class, ctx -> {
                            attempts.add(ctx.message().id() + "/" + ctx.retryAttempt());
                            ctx.send(Address.queue("outs"), new Out(ctx.message().id(), ctx.retryAttempt()));
                            if (ctx.message().id() == 1 && ctx.retryAttempt() < 2) {
                                throw new IllegalStateException("attempt " + ctx.retryAttempt() + " fails");
                            }
                        }))
                .receiveEndpoint("outs", e -> e.consumer(Out.class,
                        ctx -> consumedOuts.add(ctx.message().id() + "/" + ctx.message().attempt())))
                .start()) {
            bus.send(Address.queue("work"), new Work(1)).join();
            Await.atMost(Duration.ofSeconds(30)).until("work 1's output consumed", () -> consumedOuts.contains("1/2"));
            bus.send(Address.queue("work"), new Work(2)).join();
            Await.atMost(Duration.ofSeconds(30)).until("work 2's output consumed", () -> consumedOuts.contains("2/0"));
            assertThat(attempts).containsExactly("1/0", "1/1", "1/2", "2/0");
            assertThat(consumedOuts).as("outputs: one per input, from the attempt that succeeded").containsExactly("1/2", "2/0");
        }
    }

    @Test
    void aBlankInstanceIdIsRefusedAtBuild() {
        assertThatThrownBy(() -> KafkaTransport.builder().transactions(" ").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("transactions needs this process's instance id");
    }

    private static List<String> ids(List<JsonNode> messages) {
        return messages.stream().map(m -> m.get("id").asInt() + "/" + m.get("attempt").asInt()).toList();
    }

    private static long committedOffset(String group) {
        Map<TopicPartition, OffsetAndMetadata> offsets;
        try {
            offsets = KafkaFixture.admin().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("reading the positions of group " + group + " failed", e);
        }
        OffsetAndMetadata o = offsets.get(new TopicPartition(group, 0));
        return o == null ? -1 : o.offset();
    }
}
