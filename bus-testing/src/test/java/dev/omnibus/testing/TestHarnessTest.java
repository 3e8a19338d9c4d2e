package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.BusBuilder;
import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageConsumer;
import dev.omnibus.RequestTimeoutException;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class TestHarnessTest {
    record OrderPlaced(UUID id, int amount) {
    }

    record ChargeCard(UUID id, int amount) {
    }

    record CardCharged(UUID id) {
    }

    record Reminder(UUID id) {
    }

    record Ping(int n) {
    }

    record Pong(int n) {
    }

    static final class OrderConsumer implements MessageConsumer<OrderPlaced> {
        @Override
        public void consume(ConsumeContext<OrderPlaced> ctx) {
            ctx.send(Address.queue("cards"), new ChargeCard(ctx.message().id(), ctx.message().amount()));
        }
    }

    static final class CardConsumer implements MessageConsumer<ChargeCard> {
        @Override
        public void consume(ConsumeContext<ChargeCard> ctx) {
            if (ctx.message().amount() > 100) {
                throw new IllegalArgumentException("declined");
            }
            ctx.publish(new CardCharged(ctx.message().id()));
        }
    }

    static final Consumer<BusBuilder> SHOP = bus -> bus
            .receiveEndpoint("orders", e -> e.consumer(OrderPlaced.class, new OrderConsumer()))
            .receiveEndpoint("cards", e -> e.retry(Retry.immediate(1)).consumer(ChargeCard.class, new CardConsumer()));

    @Test
    void recordsTheFlowAndAssertsInOneLine() {
        UUID id = UUID.randomUUID();
        try (TestHarness h = TestHarness.builder().configure(SHOP).start()) {
            h.publish(new OrderPlaced(id, 10));
            assertThat(h.assertPublished(OrderPlaced.class, o -> o.id().equals(id)).amount()).isEqualTo(10);
            h.assertConsumed(OrderPlaced.class, OrderConsumer.class);
            h.assertSent(ChargeCard.class, c -> c.id().equals(id));
            h.assertConsumed(ChargeCard.class, CardConsumer.class);
            h.assertPublished(CardCharged.class, c -> c.id().equals(id));
            h.assertIdle();
            assertThat(h.timeline()).contains("#1 OrderPlaced published", "ChargeCard sent to queue:cards",
                    "consumed by TestHarnessTest.CardConsumer on cards", "CardCharged published");
        }
    }

    @Test
    void assertsFaultsAndAbsence() {
        try (TestHarness h = TestHarness.builder().configure(SHOP).start()) {
            h.publish(new OrderPlaced(UUID.randomUUID(), 500));
            h.assertFaulted(ChargeCard.class, IllegalArgumentException.class);
            h.assertNotPublished(CardCharged.class);
            assertThat(h.depth("cards_error")).isEqualTo(1);
            assertThat(h.messages(HarnessEvent.Kind.CONSUME_FAILED, ChargeCard.class)).hasSize(2); // first try + 1 retry
        }
    }

    @Test
    void theTimelineNestsEachMessageUnderTheMessageWhoseConsumerProducedIt() {
        try (TestHarness h = TestHarness.builder().configure(SHOP).start()) {
            h.publish(new OrderPlaced(UUID.randomUUID(), 10));
            h.assertSent(ChargeCard.class);
            String timeline = h.timeline();
            String placed = timeline.lines().filter(l -> l.contains("#1 OrderPlaced published")).findFirst().orElseThrow();
            String charge = timeline.lines().filter(l -> l.contains("ChargeCard sent")).findFirst().orElseThrow();
            assertThat(indent(charge)).as("ChargeCard under the OrderPlaced whose consumer sent it:%n%s", timeline)
                    .isGreaterThan(indent(placed));
        }
    }

    private static int indent(String line) {
        return line.length() - line.stripLeading().length();
    }

    @Test
    void aFailedAssertionListsWhatHappenedInOrder() {
        try (TestHarness h = TestHarness.builder().configure(SHOP).timeout(Duration.ofMillis(300)).start()) {
            h.publish(new OrderPlaced(UUID.randomUUID(), 10));
            assertThatThrownBy(() -> h.assertPublished(Reminder.class))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("Expected a Reminder published within PT0.3S")
                    .hasMessageContaining("Published and sent:\n  #1 OrderPlaced published")
                    .hasMessageContaining("Consumed:\n")
                    .hasMessageContaining("  #1 consumed by TestHarnessTest.OrderConsumer on orders")
                    .hasMessageContaining("Timeline (virtual time since the harness started):");
            assertThatThrownBy(() -> h.assertNotPublished(CardCharged.class))
                    .hasMessageContaining("no CardCharged published, but found 1");
        }
    }

    @Test
    void aMessageScheduledAnHourAheadArrivesOnAdvanceWithoutWaiting() {
        UUID id = UUID.randomUUID();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus.receiveEndpoint("reminders", e -> e.consumer(Reminder.class, ctx -> { })))
                .timeout(Duration.ofMillis(300))
                .start()) {
            long start = System.nanoTime();
            h.send(Address.queue("reminders"), new Reminder(id), SendOptions.defaults().withDelay(Duration.ofHours(1)));
            h.advance(Duration.ofMinutes(59));
            assertThatThrownBy(() -> h.assertConsumed(Reminder.class)).isInstanceOf(AssertionError.class);
            h.advance(Duration.ofMinutes(1));
            h.assertConsumed(Reminder.class, r -> r.id().equals(id));
            assertThat(h.clock().elapsed()).isEqualTo(Duration.ofHours(1));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMinutes(1));
        }
    }

    @Test
    void aRequestNobodyAnswersTimesOutInVirtualTime() {
        try (TestHarness h = TestHarness.builder().start()) {
            CompletableFuture<Pong> f = h.bus().request(new Ping(1), Pong.class, Duration.ofHours(2));
            h.advance(Duration.ofHours(2));
            assertThat(f).isCompletedExceptionally();
            assertThatThrownBy(f::join).hasCauseInstanceOf(RequestTimeoutException.class);
        }
    }

    @Test
    void delayedRedeliveryRunsOnTheVirtualClock() {
        int[] calls = new int[1];
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus.receiveEndpoint("flaky", e -> e
                        .redelivery(Retry.intervals(Duration.ofMinutes(10)))
                        .consumer(Ping.class, ctx -> {
                            if (calls[0]++ == 0) {
                                throw new IllegalStateException("first time fails");
                            }
                        })))
                .start()) {
            h.publish(new Ping(1));
            h.assertIdle();
            assertThat(h.messages(HarnessEvent.Kind.CONSUMED, Ping.class)).isEmpty();
            h.advance(Duration.ofMinutes(10));
            h.assertConsumed(Ping.class);
            assertThat(h.depth("flaky_error")).isZero();
        }
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "deterministic: {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void assertSkippedFindsAMessageNoConsumerOfItsEndpointTakesInBothModes(boolean deterministic) {
        TestHarness.Builder b = TestHarness.builder().configure(SHOP);
        if (deterministic) {
            b.deterministic(7);
        }
        try (TestHarness h = b.start()) {
            UUID id = UUID.randomUUID();
            h.send(Address.queue("orders"), new Reminder(id)); // "orders" consumes OrderPlaced only
            h.assertSkipped(Reminder.class);
            assertThat(h.depth("orders_skipped")).isEqualTo(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.assertSkipped(Pong.class))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("Pong skipped");
        }
    }

    @Test
    void twoFailureRulesThatMatchOneTypeEachCountItsCalls() {
        java.util.List<Integer> attempts = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TestHarness h = TestHarness.builder()
                .deterministic(3)
                .faults(FaultPlan.none().failConsumer(Object.class, 1).failConsumer(Ping.class, 2))
                .configure(bus -> bus.receiveEndpoint("pings", e -> e.retry(Retry.immediate(3))
                        .consumer(Ping.class, ctx -> attempts.add(ctx.retryAttempt()))))
                .start()) {
            h.publish(new Ping(1));
            h.assertConsumed(Ping.class);
            // call 1 fails (the Object rule), call 2 fails (the Ping rule), call 3 reaches the consumer
            assertThat(attempts).containsExactly(2);
        }
    }
}
