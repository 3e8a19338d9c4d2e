package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.TestHarnessTest.CardCharged;
import dev.omnibus.testing.TestHarnessTest.CardConsumer;
import dev.omnibus.testing.TestHarnessTest.ChargeCard;
import dev.omnibus.testing.TestHarnessTest.OrderConsumer;
import dev.omnibus.testing.TestHarnessTest.OrderPlaced;
import dev.omnibus.testing.TestHarnessTest.Reminder;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every assertion behaves the same in the threaded and the deterministic harness. */
class HarnessModesTest {
    static TestHarness start(boolean deterministic) {
        TestHarness.Builder b = TestHarness.builder().configure(TestHarnessTest.SHOP).timeout(Duration.ofSeconds(2));
        if (deterministic) {
            b.deterministic(11);
        }
        return b.start();
    }

    @ParameterizedTest(name = "deterministic: {0}")
    @ValueSource(booleans = {false, true})
    void eachPositiveAssertionPasses(boolean deterministic) {
        UUID ok = UUID.randomUUID();
        UUID declined = UUID.randomUUID();
        try (TestHarness h = start(deterministic)) {
            h.publish(new OrderPlaced(ok, 10));
            h.publish(new OrderPlaced(declined, 500));
            h.send(Address.queue("orders"), new Reminder(ok)); // no consumer of Reminder on "orders": skipped
            assertThat(h.assertPublished(OrderPlaced.class, o -> o.id().equals(ok)).amount()).isEqualTo(10);
            h.assertConsumed(OrderPlaced.class, OrderConsumer.class);
            h.assertConsumed(ChargeCard.class, c -> c.id().equals(ok));
            h.assertSent(ChargeCard.class, c -> c.id().equals(declined));
            h.assertPublished(CardCharged.class, c -> c.id().equals(ok));
            h.assertFaulted(ChargeCard.class, IllegalArgumentException.class);
            h.assertSkipped(Reminder.class);
            h.assertIdle();
            h.assertNotPublished(Reminder.class);
            assertThat(h.depth("cards_error")).isEqualTo(1);
            assertThat(h.depth("orders_skipped")).isEqualTo(1);
            assertThat(h.messages(HarnessEvent.Kind.CONSUMED, ChargeCard.class)).hasSize(1);
        }
    }

    @ParameterizedTest(name = "deterministic: {0}")
    @ValueSource(booleans = {false, true})
    void eachAssertionFailsOnWhatDidNotHappen(boolean deterministic) {
        try (TestHarness h = start(deterministic)) {
            h.publish(new OrderPlaced(UUID.randomUUID(), 10));
            String where = deterministic ? "(the simulation ran until idle)" : "within PT2S";
            assertThatThrownBy(() -> h.assertPublished(Reminder.class)).hasMessageContaining("a Reminder published " + where);
            assertThatThrownBy(() -> h.assertSent(Reminder.class)).hasMessageContaining("a Reminder sent " + where);
            assertThatThrownBy(() -> h.assertConsumed(ChargeCard.class, OrderConsumer.class))
                    .hasMessageContaining("a ChargeCard consumed by OrderConsumer " + where);
            assertThatThrownBy(() -> h.assertFaulted(ChargeCard.class, IllegalArgumentException.class))
                    .hasMessageContaining("a ChargeCard failing with IllegalArgumentException " + where);
            assertThatThrownBy(() -> h.assertSkipped(OrderPlaced.class)).hasMessageContaining("a OrderPlaced skipped " + where);
            assertThatThrownBy(() -> h.assertNotPublished(CardCharged.class))
                    .hasMessageContaining("no CardCharged published, but found 1");
            h.assertConsumed(ChargeCard.class, CardConsumer.class);
        }
    }

    @ParameterizedTest(name = "deterministic: {0}")
    @ValueSource(booleans = {false, true})
    void aScheduledMessageArrivesOnlyWhenTheClockReachesIt(boolean deterministic) {
        UUID id = UUID.randomUUID();
        try (TestHarness h = start(deterministic)) {
            h.send(Address.queue("cards"), new ChargeCard(id, 1), SendOptions.defaults().withDelay(Duration.ofMinutes(30)));
            h.advance(Duration.ofMinutes(29));
            h.assertIdle();
            assertThat(h.messages(HarnessEvent.Kind.CONSUMED, ChargeCard.class)).isEmpty();
            h.advance(Duration.ofMinutes(1));
            h.assertConsumed(ChargeCard.class, c -> c.id().equals(id));
            h.assertPublished(CardCharged.class, c -> c.id().equals(id));
        }
    }
}
