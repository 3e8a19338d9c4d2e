package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.RunIds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * KNOWN DEFECT, test disabled until the transport is fixed: a send to a topic the transport creates
 * on that send ({@code Topics.ensure}, then an immediate produce) can lose its first batch.
 *
 * <p>{@code ensure} returns when {@code createTopics} completes, before the broker serves the new
 * partitions. The idempotent producer's first request to a partition then fails with
 * {@code NOT_LEADER_OR_FOLLOWER} while a later in-flight request (up to 5 per connection) arrives
 * after the partition came up and is appended (the broker accepts any first sequence from a producer
 * it has no state for). Every retry of the first batch then fails with
 * {@code OUT_OF_ORDER_SEQUENCE_NUMBER} until {@code delivery.timeout.ms} (120 s) expires it: the
 * sends hang for two minutes and fail, and the partition holds later records of a key without the
 * earlier ones. Kafka's KAFKA-15591 (also KAFKA-14312, KAFKA-19880; broker-side fix in apache/kafka
 * PR 23234). Seen by {@link KafkaCrashTest}'s first version on the in-JVM 4.3.1 broker: partitions 0
 * and 1 of a new 4-partition topic, sends still pending after 60 s.
 *
 * <p>The transport's guard ({@code Topics.awaitLeaders}): after creating topics, it waits until every
 * new partition answers a leader-served request (a {@code listOffsets}) before producing to it.
 */
class KafkaNewTopicSendTest {
    private static final int TOPICS = 5;
    private static final int RECORDS = 500;

    record Note(String key, int seq) {
    }

    private final String prefix = "kn-" + RunIds.next() + ".";

    @AfterEach
    void cleanUp() {
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    @Test
    void sendsToATopicCreatedByTheFirstSendAreAllConfirmedPromptly() throws Exception {
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(4).build();
        try (Bus bus = Bus.builder().transport(transport).name("kn-" + RunIds.next()).start()) {
            for (int t = 0; t < TOPICS; t++) {
                String queue = "new-" + t;
                List<CompletableFuture<Void>> sent = new ArrayList<>();
                for (int seq = 0; seq < RECORDS; seq++) {
                    String key = "k" + seq % 8;
                    sent.add(bus.send(Address.queue(queue), new Note(key, seq), SendOptions.defaults().withPartitionKey(key)));
                }
                boolean confirmed;
                try {
                    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                    confirmed = true;
                } catch (TimeoutException e) {
                    confirmed = false;
                }
                long pending = sent.stream().filter(f -> !f.isDone()).count();
                assertThat(confirmed).as("all %d sends to new topic %s confirmed within 30 s (%d still pending)",
                        RECORDS, queue, pending).isTrue();
            }
        }
    }
}
