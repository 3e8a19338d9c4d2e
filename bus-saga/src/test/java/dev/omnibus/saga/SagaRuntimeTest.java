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
import dev.omnibus.Address;
import dev.omnibus.inmemory.InMemoryScheduler;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import java.math.BigDecimal;
import java.time.Instant;
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
    void anUnscheduledTimeoutIsWithdrawnFromTheScheduler() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        harness.publish(new OrderProcessed(id));
        sagas.assertFinalized(id);
        harness.advance(Duration.ofHours(2));
        harness.assertNotPublished(OrderRejected.class);
        assertThat(harness.messages(HarnessEvent.Kind.CONSUMED, Orders.PaymentTimeout.class)).isEmpty();
    }

    /** A scheduler that cannot withdraw a message, as a broker's native delay cannot. */
    static final class NonCancellingScheduler implements Scheduler {
        private final InMemoryScheduler delegate = new InMemoryScheduler();

        public void start(Transport transport, BusClock clock) {
            delegate.start(transport, clock);
        }

        public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
            return delegate.schedule(due, destination, message);
        }

        public boolean cancel(UUID token) {
            return false;
        }

        public void stop() {
            delegate.stop();
        }
    }

    @Test
    void aTimeoutThatCouldNotBeWithdrawnIsDroppedWhenItArrives() {
        OrderSaga s = new OrderSaga();
        InMemorySagaRepository repo = InMemorySagaRepository.create();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus.scheduler(new NonCancellingScheduler())
                        .receiveEndpoint("order-saga", e -> SagaEndpoint.configure(e, s, repo)))
                .start()) {
            var a = SagaAssertions.of(h, s, repo);
            UUID id = UUID.randomUUID();
            h.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
            a.assertState(id, s.pending);
            h.publish(new OrderProcessed(id));
            a.assertFinalized(id);
            h.advance(Duration.ofHours(2));
            h.assertConsumed(Orders.PaymentTimeout.class);
            h.assertNotPublished(OrderRejected.class);
            assertThat(h.depth("order-saga_error")).isZero();
            a.assertFinalized(id);
        }
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
    void aFailedSagaAssertionSaysWhatIsStoredAndWhatHappened() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        sagas.assertState(id, saga.pending);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sagas.within(Duration.ofMillis(50)).assertState(id, saga.accepted))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected instance " + id + " of OrderSaga to be in state Accepted within PT0.05S")
                .hasMessageContaining("Stored: SagaRecord[id=" + id + ", state=Pending, version=1")
                .hasMessageContaining("OrderSubmitted published");
    }

    @Test
    void theOrderSagaPassesItsModelChecks() {
        SagaAssertions.assertModelClean(saga);
    }
}
