package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.OutgoingMessage;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Continuations of the bus's futures never run on a transport's thread: a continuation that waits
 * for another of the bus's futures must not wait for the thread it holds.
 */
class ContinuationThreadTest {
    record First(UUID id) {
    }

    record Second(UUID id) {
    }

    record Ping(int n) {
    }

    record Pong(int n) {
    }

    private final ExecutorService confirms = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-confirms"));
    private final AtomicInteger confirmed = new AtomicInteger();

    @AfterEach
    void stopConfirms() {
        confirms.shutdownNow();
    }

    /** Keeps the confirm thread busy until the returned latch is released, so a confirm comes after what follows. */
    private CountDownLatch holdConfirms() {
        CountDownLatch hold = new CountDownLatch(1);
        confirms.execute(() -> {
            try {
                hold.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return hold;
    }

    /** The in-memory transport, confirming every message later on one dedicated thread, as RabbitMQ does. */
    private DelegatingTransport confirmingOnOneThread() {
        return new DelegatingTransport(InMemoryTransport.create()) {
            @Override
            public CompletableFuture<Void> publish(MessageType messageType, OutgoingMessage message) {
                return later(super.publish(messageType, message));
            }

            @Override
            public CompletableFuture<Void> send(Address destination, OutgoingMessage message) {
                return later(super.send(destination, message));
            }

            private CompletableFuture<Void> later(CompletableFuture<Void> f) {
                return f.thenApplyAsync(ok -> {
                    confirmed.incrementAndGet();
                    return ok;
                }, confirms);
            }
        };
    }

    @Test
    void aContinuationThatWaitsForAnotherPublishDoesNotDeadlock() throws Exception {
        try (Bus bus = Bus.builder().transport(confirmingOnOneThread()).start()) {
            CountDownLatch hold = holdConfirms(); // the continuation is attached before the confirm
            CompletableFuture<String> ranOn = bus.publish(new First(UUID.randomUUID())).thenApply(ok -> {
                bus.publish(new Second(UUID.randomUUID())).join();
                bus.send(Address.queue("elsewhere"), new Second(UUID.randomUUID())).join();
                return Thread.currentThread().getName();
            });
            hold.countDown();
            assertThat(ranOn.get(5, TimeUnit.SECONDS)).as("the continuation's thread")
                    .startsWith("omnibus-").doesNotContain("test-confirms");
            assertThat(confirmed).hasValue(3);
        }
    }

    @Test
    void aConsumersContinuationThatWaitsForAnotherPublishDoesNotDeadlock() throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger calls = new AtomicInteger();
        try (Bus bus = Bus.builder()
                .transport(confirmingOnOneThread())
                .receiveEndpoint("chain", e -> e.consumer(First.class, ctx -> {
                    calls.incrementAndGet();
                    CountDownLatch hold = holdConfirms(); // the continuation is attached before the confirm
                    CompletableFuture<Void> chained = ctx.publish(new Second(ctx.message().id()))
                            .thenRun(() -> ctx.respond(new Pong(1)).join()); // no response address: published
                    hold.countDown();
                    chained.get(5, TimeUnit.SECONDS);
                    done.complete(null);
                }))
                .start()) {
            bus.publish(new First(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
            done.get(10, TimeUnit.SECONDS);
            assertThat(calls).hasValue(1);
        }
    }

    @Test
    void aRequestsContinuationThatWaitsForAnotherRequestDoesNotDeadlock() throws Exception {
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("pong", e -> e.consumer(Ping.class, ctx -> ctx.respond(new Pong(ctx.message().n()))))
                .start()) {
            CompletableFuture<Pong> second = bus.request(new Ping(1), Pong.class, Duration.ofSeconds(5))
                    .thenApply(first -> bus.request(new Ping(first.n() + 1), Pong.class, Duration.ofSeconds(5)).join());
            assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(new Pong(2));
        }
    }

    @Test
    void aFutureConfirmedBeforeItIsReturnedGetsNoThreadHop() throws Exception {
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create()).start()) {
            CompletableFuture<Void> f = bus.publish(new First(UUID.randomUUID()));
            assertThat(f).isDone();
            Thread caller = Thread.currentThread();
            assertThat(f.thenApply(ok -> Thread.currentThread()).get(1, TimeUnit.SECONDS)).isSameAs(caller);
        }
    }
}
