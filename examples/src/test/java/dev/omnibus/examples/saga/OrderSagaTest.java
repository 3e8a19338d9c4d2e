package dev.omnibus.examples.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.examples.saga.Messages.OrderAccepted;
import dev.omnibus.examples.saga.Messages.OrderCancelled;
import dev.omnibus.examples.saga.Messages.OrderExpired;
import dev.omnibus.examples.saga.Messages.OrderProcessed;
import dev.omnibus.examples.saga.Messages.OrderSubmitted;
import dev.omnibus.examples.saga.Messages.ProcessOrder;
import dev.omnibus.saga.InMemorySagaRepository;
import dev.omnibus.saga.testing.SagaAssertions;
import dev.omnibus.testing.TestHarness;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The order saga on the test harness: virtual time, no waiting for the one-hour timeout. */
class OrderSagaTest {
    private final OrderSaga saga = new OrderSaga();
    private final InMemorySagaRepository orders = InMemorySagaRepository.create();
    private final TestHarness harness = TestHarness.builder()
            .configure(bus -> OrderSagaEndpoint.configure(bus, saga, orders))
            .start();
    private final SagaAssertions<OrderState> sagas = SagaAssertions.of(harness, saga, orders);

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void aSubmittedOrderIsPendingAndAskedToBeProcessed() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", new BigDecimal("12.50")));
        harness.assertPublished(ProcessOrder.class, p -> p.orderId().equals(id) && p.total().equals(new BigDecimal("12.50")));
        assertThat(sagas.assertState(id, saga.pending).data().customer()).isEqualTo("ada");
    }

    @Test
    void aProcessedOrderIsAcceptedAndFinalized() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        harness.publish(new OrderProcessed(id));
        sagas.assertFinalized(id);
        harness.assertPublished(OrderAccepted.class, a -> a.orderId().equals(id) && a.customer().equals("ada"));
    }

    @Test
    void aCancelledOrderIsCancelledAndLateNewsIsIgnored() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        harness.publish(new OrderCancelled(id));
        sagas.assertState(id, saga.cancelled);
        harness.publish(new OrderProcessed(id));
        harness.advance(Duration.ofHours(2));
        harness.assertIdle();
        sagas.assertState(id, saga.cancelled);
        harness.assertNotPublished(OrderAccepted.class);
        harness.assertNotPublished(OrderExpired.class);
        assertThat(harness.depth(OrderSagaEndpoint.NAME + "_error")).isZero();
    }

    @Test
    void thePaymentTimeoutOfOneHourCancelsAnOrderThatIsNeverProcessed() {
        long realStart = System.nanoTime();
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);

        harness.advance(Duration.ofMinutes(59));
        sagas.assertState(id, saga.pending);

        harness.advance(Duration.ofMinutes(1));
        sagas.assertState(id, saga.cancelled);
        harness.assertPublished(OrderExpired.class, e -> e.orderId().equals(id));
        assertThat(harness.clock().elapsed()).isEqualTo(Duration.ofHours(1));
        assertThat(Duration.ofNanos(System.nanoTime() - realStart)).as("real time taken").isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void aProcessedOrderIsNotCancelledByItsOldTimeout() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        harness.publish(new OrderProcessed(id));
        sagas.assertFinalized(id);
        harness.advance(Duration.ofHours(1));
        harness.assertIdle();
        harness.assertNotPublished(OrderExpired.class);
        sagas.assertFinalized(id);
    }

    @Test
    void theSagaPassesItsModelChecks() {
        SagaAssertions.assertModelClean(saga);
    }

    @Test
    void theSameFlowRunsDeterministically() {
        for (long seed = 0; seed < 5; seed++) {
            OrderSaga s = new OrderSaga();
            InMemorySagaRepository repo = InMemorySagaRepository.create();
            try (TestHarness h = TestHarness.builder().deterministic(seed)
                    .configure(bus -> OrderSagaEndpoint.configure(bus, s, repo)).start()) {
                var a = SagaAssertions.of(h, s, repo);
                UUID id = UUID.randomUUID();
                h.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
                h.publish(new OrderProcessed(id)); // may be delivered before the submission: then it faults
                h.runUntilIdle();
                if (h.depth(OrderSagaEndpoint.NAME + "_error") == 0) {
                    a.assertFinalized(id);
                } else {
                    a.assertState(id, s.pending);
                }
            }
        }
    }
}
