package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RetryTest {
    private static final RuntimeException BOOM = new IllegalStateException("boom");

    @Test
    void noneNeverRetries() {
        assertThat(Retry.none().delayBefore(1, BOOM)).isEmpty();
    }

    @Test
    void immediateRetriesNTimesWithoutWaiting() {
        Retry r = Retry.immediate(2);
        assertThat(r.delayBefore(1, BOOM)).contains(Duration.ZERO);
        assertThat(r.delayBefore(2, BOOM)).contains(Duration.ZERO);
        assertThat(r.delayBefore(3, BOOM)).isEmpty();
    }

    @Test
    void intervalsAreUsedInOrder() {
        Retry r = Retry.intervals(Duration.ofSeconds(1), Duration.ofSeconds(5));
        assertThat(r.delayBefore(1, BOOM)).contains(Duration.ofSeconds(1));
        assertThat(r.delayBefore(2, BOOM)).contains(Duration.ofSeconds(5));
        assertThat(r.delayBefore(3, BOOM)).isEmpty();
        assertThat(Retry.interval(3, Duration.ofMillis(10)).delayBefore(3, BOOM)).contains(Duration.ofMillis(10));
    }

    @Test
    void exponentialDoublesWithinJitterAndStaysWithinBounds() {
        Duration min = Duration.ofMillis(100);
        Duration max = Duration.ofSeconds(2);
        Retry r = Retry.exponential(8, min, max).withRandom(new SplittableRandom(42));
        for (int i = 1; i <= 8; i++) {
            long base = Math.min(max.toMillis(), 100L << (i - 1));
            Duration d = r.delayBefore(i, BOOM).orElseThrow();
            assertThat(d).isBetween(Duration.ofMillis(Math.max(100, (long) (base * 0.8))), max);
            assertThat(d.toMillis()).isLessThanOrEqualTo(Math.min(max.toMillis(), (long) (base * 1.2)));
        }
        assertThat(r.delayBefore(9, BOOM)).isEmpty();
    }

    @Test
    void exponentialIsReproducibleWithASeededRandom() {
        Retry a = Retry.exponential(5, Duration.ofMillis(50), Duration.ofSeconds(10)).withRandom(new SplittableRandom(7));
        Retry b = Retry.exponential(5, Duration.ofMillis(50), Duration.ofSeconds(10)).withRandom(new SplittableRandom(7));
        for (int i = 1; i <= 5; i++) {
            assertThat(a.delayBefore(i, BOOM)).isEqualTo(b.delayBefore(i, BOOM));
        }
    }

    @Test
    void handleAndIgnoreSelectExceptions() {
        Retry onlyIo = Retry.immediate(3).handle(IOException.class);
        assertThat(onlyIo.delayBefore(1, new IOException("x"))).isPresent();
        assertThat(onlyIo.delayBefore(1, BOOM)).isEmpty();
        Retry notIllegal = Retry.immediate(3).ignore(IllegalStateException.class);
        assertThat(notIllegal.delayBefore(1, BOOM)).isEmpty();
        assertThat(notIllegal.delayBefore(1, new IOException("x"))).isPresent();
    }

    @Test
    void nonRetryableBusExceptionsAreNeverRetried() {
        assertThat(Retry.immediate(3).delayBefore(1, new SerializationException("bad body"))).isEmpty();
        assertThat(Retry.immediate(3).delayBefore(1, new TransportException("down", null))).isEqualTo(Optional.of(Duration.ZERO));
    }

    @Test
    void invalidPoliciesFailAtConfiguration() {
        assertThatThrownBy(() -> Retry.immediate(-1)).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> Retry.exponential(3, Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .hasMessageContaining("below min");
        assertThatThrownBy(() -> Retry.intervals(Duration.ofSeconds(-1))).isInstanceOf(ConfigurationException.class);
    }
}
