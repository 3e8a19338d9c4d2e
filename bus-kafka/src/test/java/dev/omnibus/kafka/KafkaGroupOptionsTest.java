package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The group options: the broker-driven consumer protocol (KIP-848) and static membership, each
 * checked on the broker (the group's protocol type, the member's instance id) and by a stream that
 * arrives whole and once across a restart. Real broker.
 */
class KafkaGroupOptionsTest {
    record Tick(String key, int n) {
    }

    private final String prefix = "kg-" + RunIds.next() + ".";
    private final Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();

    @AfterEach
    void cleanUp() {
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    private Bus bus(KafkaTransportBuilder transport) {
        return Bus.builder().transport(transport.bootstrapServers(KafkaFixture.bootstrapServers()).topicPrefix(prefix).build())
                .name("kg-" + RunIds.next())
                .receiveEndpoint("ticks", e -> e.concurrency(4).consumer(Tick.class,
                        ctx -> seen.computeIfAbsent(ctx.message().n(), k -> new AtomicInteger()).incrementAndGet()))
                .start();
    }

    private static void send(Bus bus, int from, int to) {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        for (int n = from; n < to; n++) {
            sent.add(bus.send(Address.queue("ticks"), new Tick("k" + n % 7, n), SendOptions.defaults().withPartitionKey("k" + n % 7)));
        }
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
    }

    private ConsumerGroupDescription group() throws Exception {
        String id = prefix + "ticks";
        return KafkaFixture.admin().describeConsumerGroups(List.of(id)).all().get().get(id);
    }

    @Test
    void theConsumerProtocolRunsTheEndpointAndTheBrokerSeesIt() throws Exception {
        try (Bus bus = bus(KafkaTransport.builder().groupProtocol(KafkaTransportBuilder.GroupProtocol.CONSUMER))) {
            send(bus, 0, 200);
            Await.atMost(Duration.ofSeconds(60)).until("200 ticks consumed", seen::size, n -> n >= 200);
            assertThat(group().type().toString()).as("the group's protocol on the broker").isEqualToIgnoringCase("consumer");
        }
        assertThat(seen.values()).allSatisfy(c -> assertThat(c).hasValue(1));
    }

    @Test
    void aStaticMemberRestartedWithItsIdResumesWhereItCommittedAndLosesNothing() throws Exception {
        try (Bus bus = bus(KafkaTransport.builder().staticMembership("pod-1"))) {
            send(bus, 0, 100);
            Await.atMost(Duration.ofSeconds(60)).until("the first 100 consumed", seen::size, n -> n >= 100);
            assertThat(group().members()).extracting(MemberDescription::groupInstanceId)
                    .containsExactly(java.util.Optional.of("pod-1-ticks"));
        }
        try (Bus again = bus(KafkaTransport.builder().staticMembership("pod-1"))) {
            send(again, 100, 200);
            Await.atMost(Duration.ofSeconds(60)).until("all 200 consumed", seen::size, n -> n >= 200);
        }
        assertThat(seen.values()).as("each tick once across the restart").allSatisfy(c -> assertThat(c).hasValue(1));
    }
}
