package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.TransportContext;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Stopping and closing from awkward places: during start, from a consumer. */
class StopTest {
    record Halt(UUID id) {
    }

    @Test
    void closeDuringStartStopsTheBusOnceStartFinishes() throws Exception {
        CountDownLatch inStart = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger closes = new AtomicInteger();
        DelegatingTransport transport = new DelegatingTransport(InMemoryTransport.create()) {
            @Override
            public void start(TransportContext context) {
                inStart.countDown();
                try {
                    assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                super.start(context);
            }

            @Override
            public void close() {
                closes.incrementAndGet();
                super.close();
            }
        };
        Bus bus = Bus.builder().transport(transport).build();
        CompletableFuture<Bus> starting = CompletableFuture.supplyAsync(bus::start);
        assertThat(inStart.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(bus::close);
        release.countDown();
        starting.get(5, TimeUnit.SECONDS);
        closing.get(5, TimeUnit.SECONDS);
        assertThat(closes).as("the transport closed once").hasValue(1);
        assertThatThrownBy(() -> bus.publish(new Halt(UUID.randomUUID()))).isInstanceOf(BusStateException.class)
                .hasMessageContaining("stopped");
    }

    @Test
    void stopFromAConsumerReturnsAtOnceAndSettlesItsOwnMessage() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        AtomicReference<Bus> self = new AtomicReference<>();
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<Duration> stopReturned = new CompletableFuture<>();
        Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .stopTimeout(Duration.ofSeconds(20))
                .receiveEndpoint("stopper", e -> e.consumer(Halt.class, ctx -> {
                    calls.incrementAndGet();
                    long t0 = System.nanoTime();
                    self.get().stop();
                    stopReturned.complete(Duration.ofNanos(System.nanoTime() - t0));
                }))
                .build();
        self.set(bus);
        bus.start();
        try {
            bus.publish(new Halt(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
            assertThat(stopReturned.get(5, TimeUnit.SECONDS)).as("stop() inside the consumer returned")
                    .isLessThan(Duration.ofSeconds(3));
            long t0 = System.nanoTime();
            bus.close(); // waits for the stop the consumer began
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the stop finished well before its 20 s timeout")
                    .isLessThan(Duration.ofSeconds(5));
            assertThatThrownBy(() -> bus.publish(new Halt(UUID.randomUUID()))).isInstanceOf(BusStateException.class)
                    .hasMessageContaining("stopped");
            assertThat(calls).as("consumed once").hasValue(1);
            assertThat(broker.depth("stopper")).as("its message was acked, not returned to the queue").isZero();
            assertThat(broker.depth("stopper_error")).isZero();
        } finally {
            bus.close();
        }
    }
}
