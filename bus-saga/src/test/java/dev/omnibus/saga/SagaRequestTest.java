package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Fault;
import dev.omnibus.saga.testing.SagaAssertions;
import dev.omnibus.testing.HarnessEvent;
import dev.omnibus.testing.TestHarness;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class SagaRequestTest {
    record ReserveOrder(UUID orderId, String sku) {
    }

    record CheckStock(String sku) {
    }

    record StockStatus(String sku, int available) {
    }

    record StockTimedOut(UUID orderId) {
    }

    record OrderReady(UUID orderId, int available) {
    }

    record OrderStuck(UUID orderId) {
    }

    record OrderFailed(UUID orderId, String reason) {
    }

    static final class Reservation {
        int available;
    }

    static final class StockSaga extends StateMachine<Reservation> {
        final State checking = state("Checking");
        final Event<ReserveOrder> start = event(ReserveOrder.class, ReserveOrder::orderId);
        final Event<StockStatus> checked = event("StockChecked", StockStatus.class, EventCorrelation.byCorrelationId());
        final Schedule<StockTimedOut> timeout =
                schedule("StockTimeout", StockTimedOut.class, StockTimedOut::orderId, Duration.ofSeconds(30));
        final Request<CheckStock, StockStatus> checkStock =
                request("CheckStock", Address.queue("stock"), checked, timeout, StockTimedOut::new);

        StockSaga() {
            super(Reservation.class);
            initially(when(start).request(checkStock, ctx -> new CheckStock(ctx.message().sku())).transitionTo(checking));
            during(checking,
                    when(checked).then(ctx -> ctx.instance().available = ctx.message().available())
                            .publish(ctx -> new OrderReady(ctx.id(), ctx.instance().available))
                            .finalizeInstance(),
                    when(timeout.received()).publish(ctx -> new OrderStuck(ctx.id())).finalizeInstance(),
                    ignore(start));
            failOnFindings();
        }
    }


    /** The same process, declaring the request with a faulted event. */
    static final class GuardedStockSaga extends StateMachine<Reservation> {
        final State checking = state("Checking");
        final Event<ReserveOrder> start = event(ReserveOrder.class, ReserveOrder::orderId);
        final Event<StockStatus> checked = event("StockChecked", StockStatus.class, EventCorrelation.byCorrelationId());
        final Event<Fault<CheckStock>> faulted = faultEvent("StockCheckFaulted", CheckStock.class);
        final Schedule<StockTimedOut> timeout =
                schedule("StockTimeout", StockTimedOut.class, StockTimedOut::orderId, Duration.ofSeconds(30));
        final Request<CheckStock, StockStatus> checkStock =
                request("CheckStock", Address.queue("stock"), checked, faulted, timeout, StockTimedOut::new);

        GuardedStockSaga() {
            super(Reservation.class);
            initially(when(start).request(checkStock, ctx -> new CheckStock(ctx.message().sku())).transitionTo(checking));
            during(checking,
                    when(checked).then(ctx -> ctx.instance().available = ctx.message().available())
                            .publish(ctx -> new OrderReady(ctx.id(), ctx.instance().available))
                            .finalizeInstance(),
                    when(faulted).publish(ctx -> new OrderFailed(ctx.id(),
                            ctx.message().exceptions().get(0).message())).finalizeInstance(),
                    when(timeout.received()).publish(ctx -> new OrderStuck(ctx.id())).finalizeInstance(),
                    ignore(start));
            failOnFindings();
        }
    }

    @Test
    void theRequestCarriesTheSagasQueueAsResponseAddressSoTheResponseIsSentThere() {
        StockSaga saga = new StockSaga();
        InMemorySagaRepository repo = InMemorySagaRepository.create();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus
                        .receiveEndpoint("reservations", e -> SagaEndpoint.configure(e, saga, repo))
                        .receiveEndpoint("stock", e -> e.handler(CheckStock.class, ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 7)))))
                .start()) {
            UUID id = UUID.randomUUID();
            h.publish(new ReserveOrder(id, "keyboard"));
            SagaAssertions.of(h, saga, repo).assertFinalized(id);
            HarnessEvent request = h.events().stream()
                    .filter(e -> e.kind() == HarnessEvent.Kind.SENT && e.message() instanceof CheckStock).findFirst().orElseThrow();
            assertThat(request.envelope().responseAddress()).as("the request's response address").isNotNull();
            assertThat(request.envelope().responseAddress().toString()).contains("reservations");
            assertThat(request.envelope().correlationId()).isEqualTo(id);
            h.assertSent(StockStatus.class, s -> s.available() == 7);
            h.assertNotPublished(StockStatus.class);
        }
    }

    @Test
    void aFaultedRequestRaisesTheFaultedEventAndClearsTheTimeout() {
        GuardedStockSaga saga = new GuardedStockSaga();
        InMemorySagaRepository repo = InMemorySagaRepository.create();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus
                        .receiveEndpoint("reservations", e -> SagaEndpoint.configure(e, saga, repo))
                        .receiveEndpoint("stock", e -> e.handler(CheckStock.class, ctx -> {
                            throw new IllegalStateException("stock database down");
                        })))
                .start()) {
            UUID id = UUID.randomUUID();
            h.publish(new ReserveOrder(id, "keyboard"));
            h.assertPublished(OrderFailed.class, f -> f.orderId().equals(id) && f.reason().equals("stock database down"));
            SagaAssertions.of(h, saga, repo).assertFinalized(id);
            h.advance(Duration.ofMinutes(1));
            h.assertNotPublished(OrderStuck.class);
            assertThat(h.messages(HarnessEvent.Kind.CONSUMED, StockTimedOut.class)).isEmpty();
        }
    }

    @Test
    void aRequestWithoutFaultedEventStillEndsInItsTimeoutWhenFaulted() {
        StockSaga saga = new StockSaga();
        InMemorySagaRepository repo = InMemorySagaRepository.create();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus
                        .receiveEndpoint("reservations", e -> SagaEndpoint.configure(e, saga, repo))
                        .receiveEndpoint("stock", e -> e.handler(CheckStock.class, ctx -> {
                            throw new IllegalStateException("stock database down");
                        })))
                .start()) {
            UUID id = UUID.randomUUID();
            h.publish(new ReserveOrder(id, "keyboard"));
            SagaAssertions.of(h, saga, repo).assertState(id, saga.checking);
            h.advance(Duration.ofSeconds(30));
            h.assertPublished(OrderStuck.class, s -> s.orderId().equals(id));
        }
    }

    @Test
    void theResponseRaisesItsEventAndClearsTheTimeout() {
        StockSaga saga = new StockSaga();
        InMemorySagaRepository repo = InMemorySagaRepository.create();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus
                        .receiveEndpoint("reservations", e -> SagaEndpoint.configure(e, saga, repo))
                        .receiveEndpoint("stock", e -> e.handler(CheckStock.class, ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 7)))))
                .start()) {
            UUID id = UUID.randomUUID();
            h.publish(new ReserveOrder(id, "keyboard"));
            h.assertPublished(OrderReady.class, r -> r.orderId().equals(id) && r.available() == 7);
            SagaAssertions.of(h, saga, repo).assertFinalized(id);
            h.advance(Duration.ofMinutes(1));
            h.assertNotPublished(OrderStuck.class);
            assertThat(h.messages(HarnessEvent.Kind.CONSUMED, StockTimedOut.class)).isEmpty();
        }
    }

    @Test
    void noResponseRaisesTheTimeout() {
        StockSaga saga = new StockSaga();
        InMemorySagaRepository repo = InMemorySagaRepository.create();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus
                        .receiveEndpoint("reservations", e -> SagaEndpoint.configure(e, saga, repo))
                        .receiveEndpoint("stock", e -> e.handler(CheckStock.class, ctx -> { })))  // never answers
                .start()) {
            UUID id = UUID.randomUUID();
            h.publish(new ReserveOrder(id, "keyboard"));
            SagaAssertions.of(h, saga, repo).assertState(id, saga.checking);
            h.assertConsumed(CheckStock.class);
            h.advance(Duration.ofSeconds(30));
            h.assertPublished(OrderStuck.class, s -> s.orderId().equals(id));
            SagaAssertions.of(h, saga, repo).assertFinalized(id);
        }
    }
}
