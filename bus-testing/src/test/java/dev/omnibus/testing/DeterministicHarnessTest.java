package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.BusBuilder;
import dev.omnibus.Retry;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class DeterministicHarnessTest {
    record Deposit(String account, int amount) {
    }

    record Audit(String what) {
    }

    /** A ledger whose balance must equal the sum of distinct deposits. */
    static final class Ledger {
        final Map<String, AtomicInteger> balances = new ConcurrentHashMap<>();
        final Set<UUID> seen = ConcurrentHashMap.newKeySet();

        int balance(String account) {
            AtomicInteger b = balances.get(account);
            return b == null ? 0 : b.get();
        }
    }

    static Consumer<BusBuilder> ledger(Ledger ledger, boolean idempotent) {
        return bus -> bus.receiveEndpoint("deposits", e -> e.concurrency(4).consumer(Deposit.class, ctx -> {
            if (idempotent && !ledger.seen.add(ctx.messageId())) {
                return; // already applied: a redelivery has its effect once
            }
            ledger.balances.computeIfAbsent(ctx.message().account(), a -> new AtomicInteger())
                    .addAndGet(ctx.message().amount());
            ctx.publish(new Audit("deposit " + ctx.message().amount()));
        })).receiveEndpoint("audit", e -> e.consumer(Audit.class, ctx -> { }));
    }

    static void depositScenario(long seed, boolean idempotent) {
        Ledger ledger = new Ledger();
        try (TestHarness h = TestHarness.builder()
                .deterministic(seed)
                .faults(FaultPlan.none().duplicateDeliveries(0.05).dropAcks(0.02))
                .configure(ledger(ledger, idempotent))
                .start()) {
            for (int i = 1; i <= 5; i++) {
                h.publish(new Deposit("ada", i * 10));
            }
            h.assertIdle();
            assertThat(ledger.balance("ada")).as("balance after 5 deposits totalling 150").isEqualTo(150);
        }
    }

    @Test
    void aConsumerThatIsNotIdempotentIsCaughtAndTheSeedIsNamed() {
        assertThatThrownBy(() -> Simulation.explore(100, seed -> depositScenario(seed, false)))
                .isInstanceOf(AssertionError.class)
                .hasMessageMatching("(?s)Scenario failed with seed \\d+ \\(seeds 0\\.\\.99\\); replay it with "
                        + "Simulation\\.replay\\(\\d+L, scenario\\)\\..*balance after 5 deposits totalling 150.*")
                // shrunk: the schedule keeps the fault that redelivers a deposit
                .hasMessageContaining("Shortest failing schedule found")
                .hasMessageMatching("(?s).*fault: (duplicate on|lose the ack on) deposits.*");
    }

    @Test
    void theSameConsumerMadeIdempotentPassesEverySeed() {
        Simulation.explore(100, seed -> depositScenario(seed, true));
    }

    @Test
    void theFailingSeedReplaysTheSameFailure() {
        long failing = -1;
        for (long seed = 0; seed < 100 && failing < 0; seed++) {
            try {
                depositScenario(seed, false);
            } catch (AssertionError e) {
                failing = seed;
            }
        }
        assertThat(failing).as("a seed among 0..99 that duplicates a deposit").isNotNegative();
        long replay = failing;
        assertThatThrownBy(() -> Simulation.replay(replay, seed -> depositScenario(seed, false)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("balance after 5 deposits");
    }

    static String timelineOf(long seed) {
        try (TestHarness h = TestHarness.builder()
                .deterministic(seed)
                .faults(FaultPlan.none().duplicateDeliveries(0.2).reorderDeliveries(0.3).crashBeforeAck(0.1))
                .configure(ledger(new Ledger(), true))
                .start()) {
            for (int i = 1; i <= 6; i++) {
                h.publish(new Deposit(i % 2 == 0 ? "ada" : "bob", i));
            }
            h.assertIdle();
            return h.timeline();
        }
    }

    @Test
    void theSameSeedGivesTheSameTimeline() {
        assertThat(timelineOf(42)).isEqualTo(timelineOf(42));
    }

    @Test
    void differentSeedsExploreDifferentInterleavings() {
        Set<String> timelines = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            timelines.add(timelineOf(seed));
        }
        assertThat(timelines).hasSizeGreaterThan(1);
    }

    @Test
    void injectedFaultsAppearInTheTimeline() {
        String all = timelineOf(7) + timelineOf(8) + timelineOf(9);
        assertThat(all).contains("injected: duplicated", "injected: reordered");
    }

    @Test
    void aConsumerFailsOnItsNthCall() {
        AtomicInteger done = new AtomicInteger();
        try (TestHarness h = TestHarness.builder()
                .deterministic(1)
                .faults(FaultPlan.none().failConsumer(Deposit.class, 2))
                .configure(bus -> bus.receiveEndpoint("deposits", e -> e.retry(Retry.immediate(1))
                        .consumer(Deposit.class, ctx -> done.incrementAndGet())))
                .start()) {
            h.publish(new Deposit("ada", 1));
            h.publish(new Deposit("ada", 2));
            h.assertIdle();
            assertThat(h.messages(HarnessEvent.Kind.CONSUME_FAILED, Deposit.class)).isEmpty(); // thrown by the filter, before the consumer
            assertThat(h.timeline()).contains("injected: consumer failure: call 2 of Deposit on deposits throws InjectedFault");
            assertThat(done.get()).isEqualTo(2); // the failed call was retried
            assertThat(h.timeline()).doesNotContain("_error");
        }
    }

    @Test
    void aConsumerBlockedOnAnotherDeliveryIsReportedNotHung() {
        record Ask(int n) {
        }
        record Answer(int n) {
        }
        try (TestHarness h = TestHarness.builder()
                .deterministic(3)
                .timeout(java.time.Duration.ofMillis(500))
                .configure(bus -> bus
                        .receiveEndpoint("asker", e -> e.consumer(Deposit.class, ctx ->
                                ctx.request(Address.queue("answerer"), new Ask(1), Answer.class,
                                        java.time.Duration.ofSeconds(30)).get()))
                        .receiveEndpoint("answerer", e -> e.consumer(Ask.class, ctx -> ctx.respond(new Answer(1)))))
                .start()) {
            h.publish(new Deposit("ada", 1));
            assertThatThrownBy(h::assertIdle).isInstanceOf(AssertionError.class)
                    .hasMessageContaining("a consumer is blocked");
        }
    }

    @Test
    void aShrunkScheduleReplaysTheFailure() {
        long failing = -1;
        for (long seed = 0; seed < 100 && failing < 0; seed++) {
            try {
                depositScenario(seed, false);
            } catch (AssertionError e) {
                failing = seed;
            }
        }
        long seed = failing;
        String message = org.assertj.core.api.Assertions.catchThrowable(
                () -> Simulation.explore(seed, 1, s -> depositScenario(s, false))).getMessage();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("new int\\[\\] \\{([0-9, ]*)\\}").matcher(message);
        assertThat(m.find()).as("a schedule in:%n%s", message).isTrue();
        int[] schedule = m.group(1).isBlank() ? new int[0]
                : java.util.Arrays.stream(m.group(1).split(", ")).mapToInt(Integer::parseInt).toArray();
        assertThatThrownBy(() -> Simulation.replay(seed, schedule, s -> depositScenario(s, false)))
                .isInstanceOf(AssertionError.class).hasMessageContaining("balance after 5 deposits");
    }

    @Test
    void aBadConfigurationLeavesTheTestsThreadOutsideTheSimulation() {
        assertThatThrownBy(() -> TestHarness.builder().deterministic(1)
                .configure(bus -> bus.receiveEndpoint("x", e -> e.concurrency(0))).start())
                .isInstanceOf(dev.omnibus.ConfigurationException.class);
        assertThat(dev.omnibus.spi.Interleaving.current()).isNull();
    }
}
