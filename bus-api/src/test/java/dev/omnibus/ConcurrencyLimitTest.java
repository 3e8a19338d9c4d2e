package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {
    record Work(int n) {
    }

    record Other(int n) {
    }

    @Test
    void aSharedLimitBoundsSeveralEndpointsTogether() throws Exception {
        ConcurrencyLimit limit = ConcurrencyLimit.of(2);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(40);
        MessageConsumer<Object> work = ctx -> {
            int now = running.incrementAndGet();
            peak.accumulateAndGet(now, Math::max);
            // some work while holding the permit, so overlaps would show
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            running.decrementAndGet();
            done.countDown();
        };
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("a", e -> e.concurrency(4).filter(limit).consumer(Work.class, work))
                .receiveEndpoint("b", e -> e.concurrency(4).filter(limit).consumer(Other.class, work))
                .start()) {
            for (int i = 0; i < 20; i++) {
                bus.publish(new Work(i));
                bus.publish(new Other(i));
            }
            assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(peak.get()).isBetween(1, 2);
        assertThat(limit.inUse()).isZero();
    }
}
