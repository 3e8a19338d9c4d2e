package dev.omnibus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ScheduledSendCancelTest {
    record Schedule(UUID reminderId, int copies) {
    }

    record Cancel(UUID reminderId) {
    }

    record Remind(UUID reminderId, int copy) {
    }

    @Test
    void aScheduledSendIsWithdrawnByItsMessageId() throws Exception {
        FakeClock clock = new FakeClock();
        InMemoryBroker broker = InMemoryBroker.create();
        List<Remind> reminded = new CopyOnWriteArrayList<>();
        CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
        CompletableFuture<Boolean> cancelledAgain = new CompletableFuture<>();
        UUID id = UUID.randomUUID();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .clock(clock)
                .receiveEndpoint("planner", e -> e
                        .consumer(Schedule.class, ctx -> {
                            for (int i = 0; i < ctx.message().copies(); i++) {
                                ctx.send(Address.queue("reminders"), new Remind(ctx.message().reminderId(), i),
                                        SendOptions.defaults().withMessageId(ctx.message().reminderId()).withDelay(Duration.ofHours(1)));
                            }
                        })
                        .consumer(Cancel.class, ctx -> {
                            cancelled.complete(ctx.cancelScheduledSend(ctx.message().reminderId()));
                            cancelledAgain.complete(ctx.cancelScheduledSend(ctx.message().reminderId()));
                        }))
                .receiveEndpoint("reminders", e -> e.consumer(Remind.class, ctx -> reminded.add(ctx.message())))
                .start()) {
            bus.publish(new Schedule(id, 2)).get(5, TimeUnit.SECONDS); // two pending copies share one id
            idle(broker);
            bus.publish(new Cancel(id)).get(5, TimeUnit.SECONDS);
            assertThat(cancelled.get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(cancelledAgain.get(5, TimeUnit.SECONDS)).as("a second cancel of the same id").isFalse();
            clock.advance(Duration.ofHours(2));
            idle(broker);
            assertThat(reminded).as("the first copy was withdrawn, the second (its own token) still arrives")
                    .containsExactly(new Remind(id, 1));
        }
    }

    private static void idle(InMemoryBroker broker) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!broker.isIdle()) {
            assertThat(System.nanoTime()).as("broker idle within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
