package dev.omnibus.saga.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.ConfigurationException;
import dev.omnibus.saga.State;
import dev.omnibus.saga.testing.Fulfilment.Bug;
import dev.omnibus.saga.testing.Fulfilment.ChargeCard;
import dev.omnibus.saga.testing.Fulfilment.FulfilmentSaga;
import dev.omnibus.saga.testing.Fulfilment.OrderCancelled;
import dev.omnibus.saga.testing.Fulfilment.OrderPlaced;
import dev.omnibus.saga.testing.Fulfilment.OrderState;
import dev.omnibus.saga.testing.Fulfilment.PaymentCaptured;
import dev.omnibus.saga.testing.Fulfilment.RefundPayment;
import dev.omnibus.saga.testing.Fulfilment.ShipOrder;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class SagaExplorerTest {
    /** The three events, each once or twice, placed first, and the payment timeout at most once. */
    static SagaExplorer.Builder<OrderState> fulfilment(FulfilmentSaga saga) {
        return SagaExplorer.builder(saga)
                .event(saga.placed, OrderPlaced::new)
                .event(saga.captured, PaymentCaptured::new)
                .event(saga.cancel, OrderCancelled::new)
                .happensAfter(saga.captured, saga.placed)
                .happensAfter(saga.cancel, saga.placed)
                .expectFinalStateIn(State.FINAL, saga.cancelled, saga.refunded)
                .expect("ChargeCard sent once", run -> run.produced(ChargeCard.class).size() == 1)
                .expect("ShipOrder or RefundPayment for a paid order, once, never both",
                        run -> run.produced(ShipOrder.class).size() + run.produced(RefundPayment.class).size() == 1);
    }

    @Test
    void correctFulfilmentSagaPassesEveryOrderWithDuplicatesAndTimeouts() {
        FulfilmentSaga saga = new FulfilmentSaga(Bug.NONE);
        Exploration<OrderState> result = fulfilment(saga)
                .withDuplicates()
                .withTimeouts()
                .happensAfter(saga.paymentTimeout.received(), saga.placed)
                .build()
                .explore();

        result.assertAllPassed();
        // placed 1-2 times, captured 1-2, cancelled 1-2 (both after placed), the timeout 0-1 (after placed):
        // 458 distinct sequences, counted by brute force over every permutation of every multiset.
        assertThat(result.explored()).isEqualTo(458);
        assertThat(result.total()).isEqualTo(BigInteger.valueOf(458));
        assertThat(result.sampled()).isFalse();
        assertThat(result.toString()).isEqualTo("FulfilmentSaga: 458 orders explored, 0 failed");
    }

    @Test
    void lateEventThatAStateDoesNotHandleIsReportedWithExactlyTheOrdersThatHitIt() {
        FulfilmentSaga saga = new FulfilmentSaga(Bug.LATE_PAYMENT_UNHANDLED);
        Exploration<OrderState> result = SagaExplorer.builder(saga)
                .event(saga.placed, OrderPlaced::new)
                .event(saga.captured, PaymentCaptured::new)
                .event(saga.cancel, OrderCancelled::new)
                .happensAfter(saga.captured, saga.placed)
                .happensAfter(saga.cancel, saga.placed)
                .happensAfter(saga.paymentTimeout.received(), saga.placed)
                .withTimeouts()
                .expectFinalStateIn(State.FINAL, saga.cancelled, saga.refunded)
                .build()
                .explore();

        assertThat(result.explored()).isEqualTo(8);
        assertThat(result.failed()).extracting(r -> String.join(", ", r.order())).containsExactly(
                "OrderPlaced, OrderCancelled, PaymentCaptured",
                "OrderPlaced, OrderCancelled, PaymentCaptured, PaymentTimeout fires",
                "OrderPlaced, OrderCancelled, PaymentTimeout fires, PaymentCaptured",
                "OrderPlaced, PaymentTimeout fires, OrderCancelled, PaymentCaptured",
                "OrderPlaced, PaymentTimeout fires, PaymentCaptured, OrderCancelled");
        ExploredRun<OrderState> shortest = result.failed().get(0);
        assertThat(shortest.state()).isEqualTo(saga.cancelled);
        assertThat(shortest.violations()).singleElement().asString()
                .startsWith("UnhandledEventException at step 3 (PaymentCaptured): FulfilmentSaga: event PaymentCaptured is not handled in state Cancelled");
        assertThatThrownBy(result::assertAllPassed).isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("FulfilmentSaga: 8 orders explored, 5 failed, shortest first:\n"
                        + "  1. OrderPlaced, OrderCancelled, PaymentCaptured -> Cancelled: UnhandledEventException at step 3");
    }

    @Test
    void duplicateThatChargesAgainIsReportedWithExactlyTheOrdersWhereItCameWhileAwaitingPayment() {
        FulfilmentSaga saga = new FulfilmentSaga(Bug.DUPLICATE_CHARGES_AGAIN);
        Exploration<OrderState> result = SagaExplorer.builder(saga)
                .event(saga.placed, OrderPlaced::new)
                .event(saga.captured, PaymentCaptured::new)
                .happensAfter(saga.captured, saga.placed)
                .withDuplicates()
                .expectFinalStateIn(State.FINAL)
                .expect("ChargeCard sent once", run -> run.produced(ChargeCard.class).size() == 1)
                .build()
                .explore();

        // P C, P P C, P C P, P C C, P P C C, P C P C, P C C P
        assertThat(result.explored()).isEqualTo(7);
        assertThat(result.failed()).extracting(ExploredRun::describe).containsExactly(
                "OrderPlaced, OrderPlaced, PaymentCaptured -> Final: expected ChargeCard sent once",
                "OrderPlaced, OrderPlaced, PaymentCaptured, PaymentCaptured -> Final: expected ChargeCard sent once");
        assertThat(result.failed().get(0).produced(ChargeCard.class)).hasSize(2);
    }

    @Test
    void theSameMachineWithoutTheBugPassesTheSameOrders() {
        FulfilmentSaga saga = new FulfilmentSaga(Bug.NONE);
        Exploration<OrderState> result = SagaExplorer.builder(saga)
                .event(saga.placed, OrderPlaced::new)
                .event(saga.captured, PaymentCaptured::new)
                .happensAfter(saga.captured, saga.placed)
                .withDuplicates()
                .expectFinalStateIn(State.FINAL)
                .expect("ChargeCard sent once", run -> run.produced(ChargeCard.class).size() == 1)
                .build()
                .explore();

        assertThat(result.explored()).isEqualTo(7);
        assertThat(result.failed()).isEmpty();
    }

    @Test
    void withTimeoutsTimeRunsOutAfterTheLastStepSoAWaitingInstanceTimesOut() {
        FulfilmentSaga saga = new FulfilmentSaga(Bug.NONE);
        List<ExploredRun<OrderState>> runs = new java.util.ArrayList<>();
        Exploration<OrderState> result = SagaExplorer.builder(saga)
                .event(saga.placed, OrderPlaced::new)
                .withTimeouts()
                .expectFinalStateIn(saga.cancelled)
                .expect("recorded", runs::add)
                .build()
                .explore();

        result.assertAllPassed();
        // OrderPlaced; OrderPlaced then an hour; an hour (nothing pending yet) then OrderPlaced
        assertThat(runs).extracting(r -> String.join(", ", r.order())).containsExactly(
                "OrderPlaced", "OrderPlaced, PaymentTimeout fires", "PaymentTimeout fires, OrderPlaced");
        assertThat(runs).allSatisfy(r -> assertThat(r.produced()).extracting(m -> m.getClass().getSimpleName())
                .containsExactly("ChargeCard", "PaymentTimeout"));
    }

    record Start(java.util.UUID id) {
    }

    record Tick(java.util.UUID id) {
    }

    static final class Ticks {
        int count;
    }

    /** A timeout that schedules itself again, for ever. */
    static final class Heartbeat extends dev.omnibus.saga.StateMachine<Ticks> {
        final State ticking = state("Ticking");
        final dev.omnibus.saga.Event<Start> start = event(Start.class, Start::id);
        final dev.omnibus.saga.Schedule<Tick> tick = schedule("Tick", Tick.class, Tick::id, java.time.Duration.ofMinutes(1));

        Heartbeat() {
            super(Ticks.class);
            initially(when(start).schedule(tick, ctx -> new Tick(ctx.id())).transitionTo(ticking));
            during(ticking,
                    when(tick.received()).then(ctx -> ctx.instance().count++).schedule(tick, ctx -> new Tick(ctx.id())),
                    ignore(start));
        }
    }

    @Test
    void timeoutsThatNeverStopFiringAreReportedInsteadOfRunningForEver() {
        Heartbeat saga = new Heartbeat();
        Exploration<Ticks> result = SagaExplorer.builder(saga).event(saga.start, Start::new).withTimeouts().build().explore();

        assertThat(result.explored()).isEqualTo(3);
        assertThat(result.failed()).hasSize(3).allSatisfy(r -> {
            assertThat(r.violations()).containsExactly(
                    "timeouts kept firing after 100 rounds of PT1M passing (a timeout that schedules itself again?)");
            assertThat(r.instance()).get().extracting(t -> t.count).isEqualTo(r.order().equals(List.of("Start", "Tick fires")) ? 101 : 100);
        });
    }

    @Test
    void withoutTimeoutsNoTimePasses() {
        FulfilmentSaga saga = new FulfilmentSaga(Bug.NONE);
        Exploration<OrderState> result = SagaExplorer.builder(saga)
                .event(saga.placed, OrderPlaced::new)
                .expectFinalStateIn(saga.cancelled)
                .build()
                .explore();

        assertThat(result.explored()).isEqualTo(1);
        assertThat(result.failed()).extracting(ExploredRun::describe)
                .containsExactly("OrderPlaced -> AwaitingPayment: expected final state in [Cancelled]");
    }

    @Test
    void aboveTheBoundASeededUniformSampleIsExploredAndSaidToBe() {
        FulfilmentSaga saga = new FulfilmentSaga(Bug.LATE_PAYMENT_UNHANDLED);
        SagaExplorer<OrderState> explorer = fulfilment(saga).withDuplicates().withTimeouts()
                .happensAfter(saga.paymentTimeout.received(), saga.placed)
                .maxOrders(20).seed(7).build();

        Exploration<OrderState> first = explorer.explore();
        Exploration<OrderState> again = explorer.explore();

        assertThat(explorer.orders()).isEqualTo(BigInteger.valueOf(458));
        assertThat(first.explored()).isEqualTo(20);
        assertThat(first.sampled()).isTrue();
        assertThat(first.toString()).startsWith("FulfilmentSaga: a sample of 20 of 458 orders (seed 7) explored, ");
        assertThat(first.failed()).isNotEmpty();
        assertThat(again.failed()).extracting(ExploredRun::describe)
                .containsExactlyElementsOf(first.failed().stream().map(ExploredRun::describe).toList());
    }

    @Test
    void badConfigurationFailsAtBuildListingEveryProblem() {
        FulfilmentSaga saga = new FulfilmentSaga(Bug.NONE);
        FulfilmentSaga other = new FulfilmentSaga(Bug.NONE);
        assertThatThrownBy(() -> SagaExplorer.builder(saga)
                .event(other.placed, OrderPlaced::new)
                .event(saga.captured, PaymentCaptured::new)
                .event(saga.captured, PaymentCaptured::new)
                .happensAfter(saga.cancel, saga.placed)
                .maxOrders(0)
                .build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).containsExactly(
                        "SagaExplorer(FulfilmentSaga): event OrderPlaced is not an event of FulfilmentSaga",
                        "SagaExplorer(FulfilmentSaga): event PaymentCaptured is added twice (withDuplicates() adds a second copy of each)",
                        "SagaExplorer(FulfilmentSaga): happensAfter(OrderCancelled, OrderPlaced) needs two different explored events"
                                + " (timeouts are explored only with withTimeouts())",
                        "SagaExplorer(FulfilmentSaga): maxOrders must be at least 1, was 0"));
        assertThatThrownBy(() -> SagaExplorer.builder(saga).build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("no event to explore");
    }

    @Test
    void producedMessagesAndFinalInstanceAreThoseOfTheRun() {
        FulfilmentSaga saga = new FulfilmentSaga(Bug.NONE);
        List<ExploredRun<OrderState>> runs = new java.util.ArrayList<>();
        SagaExplorer.builder(saga)
                .event(saga.placed, OrderPlaced::new)
                .event(saga.cancel, OrderCancelled::new)
                .happensAfter(saga.cancel, saga.placed)
                .expect("recorded", runs::add)
                .build()
                .explore()
                .assertAllPassed();

        assertThat(runs).singleElement().satisfies(run -> {
            assertThat(run.order()).containsExactly("OrderPlaced", "OrderCancelled");
            assertThat(run.state()).isEqualTo(saga.cancelled);
            assertThat(run.instance()).get().extracting(s -> s.charges).isEqualTo(1);
            // ChargeCard, then the payment timeout the saga scheduled (to its own queue)
            assertThat(run.produced()).extracting(m -> m.getClass().getSimpleName())
                    .containsExactly("ChargeCard", "PaymentTimeout");
        });
    }
}
