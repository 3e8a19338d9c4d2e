package dev.omnibus.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.BusBuilder;
import dev.omnibus.Fault;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.inmemory.InMemoryScheduler;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.conformance.QueueProbe.RawMessage;
import dev.omnibus.testing.conformance.TransportConformanceKit.CancelLater;
import dev.omnibus.testing.conformance.TransportConformanceKit.Doomed;
import dev.omnibus.testing.conformance.TransportConformanceKit.Flaky;
import dev.omnibus.testing.conformance.TransportConformanceKit.Later;
import dev.omnibus.testing.conformance.TransportConformanceKit.Marker;
import dev.omnibus.testing.conformance.TransportConformanceKit.SchedulerChoice;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conformance tests of time: delayed redelivery delivers again later, and once spent ends in
 * {@code _error} with one {@code Fault<T>} after exactly the configured number of attempts; a
 * scheduled send arrives after its delay; and cancelling a scheduled send follows one contract on
 * every scheduler. Part of {@link TransportConformanceKit}.
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

    @Test
    default void spentDelayedRedeliveryCallsTheConsumerExactlyThenErrorsAndFaultsOnce() {
        KitContext kit = KitContext.of(this);
        String failing = kit.endpoint("spent");
        String faults = kit.endpoint("spent-faults");
        int retries = 2;
        Duration wait = Duration.ofMillis(100);
        Retry redelivery = Retry.intervals(wait, wait);
        Doomed doomed = new Doomed(UUID.randomUUID(), "always fails");
        Doomed marker = new Doomed(UUID.randomUUID(), "marker");
        UUID messageId = UUID.randomUUID();
        UUID faultMarker = UUID.randomUUID();
        List<List<Integer>> attempts = new CopyOnWriteArrayList<>();
        Queue<Fault<Doomed>> faultsSeen = new ConcurrentLinkedQueue<>();
        Set<UUID> markers = ConcurrentHashMap.newKeySet();
        try (Bus bus = kit.newBus()
                .receiveEndpoint(failing, e -> e
                        .retry(Retry.immediate(retries))
                        .redelivery(redelivery)
                        .consumer(Doomed.class, ctx -> {
                            if (ctx.message().equals(marker)) {
                                markers.add(marker.id());
                            }
                            if (!ctx.message().equals(doomed)) {
                                return;
                            }
                            attempts.add(List.of(ctx.redeliveryCount(), ctx.retryAttempt()));
                            throw new IllegalStateException("doomed " + ctx.message().id());
                        }))
                .receiveEndpoint(faults, e -> e
                        .faultConsumer(Doomed.class, ctx -> faultsSeen.add(ctx.message()))
                        .consumer(Marker.class, ctx -> markers.add(ctx.message().id())))
                .start()) {
            QueueProbe errors = kit.probe(failing + "_error");
            kit.confirmed(bus.send(Address.queue(failing), doomed, SendOptions.defaults().withMessageId(messageId)));

            RawMessage moved = errors.awaitMessage(kit.await(), "the message whose redeliveries are spent",
                    m -> messageId.equals(RawMessages.messageIdOf(m)));
            kit.await().until("a Fault<Doomed> consumed at " + faults,
                    () -> faultsSeen.stream().anyMatch(f -> doomed.equals(f.message())));
            // nothing more may come: a marker behind each path, sent now, arrives after any straggler
            kit.confirmed(bus.send(Address.queue(failing), marker, SendOptions.defaults().withDelay(wait)));
            kit.confirmed(bus.send(Address.queue(faults), new Marker(faultMarker)));
            kit.await().until("markers behind the redelivery and the fault paths arrive",
                    () -> markers.containsAll(List.of(marker.id(), faultMarker)));
            errors.awaitDrained(kit.await());

            List<List<Integer>> expected = new ArrayList<>();
            for (int r = 0; r <= redelivery.limit(); r++) {
                for (int a = 0; a <= retries; a++) {
                    expected.add(List.of(r, a));
                }
            }
            assertThat(attempts).as("consumer calls as [redeliveryCount, retryAttempt]: (retries + 1) x (redeliveries + 1)"
                    + " = %d", expected.size()).containsExactlyElementsOf(expected);
            assertThat(errors.messages()).as("messages in " + failing + "_error").hasSize(1);
            assertThat(moved.header("MT-Redelivery-Count")).as("MT-Redelivery-Count of the message in _error")
                    .isEqualTo(String.valueOf(redelivery.limit()));
            assertThat(moved.header("MT-Fault-RetryCount")).as("MT-Fault-RetryCount").isEqualTo(String.valueOf(retries));
            assertThat(faultsSeen).as("Fault<Doomed> messages published for the message").filteredOn(
                    f -> doomed.equals(f.message())).hasSize(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(SchedulerChoice.class)
    default void cancelWithdrawsOnlyAPendingScheduledSendAndTheMessageNeverArrives(SchedulerChoice choice) {
        KitContext kit = KitContext.of(this);
        String queue = kit.endpoint("cancel");
        Duration far = Duration.ofSeconds(1);
        Duration near = Duration.ofMillis(50);
        UUID pending = UUID.randomUUID();
        UUID sent = UUID.randomUUID();
        UUID unknown = UUID.randomUUID();
        UUID marker = UUID.randomUUID();
        Queue<UUID> arrived = new ConcurrentLinkedQueue<>();
        Map<UUID, Boolean> cancelled = new ConcurrentHashMap<>();
        AtomicLong cancelledPendingAt = new AtomicLong();
        Transport transport = kit.newTransport();
        BusBuilder builder = kit.newBus(transport);
        boolean withdrawable;
        if (choice == SchedulerChoice.IN_MEMORY) {
            builder.scheduler(new InMemoryScheduler());
            withdrawable = true;
        } else {
            withdrawable = transport.nativeScheduler().isEmpty() || transport.capabilities().cancellableDelay();
        }
        try (Bus bus = builder
                .receiveEndpoint(queue, e -> e
                        .consumer(Later.class, ctx -> arrived.add(ctx.message().id()))
                        .consumer(CancelLater.class, ctx -> {
                            UUID target = ctx.message().target();
                            boolean result = ctx.cancelScheduledSend(target);
                            if (target.equals(pending)) {
                                cancelledPendingAt.set(System.nanoTime());
                            }
                            cancelled.put(target, result);
                        }))
                .start()) {
            long scheduled = System.nanoTime();
            kit.confirmed(bus.send(Address.queue(queue), new Later(pending),
                    SendOptions.defaults().withMessageId(pending).withDelay(far)));
            kit.confirmed(bus.send(Address.queue(queue), new Later(sent),
                    SendOptions.defaults().withMessageId(sent).withDelay(near)));
            kit.await().until("the message scheduled " + near + " ahead arrives", () -> arrived.contains(sent));
            for (UUID target : List.of(pending, sent, unknown)) {
                kit.confirmed(bus.send(Address.queue(queue), new CancelLater(target)));
            }
            kit.await().until("three cancellations ran", cancelled::size, n -> n == 3);
            assertThat(Duration.ofNanos(cancelledPendingAt.get() - scheduled))
                    .as("time from scheduling to cancelling the pending message (the test needs it before it is due)")
                    .isLessThan(far);
            // the marker is scheduled after the cancel with the same delay: anything due before it has come by then
            kit.confirmed(bus.send(Address.queue(queue), new Later(marker),
                    SendOptions.defaults().withMessageId(marker).withDelay(far)));
            kit.await().until("the marker scheduled after the cancellation arrives", () -> arrived.contains(marker));

            assertThat(cancelled.get(sent)).as("cancelScheduledSend of a message already sent").isFalse();
            assertThat(cancelled.get(unknown)).as("cancelScheduledSend of an id never scheduled").isFalse();
            assertThat(arrived).as("arrivals of the message sent before the cancel").filteredOn(sent::equals).hasSize(1);
            if (withdrawable) {
                assertThat(cancelled.get(pending)).as("cancelScheduledSend of a pending message (%s)", choice).isTrue();
                assertThat(arrived).as("arrivals of the cancelled message").doesNotContain(pending);
            } else {
                assertThat(cancelled.get(pending)).as("cancelScheduledSend of a pending message on a scheduler that cannot "
                        + "withdraw (TransportCapabilities.cancellableDelay false)").isFalse();
                kit.await().until("the message the scheduler could not withdraw arrives", () -> arrived.contains(pending));
            }
        }
    }
}
