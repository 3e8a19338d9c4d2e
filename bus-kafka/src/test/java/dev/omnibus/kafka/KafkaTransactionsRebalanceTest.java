package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two transactional members of one group ({@code transactions(...)}, {@code useInMemoryOutbox()}),
 * one joining and one leaving in the middle of a stream. On the join the revoked partitions are
 * committed in a transaction with their outputs before release, so no input runs twice; the leave may
 * re-run a few (a stop leaves records settled above a released one uncommitted, as without
 * transactions), and still a {@code read_committed} reader of the output topic sees every input's
 * output exactly once, in order per key. Real broker.
 */
class KafkaTransactionsRebalanceTest {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransactionsRebalanceTest.class);
    private static final int PARTITIONS = 4;

    record Item(String key, int seq) {
    }

    record Out(String key, int seq) {
    }

    private final String prefix = "ktr-" + RunIds.next() + ".";
    private final AtomicInteger runs = new AtomicInteger();
    private final Set<String> ran = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final AtomicInteger reruns = new AtomicInteger();
    private final Map<String, AtomicInteger> runsBy = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean slow = true;

    @AfterEach
    void cleanUp() {
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    private Bus bus(String name) {
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).partitions(PARTITIONS).transactions(name).build();
        return Bus.builder().transport(transport).name(name + "-" + RunIds.next())
                .receiveEndpoint("work", e -> e.concurrency(4).useInMemoryOutbox().consumer(Item.class, ctx -> {
                    Thread.sleep(slow ? 5 : 0);
                    runs.incrementAndGet();
                    if (!ran.add(ctx.message().key() + "/" + ctx.message().seq())) {
                        reruns.incrementAndGet();
                    }
                    runsBy.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                    ctx.send(Address.queue("outs"), new Out(ctx.message().key(), ctx.message().seq()),
                            SendOptions.defaults().withPartitionKey(ctx.message().key()));
                }))
                .start();
    }

    @Test
    void membersJoiningAndLeavingMidStreamProduceEveryOutputExactlyOnce() throws Exception {
        KafkaFixture.admin().createTopics(List.of(new NewTopic(TopicNames.endpoint(prefix, "outs"), PARTITIONS, (short) 1)))
                .all().get(30, TimeUnit.SECONDS);
        List<String> keys = IntStream.range(0, 20).mapToObj(i -> "k" + i).toList();
        int perKey = 150;
        int total = keys.size() * perKey;
        try (TopicReader outs = new TopicReader(TopicNames.endpoint(prefix, "outs"), PARTITIONS, true);
                Bus first = bus("first")) {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int seq = 0; seq < perKey; seq++) {
                for (String key : keys) {
                    sent.add(first.send(Address.queue("work"), new Item(key, seq), SendOptions.defaults().withPartitionKey(key)));
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            Await await = Await.atMost(Duration.ofSeconds(90)).pollingEvery(Duration.ofMillis(20));
            await.until("the first member's outputs visible", () -> outs.poll().size() > 200);
            Bus second = bus("second");
            await.until("the joining member runs records", () -> runsBy.containsKey("second"));
            assertThat(outs.poll().size()).as("outputs visible when the second member began (mid-stream)").isLessThan(total);
            await.until("more outputs after the join", () -> outs.poll().size() > 1_000);
            assertThat(reruns).as("inputs run twice across the join: the revoked partitions' settled records were "
                    + "committed (with their outputs) before release").hasValue(0);
            second.close(); // leaves mid-stream, gracefully: its partitions go back to the first member
            assertThat(outs.poll().size()).as("outputs visible when the second member left (mid-stream)").isLessThan(total);
            slow = false;
            await.until("every input's output visible", () -> outs.poll().size() >= total);
            List<JsonNode> visible = outs.readToEnd();
            Set<String> distinct = new HashSet<>();
            Map<String, List<Integer>> perKeySeen = new HashMap<>();
            for (JsonNode m : visible) {
                distinct.add(m.get("key").asText() + "/" + m.get("seq").asInt());
                perKeySeen.computeIfAbsent(m.get("key").asText(), k -> new ArrayList<>()).add(m.get("seq").asInt());
            }
            LOG.info("transactional members joining and leaving: {} inputs, {} consumer runs ({} by the second member, {} "
                    + "inputs run twice: a stop leaves records settled above a released one uncommitted), {} outputs "
                    + "visible, {} distinct", total, runs.get(), runsBy.get("second"), reruns.get(), visible.size(),
                    distinct.size());
            assertThat(visible.size() - distinct.size()).as("duplicate outputs seen by read_committed").isZero();

            assertThat(distinct).hasSize(total);
            List<Integer> inOrder = IntStream.range(0, perKey).boxed().toList();
            for (String key : keys) {
                assertThat(perKeySeen.get(key)).as("outputs of %s, in order", key).containsExactlyElementsOf(inOrder);
            }
        }
    }
}
