package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.saga.testing.SagaAssertions;
import dev.omnibus.testing.HarnessEvent;
import dev.omnibus.testing.TestHarness;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SagaFeaturesTest {
    record PaymentReceived(UUID orderId) {
    }

    record StockReserved(UUID orderId) {
    }

    record ShipOrder(UUID orderId) {
    }

    record PickOrder(UUID orderId) {
    }

    record Abandon(UUID orderId) {
    }

    record Boom(UUID orderId) {
    }

    record Increment(UUID counterId) {
    }

    record WhatIsTheCount(UUID counterId) {
    }

    record Count(UUID counterId, int value) {
    }

    static final class Shipment {
        int events;
    }

    /** Ships when payment and stock have both arrived, in either order; any state can be abandoned. */
    static final class ShipmentSaga extends StateMachine<Shipment> {
        final State waiting = state("Waiting");
        final Event<PaymentReceived> paid = event(PaymentReceived.class, PaymentReceived::orderId);
        final Event<StockReserved> reserved = event(StockReserved.class, StockReserved::orderId);
        final Event<Abandon> abandon = event(Abandon.class, Abandon::orderId);
        final Event<Boom> boom = event(Boom.class, Boom::orderId);
        final Event<Object> ready = compositeEvent("ReadyToShip", paid, reserved);

        ShipmentSaga(UnhandledEventPolicy policy) {
            super(Shipment.class);
            removeWhenFinalized();
            onUnhandledEvent(policy);
            initially(
                    when(paid).then(ctx -> ctx.instance().events++).transitionTo(waiting),
                    when(reserved).then(ctx -> ctx.instance().events++).transitionTo(waiting),
                    when(boom).then(ctx -> ctx.instance().events++).publish(ctx -> new ShipOrder(ctx.id()))
                            .then(ctx -> {
                                throw new IllegalStateException("boom");
                            }));
            during(waiting, when(ready)
                    .publish(ctx -> new ShipOrder(ctx.id()))
                    .send(dev.omnibus.Address.queue("warehouse"), ctx -> new PickOrder(ctx.id()))
                    .finalizeInstance());
            duringAny(when(abandon).finalizeInstance());
        }
    }

    static final class Counter {
        int count;
    }

    static final class CounterSaga extends StateMachine<Counter> {
        final Map<UUID, AtomicInteger> running = new ConcurrentHashMap<>();
        final AtomicInteger overlaps = new AtomicInteger();
        final State counting = state("Counting");
        final Event<Increment> inc = event(Increment.class, Increment::counterId);
        final Event<WhatIsTheCount> ask = event(WhatIsTheCount.class, WhatIsTheCount::counterId);

        CounterSaga() {
            super(Counter.class);
            initially(when(inc).then(this::count).transitionTo(counting));
            during(counting, when(inc).then(this::count), when(ask).respond(ctx -> new Count(ctx.id(), ctx.instance().count)));
        }

        private void count(BehaviorContext<Counter, Increment> ctx) {
            AtomicInteger r = running.computeIfAbsent(ctx.id(), k -> new AtomicInteger());
            if (r.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            Thread.onSpinWait();
            ctx.instance().count++;
            r.decrementAndGet();
        }
    }

    private static TestHarness harness(StateMachine<?> saga, InMemorySagaRepository repository) {
        return TestHarness.builder()
                .configure(bus -> bus.receiveEndpoint("saga", e -> SagaEndpoint.configure(e.concurrency(8), saga, repository)))
                .start();
    }

    @Test
    void aCompositeEventFiresWhenAllItsEventsArrivedInEitherOrder() {
        ShipmentSaga saga = new ShipmentSaga(UnhandledEventPolicy.FAULT);
        InMemorySagaRepository repository = InMemorySagaRepository.create();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus
                        .receiveEndpoint("saga", e -> SagaEndpoint.configure(e.concurrency(8), saga, repository))
                        .receiveEndpoint("warehouse", e -> e.handler(PickOrder.class, ctx -> { })))
                .start()) {
            var sagas = SagaAssertions.of(h, saga, repository);
            UUID a = UUID.randomUUID();
            UUID b = UUID.randomUUID();
            h.publish(new PaymentReceived(a));
            h.publish(new StockReserved(b));
            sagas.assertState(a, saga.waiting);
            sagas.assertState(b, saga.waiting);
            h.assertNotPublished(ShipOrder.class);
            h.publish(new StockReserved(a));
            h.publish(new PaymentReceived(b));
            h.assertPublished(ShipOrder.class, s -> s.orderId().equals(a));
            h.assertPublished(ShipOrder.class, s -> s.orderId().equals(b));
            h.assertConsumed(PickOrder.class, p -> p.orderId().equals(a));
            h.assertSent(PickOrder.class, p -> p.orderId().equals(b));
            sagas.assertFinalized(a);
            sagas.assertFinalized(b);
            assertThat(repository.size()).as("finalized instances are removed").isZero();
        }
    }

    @Test
    void duringAnyAppliesInEveryStateButInitial() {
        ShipmentSaga saga = new ShipmentSaga(UnhandledEventPolicy.FAULT);
        InMemorySagaRepository repository = InMemorySagaRepository.create();
        try (TestHarness h = harness(saga, repository)) {
            var sagas = SagaAssertions.of(h, saga, repository);
            UUID id = UUID.randomUUID();
            h.publish(new PaymentReceived(id));
            sagas.assertState(id, saga.waiting);
            h.publish(new Abandon(id));
            sagas.assertNotExists(id);
            h.publish(new Abandon(UUID.randomUUID()));
            h.assertFaulted(Abandon.class, UnhandledEventException.class);
        }
    }

    @Test
    void anUnhandledEventIsDroppedUnderTheIgnorePolicy() {
        ShipmentSaga saga = new ShipmentSaga(UnhandledEventPolicy.IGNORE);
        InMemorySagaRepository repository = InMemorySagaRepository.create();
        try (TestHarness h = harness(saga, repository)) {
            h.publish(new Abandon(UUID.randomUUID()));
            h.assertConsumed(Abandon.class);
            h.assertIdle();
            assertThat(h.depth("saga_error")).isZero();
            assertThat(repository.size()).isZero();
        }
    }

    @Test
    void aFailingActivitySavesNothingAndProducesNothing() {
        ShipmentSaga saga = new ShipmentSaga(UnhandledEventPolicy.FAULT);
        InMemorySagaRepository repository = InMemorySagaRepository.create();
        try (TestHarness h = harness(saga, repository)) {
            UUID id = UUID.randomUUID();
            h.publish(new Boom(id));
            h.assertFaulted(Boom.class, IllegalStateException.class);
            h.assertNotPublished(ShipOrder.class);
            assertThat(repository.find(id)).isEmpty();
        }
    }

    @Test
    void oneInstanceHandlesOneMessageAtATimeAndNoIncrementIsLost() {
        CounterSaga saga = new CounterSaga();
        InMemorySagaRepository repository = InMemorySagaRepository.create();
        try (TestHarness h = harness(saga, repository)) {
            var sagas = SagaAssertions.of(h, saga, repository).within(Duration.ofSeconds(30));
            UUID[] ids = new UUID[10];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = UUID.randomUUID();
            }
            for (int n = 0; n < 40; n++) {
                for (UUID id : ids) {
                    h.publish(new Increment(id)); // no correlation id on the envelope: the bus cannot order these
                }
            }
            for (UUID id : ids) {
                sagas.assertInstance(id, i -> i.data().count == 40, "to have counted 40");
                assertThat(sagas.assertExists(id).version()).isEqualTo(40);
            }
            assertThat(saga.overlaps).as("activities of one instance running at once").hasValue(0);
        }
    }

    @Test
    void aSagaRespondsToARequest() {
        CounterSaga saga = new CounterSaga();
        InMemorySagaRepository repository = InMemorySagaRepository.create();
        try (TestHarness h = harness(saga, repository)) {
            UUID id = UUID.randomUUID();
            h.publish(new Increment(id));
            h.publish(new Increment(id));
            SagaAssertions.of(h, saga, repository).assertInstance(id, i -> i.data().count == 2, "to count 2");
            Count c = h.bus().request(new WhatIsTheCount(id), Count.class, Duration.ofSeconds(5)).join();
            assertThat(c.value()).isEqualTo(2);
            assertThat(h.messages(HarnessEvent.Kind.SENT, Count.class)).hasSize(1);
        }
    }

    @Test
    void twoRuntimesOnOneRepositoryRetryTheirConflicts() {
        CounterSaga saga = new CounterSaga();
        InMemorySagaRepository repository = InMemorySagaRepository.create();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus
                        .receiveEndpoint("saga-a", e -> SagaEndpoint.configure(e.concurrency(4), saga, repository))
                        .receiveEndpoint("saga-b", e -> SagaEndpoint.configure(e.concurrency(4), saga, repository)))
                .timeout(Duration.ofSeconds(30))
                .start()) {
            UUID id = UUID.randomUUID();
            h.publish(new Increment(id)); // both endpoints consume Increment: two separate runtimes, two increments
            SagaAssertions.of(h, saga, repository).assertInstance(id, i -> i.data().count == 2, "to count 2");
            for (int n = 0; n < 100; n++) {
                h.publish(new Increment(id));
            }
            SagaAssertions.of(h, saga, repository).within(Duration.ofSeconds(30))
                    .assertInstance(id, i -> i.data().count == 202, "to count 202");
        }
    }
}
