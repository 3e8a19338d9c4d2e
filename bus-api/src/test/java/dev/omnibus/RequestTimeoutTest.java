package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.BusClock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RequestTimeoutTest {
    record Ask(UUID id) {
    }

    record Answer(UUID id) {
    }

    /** A clock whose timers are due at once: schedule() runs the task before it returns. */
    static final class ImmediateClock implements BusClock {
        final AtomicInteger fired = new AtomicInteger();

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void sleep(Duration duration) {
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable task) {
            task.run();
            fired.incrementAndGet();
            return () -> false;
        }
    }

    @Test
    void aTimeoutThatFiresAtOnceStillFailsTheRequest() throws Exception {
        ImmediateClock clock = new ImmediateClock();
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create()).clock(clock).start()) {
            CompletableFuture<Answer> f = bus.request(new Ask(UUID.randomUUID()), Answer.class, Duration.ofMillis(1));
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RequestTimeoutException.class);
            assertThat(clock.fired).hasValue(1);
        }
    }
}
