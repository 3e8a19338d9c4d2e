package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.saga.Orders.OrderAccepted;
import dev.omnibus.saga.Orders.OrderCancelled;
import dev.omnibus.saga.Orders.OrderProcessed;
import dev.omnibus.saga.Orders.OrderRejected;
import dev.omnibus.saga.Orders.OrderSaga;
import dev.omnibus.saga.Orders.OrderSubmitted;
import dev.omnibus.saga.Orders.ProcessOrder;
import dev.omnibus.saga.Orders.ReviewOrder;
import dev.omnibus.saga.testing.SagaAssertions;
import dev.omnibus.testing.HarnessEvent;
import dev.omnibus.testing.TestHarness;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SagaRuntimeTest {
    private final OrderSaga saga = new OrderSaga();
    private final InMemorySagaRepository repository = InMemorySagaRepository.create();
    private final TestHarness harness = TestHarness.builder()
            .configure(bus -> bus.receiveEndpoint("order-saga", e -> SagaEndpoint.configure(e.concurrency(4), saga, repository)))
            .start();
    private final SagaAssertions<Orders.OrderState> sagas = SagaAssertions.of(harness, saga, repository);

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void submittedOrderIsPendingAndProcessOrderIsPublished() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        SagaInstance<Orders.OrderState> i = sagas.assertState(id, saga.pending);
        harness.assertPublished(ProcessOrder.class, p -> p.orderId().equals(id));
        assertThat(i.data().customer).isEqualTo("ada");
        assertThat(i.data().enteredPending).isEqualTo(1);
        assertThat(i.version()).isEqualTo(1);
        harness.assertNotPublished(ReviewOrder.class);
    }

    @Test
    void aBranchRunsOnlyWhenItsConditionHolds() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", new BigDecimal("5000")));
        harness.assertPublished(ReviewOrder.class, p -> p.orderId().equals(id));
    }

    @Test
    void processedOrderIsAcceptedAndFinalized() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        harness.publish(new OrderProcessed(id));
        sagas.assertFinalized(id);
        harness.assertPublished(OrderAccepted.class, a -> a.orderId().equals(id) && a.customer().equals("ada"));
        SagaInstance<Orders.OrderState> i = sagas.assertExists(id);
        assertThat(i.data().leftPending).isEqualTo(1);
        assertThat(i.version()).isEqualTo(2);
    }

    @Test
    void paymentTimeoutOfOneHourCancelsAnUnprocessedOrder() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        harness.advance(Duration.ofMinutes(59));
        sagas.assertState(id, saga.pending);
        harness.advance(Duration.ofMinutes(1));
        sagas.assertFinalized(id);
        harness.assertPublished(OrderRejected.class, r -> r.orderId().equals(id));
    }

    @Test
    void anUnscheduledTimeoutIsDroppedWhenItArrives() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        harness.publish(new OrderProcessed(id));
        sagas.assertFinalized(id);
        harness.advance(Duration.ofHours(2));
        harness.assertConsumed(Orders.PaymentTimeout.class);
        harness.assertNotPublished(OrderRejected.class);
        assertThat(harness.depth("order-saga_error")).isZero();
    }

    @Test
    void anEventTheStateDoesNotHandleFaults() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderProcessed(id));
        harness.assertFaulted(OrderProcessed.class, UnhandledEventException.class);
        sagas.assertNotExists(id);
    }

    @Test
    void anIgnoredEventIsDropped() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        harness.publish(new OrderSubmitted(id, "bob", BigDecimal.ONE));
        harness.assertIdle();
        assertThat(harness.messages(HarnessEvent.Kind.PUBLISHED, ProcessOrder.class)).hasSize(1);
        assertThat(sagas.assertState(id, saga.pending).data().customer).isEqualTo("ada");
        assertThat(harness.depth("order-saga_error")).isZero();
    }

    @Test
    void cancelledOrderEndsFinal() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        harness.publish(new OrderCancelled(id));
        sagas.assertFinalized(id);
        harness.assertNotPublished(OrderAccepted.class);
    }

    @Test
    void theOrderSagaPassesItsModelChecks() {
        SagaAssertions.assertModelClean(saga);
    }
}
