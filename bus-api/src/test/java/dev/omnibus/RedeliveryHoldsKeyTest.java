package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code redeliveryHoldsKey()}: while a message waits for its delayed redelivery, later messages of its
 * ordering key wait too and run after it, in order; other keys do not wait. Without the option they
 * overtake it. In-memory transport, a real clock, a 300 ms redelivery delay.
 */
class RedeliveryHoldsKeyTest {
    record Step(String key, int n) {
    }

    private static final Duration WAIT = Duration.ofMillis(300);

    private List<String> run(boolean hold) {
        List<String> consumed = new CopyOnWriteArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create())
                .receiveEndpoint("steps", e -> {
                    e.concurrency(4).redelivery(Retry.intervals(WAIT)).consumer(Step.class, ctx -> {
                        Step s = ctx.message();
                        if (s.key().equals("a") && s.n() == 0 && failedOnce.compareAndSet(false, true)) {
                            throw new IllegalStateException("a0 fails the first time");
                        }
                        consumed.add(s.key() + s.n() + (ctx.redeliveryCount() > 0 ? "*" : ""));
                    });
                    if (hold) {
                        e.redeliveryHoldsKey();
                    }
                })
                .start()) {
            List<CompletableFuture<Void>> sent = new java.util.ArrayList<>();
            for (int n = 0; n < 3; n++) {
                for (String key : List.of("a", "b")) {
                    sent.add(bus.send(Address.queue("steps"), new Step(key, n), SendOptions.defaults().withPartitionKey(key)));
                }
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            Waits.until("six steps consumed", Duration.ofSeconds(10), () -> consumed.size() >= 6, () -> consumed);
        }
        return consumed;
    }

    private static List<String> ofKey(List<String> consumed, String key) {
        return consumed.stream().filter(s -> s.startsWith(key)).collect(Collectors.toList());
    }

    @Test
    void laterMessagesOfTheKeyWaitForTheRedeliveryAndOtherKeysDoNot() {
        List<String> consumed = run(true);
        assertThat(ofKey(consumed, "a")).as("key a, in order, the redelivered first").containsExactly("a0*", "a1", "a2");
        assertThat(ofKey(consumed, "b")).containsExactly("b0", "b1", "b2");
        assertThat(consumed.indexOf("b2")).as("key b ran while a waited for its redelivery")
                .isLessThan(consumed.indexOf("a0*"));
    }

    @Test
    void withoutTheOptionLaterMessagesOfTheKeyOvertakeTheRedelivery() {
        List<String> consumed = run(false);
        assertThat(ofKey(consumed, "a")).containsExactly("a1", "a2", "a0*");
    }

    @Test
    void theOptionWithoutARedeliveryPolicyIsAConfigurationError() {
        assertThatThrownBy(() -> Bus.builder().transport(InMemoryTransport.create())
                .receiveEndpoint("steps", e -> e.redeliveryHoldsKey().consumer(Step.class, ctx -> { }))
                .build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("redeliveryHoldsKey() needs a redelivery policy");
    }

    @Test
    void messagesHeldAtAStopGoBackToTheQueueAndTheNextBusGetsThem() {
        dev.omnibus.inmemory.InMemoryBroker broker = dev.omnibus.inmemory.InMemoryBroker.create();
        List<String> consumed = new CopyOnWriteArrayList<>();
        AtomicBoolean failed = new AtomicBoolean();
        try (Bus first = Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("steps", e -> e.redelivery(Retry.intervals(Duration.ofMinutes(10))).redeliveryHoldsKey()
                        .consumer(Step.class, ctx -> {
                            if (ctx.message().n() == 0) {
                                failed.set(true);
                                throw new IllegalStateException("a0 fails");
                            }
                            consumed.add("first:" + ctx.message().n());
                        }))
                .start()) {
            for (int n = 0; n < 3; n++) {
                first.send(Address.queue("steps"), new Step("a", n), SendOptions.defaults().withPartitionKey("a")).join();
            }
            Waits.until("a0 failed and was scheduled", Duration.ofSeconds(10), failed::get);
        }
        assertThat(consumed).as("a1 and a2 were held behind a0's redelivery").isEmpty();
        try (Bus second = Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("steps", e -> e.consumer(Step.class, ctx -> consumed.add("second:" + ctx.message().n())))
                .start()) {
            Waits.until("the held messages reach the next bus", Duration.ofSeconds(10),
                    () -> consumed.containsAll(List.of("second:1", "second:2")), () -> consumed);
        }
    }
}
