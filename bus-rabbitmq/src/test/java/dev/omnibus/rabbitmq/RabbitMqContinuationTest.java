package dev.omnibus.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RabbitMQ confirms every message of a connection on one thread. A continuation of a bus future
 * that waits for another bus future must not run there, or it waits for its own thread; each test
 * has a deadline, so a deadlock fails instead of hanging.
 */
class RabbitMqContinuationTest {
    record Placed(UUID id) {
    }

    record Billed(UUID id) {
    }

    record Quote(int n) {
    }

    record Quoted(int n) {
    }

    private final String run = Long.toString(System.nanoTime(), 36);

    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @Test
    void aContinuationThatPublishesAndWaitsDoesNotDeadlock() throws Exception {
        String queue = "continuation-" + run;
        AtomicInteger billed = new AtomicInteger();
        try (Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("continuation-" + run)
                .receiveEndpoint(queue, e -> e.consumer(Billed.class, ctx -> billed.incrementAndGet()))
                .start()) {
            UUID id = UUID.randomUUID();
            CompletableFuture<String> ranOn = bus.publish(new Placed(id)).thenApply(ok -> {
                bus.publish(new Billed(id)).join();
                bus.send(Address.queue(queue), new Billed(id)).join();
                return Thread.currentThread().getName();
            });
            assertThat(ranOn.get(10, TimeUnit.SECONDS)).as("the continuation's thread (the caller's when the confirm came first)")
                    .doesNotContain("rabbitmq-confirms");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (billed.get() < 2) {
                assertThat(System.nanoTime()).as("both Billed messages consumed within 10 s").isLessThan(deadline);
                Thread.onSpinWait();
            }
            assertThat(billed).hasValue(2);
        }
    }

    @Test
    void aRequestsContinuationThatWaitsForAnotherRequestDoesNotDeadlock() throws Exception {
        String responder = "quotes-" + run;
        try (Bus bus = Bus.builder().transport(RabbitFixture.transport()).name("continuation-req-" + run)
                .receiveEndpoint(responder, e -> e.consumer(Quote.class, ctx -> ctx.respond(new Quoted(ctx.message().n()))))
                .start()) {
            // responses arrive on the response queue's consumer thread; the first one's continuation
            // must not hold that thread while it waits for the second response
            CompletableFuture<Quoted> second = bus.request(Address.queue(responder), new Quote(1), Quoted.class,
                    Duration.ofSeconds(5), dev.omnibus.SendOptions.defaults())
                    .thenApply(first -> bus.request(Address.queue(responder), new Quote(first.n() + 1), Quoted.class,
                            Duration.ofSeconds(5), dev.omnibus.SendOptions.defaults()).join());
            assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(new Quoted(2));
        }
    }
}
