package dev.omnibus.examples.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.examples.saga.Messages.OrderAccepted;
import dev.omnibus.examples.saga.Messages.OrderCancelled;
import dev.omnibus.examples.saga.Messages.OrderExpired;
import dev.omnibus.examples.saga.Messages.OrderProcessed;
import dev.omnibus.examples.saga.Messages.OrderSubmitted;
import dev.omnibus.examples.saga.Messages.ProcessOrder;
import dev.omnibus.saga.State;
import dev.omnibus.saga.testing.Exploration;
import dev.omnibus.saga.testing.SagaExplorer;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/** The example of docs/sagas.md, "Run-level checks": every order of the order saga's events. */
class OrderSagaExplorerTest {
    @Test
    void everyOrderOfSubmittedProcessedCancelledAndTheTimeoutEndsAcceptedOrCancelled() {
        OrderSaga saga = new OrderSaga();
        Exploration<OrderState> result = SagaExplorer.builder(saga)
                .event(saga.submitted, id -> new OrderSubmitted(id, "ada", BigDecimal.TEN))
                .event(saga.processed, OrderProcessed::new)
                .event(saga.cancel, OrderCancelled::new)
                .happensAfter(saga.processed, saga.submitted)   // the saga asks for the processing
                .happensAfter(saga.cancel, saga.submitted)
                .withDuplicates()                               // each event may come twice
                .withTimeouts()                                 // the payment timeout may fire at any point
                .expectFinalStateIn(State.FINAL, saga.cancelled)
                .expect("ProcessOrder published once", run -> run.produced(ProcessOrder.class).size() == 1)
                .expect("accepted or expired, not both", run ->
                        run.produced(OrderAccepted.class).size() + run.produced(OrderExpired.class).size() <= 1)
                .build()
                .explore();

        result.assertAllPassed();   // or an AssertionError naming each failing order, shortest first
        assertThat(result.explored()).isEqualTo(532);   // counted by brute force over every permutation
    }
}
