package dev.omnibus.examples.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Retry;
import dev.omnibus.examples.saga.Messages.OrderAccepted;
import dev.omnibus.examples.saga.Messages.OrderProcessed;
import dev.omnibus.examples.saga.Messages.OrderSubmitted;
import dev.omnibus.examples.saga.Messages.ProcessOrder;
import dev.omnibus.saga.InMemorySagaRepository;
import dev.omnibus.saga.SagaEndpoint;
import dev.omnibus.saga.testing.SagaAssertions;
import dev.omnibus.testing.FaultPlan;
import dev.omnibus.testing.HarnessEvent;
import dev.omnibus.testing.Simulation;
import dev.omnibus.testing.TestHarness;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The order saga under an unreliable broker, over many seeds: deliveries duplicated, reordered
 * (OrderProcessed may come before OrderSubmitted), acks lost, crashes after the work and before
 * the ack. With delayed redelivery for the early events, every order still ends accepted, each
 * asked to be processed and announced once (the broker's duplicates and redeliveries are ignored
 * by the states they arrive in).
 */
class OrderSagaSimulationTest {
    static void scenario(long seed) {
        OrderSaga saga = new OrderSaga();
        InMemorySagaRepository orders = InMemorySagaRepository.create();
        try (TestHarness h = TestHarness.builder()
                .deterministic(seed)
                .faults(FaultPlan.none().duplicateDeliveries(0.1).reorderDeliveries(0.3).dropAcks(0.05).crashBeforeAck(0.05))
                .configure(bus -> bus.receiveEndpoint(OrderSagaEndpoint.NAME, e -> SagaEndpoint.configure(
                        e.redelivery(Retry.intervals(Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofMinutes(1))),
                        saga, orders)))
                .start()) {
            var sagas = SagaAssertions.of(h, saga, orders);
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                h.publish(new OrderSubmitted(id, "customer-" + i, BigDecimal.TEN));
                h.publish(new OrderProcessed(id));
            }
            for (int minute = 0; minute < 4; minute++) {
                h.advance(Duration.ofMinutes(1)); // delayed redeliveries of events that came too early
            }
            for (UUID id : ids) {
                sagas.assertFinalized(id);
                assertThat(h.messages(HarnessEvent.Kind.PUBLISHED, OrderAccepted.class).stream()
                        .filter(a -> a.orderId().equals(id))).as("OrderAccepted for %s (seed %d)", id, seed).hasSize(1);
                assertThat(h.messages(HarnessEvent.Kind.PUBLISHED, ProcessOrder.class).stream()
                        .filter(p -> p.orderId().equals(id))).as("ProcessOrder for %s (seed %d)", id, seed).hasSize(1);
            }
            assertThat(h.depth(OrderSagaEndpoint.NAME + "_error")).as("seed %d", seed).isZero();
        }
    }

    @Test
    void everyOrderEndsAcceptedOnceWhateverTheBrokerDoes() {
        Simulation.explore(40, OrderSagaSimulationTest::scenario);
    }
}
