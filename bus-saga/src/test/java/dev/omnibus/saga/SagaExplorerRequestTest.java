package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.saga.SagaRequestTest.CheckStock;
import dev.omnibus.saga.SagaRequestTest.OrderReady;
import dev.omnibus.saga.SagaRequestTest.OrderStuck;
import dev.omnibus.saga.SagaRequestTest.Reservation;
import dev.omnibus.saga.SagaRequestTest.ReserveOrder;
import dev.omnibus.saga.SagaRequestTest.StockStatus;
import dev.omnibus.saga.SagaRequestTest.StockTimedOut;
import dev.omnibus.saga.testing.Exploration;
import dev.omnibus.saga.testing.ExploredRun;
import dev.omnibus.saga.testing.SagaExplorer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** SagaExplorer with a request's timeout: the reply may come before or after it fires. */
class SagaExplorerRequestTest {
    /** SagaRequestTest's stock saga; {@code lateReplyIgnored} adds what it lacks. */
    static final class StockSaga extends StateMachine<Reservation> {
        final State checking = state("Checking");
        final Event<ReserveOrder> start = event(ReserveOrder.class, ReserveOrder::orderId);
        final Event<StockStatus> checked = event("StockChecked", StockStatus.class, EventCorrelation.byCorrelationId());
        final Schedule<StockTimedOut> timeout =
                schedule("StockTimeout", StockTimedOut.class, StockTimedOut::orderId, Duration.ofSeconds(30));
        final Request<CheckStock, StockStatus> checkStock =
                request("CheckStock", dev.omnibus.Address.queue("stock"), checked, timeout, StockTimedOut::new);

        StockSaga(boolean lateReplyIgnored) {
            super(Reservation.class);
            initially(when(start).request(checkStock, ctx -> new CheckStock(ctx.message().sku())).transitionTo(checking));
            during(checking,
                    when(checked).then(ctx -> ctx.instance().available = ctx.message().available())
                            .publish(ctx -> new OrderReady(ctx.id(), ctx.instance().available))
                            .finalizeInstance(),
                    when(timeout.received()).publish(ctx -> new OrderStuck(ctx.id())).finalizeInstance(),
                    ignore(start));
            if (lateReplyIgnored) {
                during(State.FINAL, ignore(checked), ignore(start));
            }
            failOnFindings();   // the model checks pass either way: Final is no resting state for them
        }
    }

    static Exploration<Reservation> explore(StockSaga saga) {
        return SagaExplorer.builder(saga)
                .event(saga.start, id -> new ReserveOrder(id, "sku-1"))
                .event(saga.checked, id -> new StockStatus("sku-1", 3))
                .happensAfter(saga.checked, saga.start)
                .happensAfter(saga.timeout.received(), saga.start)
                .withTimeouts()
                .expectFinalStateIn(State.FINAL)
                .expect("ready or stuck, once", run -> run.produced(OrderReady.class).size() + run.produced(OrderStuck.class).size() == 1)
                .build()
                .explore();
    }

    @Test
    void replyAfterTheRequestTimeoutFiredFaultsInFinalAndOnlyInThatOrder() {
        Exploration<Reservation> result = explore(new StockSaga(false));

        assertThat(result.explored()).isEqualTo(3); // start reply; start reply timeout; start timeout reply
        assertThat(result.failed()).extracting(ExploredRun::describe).singleElement().asString().startsWith(
                "ReserveOrder, StockTimeout fires, StockChecked -> Final: UnhandledEventException at step 3 (StockChecked): "
                        + "StockSaga: event StockChecked is not handled in state Final");
    }

    @Test
    void ignoringTheLateReplyInFinalPassesEveryOrder() {
        Exploration<Reservation> result = explore(new StockSaga(true));

        assertThat(result.explored()).isEqualTo(3);
        result.assertAllPassed();
    }
}
