package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void returnsAsSoonAsTheConditionHolds() {
        AtomicInteger checks = new AtomicInteger();

        Await.atMost(LONG).until("the third check", () -> checks.incrementAndGet() == 3);

        assertThat(checks).hasValue(3);
    }

    @Test
    void returnsAtOnceWithoutPollingWhenTheConditionAlreadyHolds() {
        AtomicInteger checks = new AtomicInteger();

        Await.atMost(LONG).pollingEvery(Duration.ofHours(1)).until("true", () -> checks.incrementAndGet() > 0);

        assertThat(checks).hasValue(1);
    }

    @Test
    void returnsTheValueThatSatisfiedTheCondition() {
        AtomicInteger counter = new AtomicInteger();

        int value = Await.atMost(LONG).until("a value of 4", counter::incrementAndGet, n -> n >= 4);

        assertThat(value).isEqualTo(4);
    }

    @Test
    void failsWithTheDescriptionTimeoutAndLastObservedValueWhenTheDeadlinePasses() {
        AtomicInteger counter = new AtomicInteger();

        assertThatThrownBy(() -> Await.atMost(Duration.ofMillis(50)).until("a negative count", counter::incrementAndGet,
                n -> n < 0))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("a negative count")
                .hasMessageContaining("PT0.05S")
                .satisfies(e -> assertThat(e.getMessage()).endsWith("last observed value: " + counter.get()));
        assertThat(counter.get()).as("checks during 50 ms").isGreaterThan(1);
    }

    @Test
    void aZeroTimeoutChecksOnceThenFails() {
        AtomicInteger checks = new AtomicInteger();

        assertThatThrownBy(() -> Await.atMost(Duration.ZERO).until("never", () -> checks.incrementAndGet() < 0))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("never")
                .hasMessageContaining("last observed value: false");
        assertThat(checks).hasValue(1);
    }

    @Test
    void untilAssertedReturnsOnceTheAssertionPasses() {
        AtomicInteger checks = new AtomicInteger();

        Await.atMost(LONG).untilAsserted("three checks", () -> assertThat(checks.incrementAndGet()).isEqualTo(3));

        assertThat(checks).hasValue(3);
    }

    @Test
    void untilAssertedFailsWithTheLastAssertionFailureAsCause() {
        AtomicInteger checks = new AtomicInteger();

        assertThatThrownBy(() -> Await.atMost(Duration.ofMillis(30)).untilAsserted("an impossible count",
                () -> assertThat(checks.incrementAndGet()).as("count").isNegative()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("an impossible count")
                .hasMessageContaining("count")
                .cause().isInstanceOf(AssertionError.class)
                .satisfies(cause -> assertThat(cause.getMessage()).contains(String.valueOf(checks.get())));
    }

    @Test
    void anExceptionFromTheConditionEndsTheWaitAtOnce() {
        AtomicInteger checks = new AtomicInteger();

        assertThatThrownBy(() -> Await.atMost(LONG).until("a broken condition", () -> {
            checks.incrementAndGet();
            throw new IllegalStateException("broken");
        })).isInstanceOf(IllegalStateException.class).hasMessage("broken");
        assertThat(checks).hasValue(1);
    }

    @Test
    void doneReturnsTheFutureOnceAnotherThreadCompletesIt() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread completer = new Thread(() -> f.complete("ok"), "completer");
        completer.start();

        assertThat(Await.atMost(LONG).done("a future completed by another thread", f)).isSameAs(f)
                .isCompletedWithValue("ok");
    }

    @Test
    void doneFailsWithTheDescriptionWhenTheFutureStaysPending() {
        assertThatThrownBy(() -> Await.atMost(Duration.ofMillis(20)).done("the reply", new CompletableFuture<>()))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("the reply");
    }

    @Test
    void anInterruptEndsTheWaitAndKeepsTheInterruptFlag() {
        Thread.currentThread().interrupt();
        try {
            assertThatThrownBy(() -> Await.atMost(LONG).until("never", () -> false))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("Interrupted while waiting for never");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void longValuesAreCutInTheFailureMessage() {
        String huge = "x".repeat(10_000);

        assertThatThrownBy(() -> Await.atMost(Duration.ZERO).until("short text", () -> huge, String::isEmpty))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("(10000 chars)")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(2_200));
    }

    @Test
    void rejectsNegativeTimeoutsAndNonPositiveIntervals() {
        assertThatIllegalArgumentException().isThrownBy(() -> Await.atMost(Duration.ofMillis(-1)));
        assertThatIllegalArgumentException().isThrownBy(() -> Await.atMost(LONG).pollingEvery(Duration.ZERO));
        assertThatIllegalArgumentException().isThrownBy(() -> Await.atMost(null));
    }
}
