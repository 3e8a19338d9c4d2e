package dev.omnibus.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.conformance.TransportConformanceKit.Flaky;
import dev.omnibus.testing.conformance.TransportConformanceKit.Later;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Conformance tests of time: delayed redelivery delivers again later and a scheduled send arrives
 * after its delay (lower bounds only, never speed requirements). Part of
 * {@link TransportConformanceKit}.
 */
interface DelayConformance {
    // ------------------------------------------------------------------------------------------
    // 6. Delayed redelivery and scheduled send

    @Test
    default void delayedRedeliveryDeliversAgainLater() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("redeliver");
        Duration wait = Duration.ofMillis(200);
        Flaky flaky = new Flaky(UUID.randomUUID());
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        try (Bus bus = kit.newBus()
                .receiveEndpoint(queue, e -> e
                        .redelivery(Retry.intervals(wait))
                        .consumer(Flaky.class, ctx -> {
                            if (!ctx.message().equals(flaky)) {
                                return;
                            }
                            attempts.add(new Attempt(ctx.redeliveryCount(), System.nanoTime()));
                            if (ctx.redeliveryCount() == 0) {
                                throw new IllegalStateException("the first delivery fails on purpose");
                            }
                        }))
                .start()) {
            QueueProbe errors = kit.probe(queue + "_error");
            kit.confirmed(bus.send(Address.queue(queue), flaky));

            kit.await().until("the failed message is consumed again by a redelivery", () -> attempts.size() >= 2);
            errors.awaitDrained(kit.await());
            assertThat(attempts).extracting(Attempt::redeliveryCount).as("redeliveryCount of each delivery")
                    .containsExactly(0, 1);
            assertThat(Duration.ofNanos(attempts.get(1).nanoTime() - attempts.get(0).nanoTime()))
                    .as("time between the failure and the redelivery").isGreaterThanOrEqualTo(wait.minus(KitContext.CLOCK_SLACK));
            assertThat(errors.messages()).as("messages in " + queue + "_error").isEmpty();
        }
    }

    @Test
    default void scheduledSendArrivesAfterItsDelay() {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("later");
        Duration delay = Duration.ofMillis(300);
        UUID id = UUID.randomUUID();
        AtomicReference<Long> arrived = new AtomicReference<>();
        try (Bus bus = kit.newBus()
                .receiveEndpoint(queue, e -> e.consumer(Later.class, ctx -> {
                    if (ctx.message().id().equals(id)) {
                        arrived.compareAndSet(null, System.nanoTime());
                    }
                }))
                .start()) {
            long sent = System.nanoTime();
            kit.confirmed(bus.send(Address.queue(queue), new Later(id), SendOptions.defaults().withDelay(delay)));

            long at = kit.await().until("the scheduled message arrives", arrived::get, t -> t != null);
            assertThat(Duration.ofNanos(at - sent)).as("time from the scheduled send to the message's arrival")
                    .isGreaterThanOrEqualTo(delay.minus(KitContext.CLOCK_SLACK));
        }
    }
}
