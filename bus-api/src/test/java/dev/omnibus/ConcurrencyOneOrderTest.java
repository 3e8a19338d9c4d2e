package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An endpoint with concurrency 1 consumes in arrival order, whatever the correlation ids. */
class ConcurrencyOneOrderTest {
    record Step(String name) {
    }

    @Test
    void concurrencyOneConsumesInSendOrderAcrossCorrelationIds() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        CountDownLatch gate = new CountDownLatch(1);
        List<String> consumed = new CopyOnWriteArrayList<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("steps", e -> e.concurrency(1).prefetch(32).consumer(Step.class, ctx -> {
                    if (ctx.message().name().equals("gate")) {
                        gate.await(10, TimeUnit.SECONDS); // holds the one worker while the rest arrives
                    } else {
                        consumed.add(ctx.message().name());
                    }
                }))
                .start()) {
            bus.send(Address.queue("steps"), new Step("gate"),
                    SendOptions.defaults().withCorrelationId(UUID.randomUUID())).get(5, TimeUnit.SECONDS);
            UUID a = UUID.randomUUID();
            UUID b = UUID.randomUUID();
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                for (UUID key : List.of(a, b)) {
                    String name = (key == a ? "A" : "B") + i;
                    sent.add(name);
                    bus.send(Address.queue("steps"), new Step(name), SendOptions.defaults().withCorrelationId(key))
                            .get(5, TimeUnit.SECONDS);
                }
            }
            // every message handed to the endpoint (prefetch 32 > 11) before the worker is released
            Waits.until("queue 'steps' drained into the endpoint", Duration.ofSeconds(10), () -> broker.depth("steps") == 0);
            gate.countDown();
            Waits.until("10 steps consumed", Duration.ofSeconds(10), () -> consumed.size() == 10);
            assertThat(consumed).containsExactlyElementsOf(sent);
        }
    }
}
