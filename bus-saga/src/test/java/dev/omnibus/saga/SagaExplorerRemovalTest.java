package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.saga.Orders.OrderProcessed;
import dev.omnibus.saga.Orders.OrderSaga;
import dev.omnibus.saga.Orders.OrderState;
import dev.omnibus.saga.Orders.OrderSubmitted;
import dev.omnibus.saga.testing.Exploration;
import dev.omnibus.saga.testing.ExploredRun;
import dev.omnibus.saga.testing.SagaExplorer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SagaExplorer on a machine that removes finalized instances: gone after existing reads as Final. */
class SagaExplorerRemovalTest {
    @Test
    void removedInstanceEndsInFinalAndAnEarlyEventFaultsInInitial() {
        OrderSaga saga = new OrderSaga(true);
        List<ExploredRun<OrderState>> runs = new ArrayList<>();
        Exploration<OrderState> result = SagaExplorer.builder(saga)
                .event(saga.submitted, id -> new OrderSubmitted(id, "ada", BigDecimal.ONE))
                .event(saga.processed, OrderProcessed::new)
                .expect("recorded", runs::add)
                .build()
                .explore();

        assertThat(result.explored()).isEqualTo(2);
        assertThat(runs).extracting(ExploredRun::describe).containsExactly(
                "OrderSubmitted, OrderProcessed -> Final",
                "OrderProcessed, OrderSubmitted -> Pending: " + runs.get(1).failures().get(0));
        assertThat(runs.get(0).instance()).isEmpty();
        assertThat(runs.get(1).failures()).singleElement().asString()
                .contains("event OrderProcessed is not handled in state Initial");
        assertThat(result.failed()).extracting(r -> r.order()).containsExactly(List.of("OrderProcessed", "OrderSubmitted"));
    }
}
