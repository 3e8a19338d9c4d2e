package dev.omnibus.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.RunIds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code redeliveryHoldsKey()} on the broker: a record that fails waits for its delayed redelivery
 * (through the bus's scheduler, back to the endpoint's topic) and the later records of its key wait
 * behind it, while another key goes on; all of it committed once the hold is over. Real broker.
 */
class KafkaRedeliveryHoldsKeyTest {
    record Step(String key, int n) {
    }

    private final String prefix = "kh-" + RunIds.next() + ".";

    @AfterEach
    void cleanUp() {
        KafkaFixture.deleteTopicsWithPrefix(prefix);
    }

    @Test
    void laterRecordsOfTheKeyRunAfterTheRedeliveredOneAndOtherKeysDoNotWait() {
        List<String> consumed = new CopyOnWriteArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        KafkaTransport transport = KafkaTransport.builder().bootstrapServers(KafkaFixture.bootstrapServers())
                .topicPrefix(prefix).build();
        try (Bus bus = Bus.builder().transport(transport).name("kh-" + RunIds.next()).allowInMemoryScheduling()
                .receiveEndpoint("steps", e -> e.concurrency(4).redelivery(Retry.intervals(Duration.ofMillis(500)))
                        .redeliveryHoldsKey().consumer(Step.class, ctx -> {
                            Step s = ctx.message();
                            if (s.key().equals("a") && s.n() == 0 && failedOnce.compareAndSet(false, true)) {
                                throw new IllegalStateException("a0 fails the first time");
                            }
                            consumed.add(s.key() + s.n() + (ctx.redeliveryCount() > 0 ? "*" : ""));
                        }))
                .start()) {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int n = 0; n < 3; n++) {
                for (String key : List.of("a", "b")) {
                    sent.add(bus.send(Address.queue("steps"), new Step(key, n), SendOptions.defaults().withPartitionKey(key)));
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            Await.atMost(Duration.ofSeconds(30)).until("six steps consumed", consumed::size, n -> n >= 6);
        }
        assertThat(only(consumed, "a")).as("key a, the redelivered one first").containsExactly("a0*", "a1", "a2");
        assertThat(only(consumed, "b")).containsExactly("b0", "b1", "b2");
        assertThat(consumed.indexOf("b2")).as("key b did not wait for a's redelivery").isLessThan(consumed.indexOf("a0*"));
    }

    private static List<String> only(List<String> consumed, String key) {
        return consumed.stream().filter(s -> s.startsWith(key)).collect(Collectors.toList());
    }
}
