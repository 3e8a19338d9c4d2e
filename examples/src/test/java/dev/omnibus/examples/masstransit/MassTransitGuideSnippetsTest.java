package dev.omnibus.examples.masstransit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Fault;
import dev.omnibus.MessageConsumer;
import dev.omnibus.MessageUrn;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.examples.saga.OrderSaga;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.outbox.JdbcOutbox;
import dev.omnibus.saga.InMemorySagaRepository;
import dev.omnibus.saga.SagaEndpoint;
import dev.omnibus.testing.TestHarness;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The snippets of docs/masstransit.md, kept here so that they compile against the current API
 * (and the harness one runs). Change both together.
 */
class MassTransitGuideSnippetsTest {
    // --- messages: a .NET `namespace Acme.Orders; record SubmitOrder(...)` is urn:message:Acme.Orders:SubmitOrder
    @MessageUrn("Acme.Orders:SubmitOrder")
    record SubmitOrder(UUID orderId, String customer, BigDecimal total) {
    }

    @MessageUrn("Acme.Orders:OrderAccepted")
    record OrderAccepted(UUID orderId) {
    }

    @MessageUrn("Acme.Orders:CheckStock")
    record CheckStock(String sku) {
    }

    @MessageUrn("Acme.Orders:StockStatus")
    record StockStatus(String sku, int available) {
    }

    // --- IConsumer<SubmitOrder> → MessageConsumer<SubmitOrder>
    static final class SubmitOrderConsumer implements MessageConsumer<SubmitOrder> {
        @Override
        public void consume(ConsumeContext<SubmitOrder> context) {
            context.publish(new OrderAccepted(context.message().orderId()));      // context.Publish(...)
        }
    }

    static Bus configureBus() {
        return Bus.builder()
                .transport(InMemoryTransport.create())   // cfg.UsingRabbitMq(...) → RabbitMqTransport.fromUri("amqp://…")
                .receiveEndpoint("submit-order", e -> e                          // cfg.ReceiveEndpoint("submit-order", e => …)
                        .consumer(SubmitOrder.class, new SubmitOrderConsumer())  // e.Consumer<SubmitOrderConsumer>()
                        .concurrency(8)                                          // e.ConcurrentMessageLimit = 8
                        .prefetch(32)                                            // e.PrefetchCount = 32
                        .retry(Retry.intervals(Duration.ofMillis(100), Duration.ofMillis(500)))   // e.UseMessageRetry(r => r.Intervals(100, 500))
                        .redelivery(Retry.intervals(Duration.ofMinutes(1), Duration.ofMinutes(5))) // e.UseDelayedRedelivery(r => r.Intervals(...))
                        .faultConsumer(SubmitOrder.class, (ConsumeContext<Fault<SubmitOrder>> ctx) -> { }))  // IConsumer<Fault<SubmitOrder>>
                .receiveEndpoint("check-stock", e -> e
                        .handler(CheckStock.class, ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 3)))) // context.RespondAsync(...)
                .allowInMemoryScheduling()
                .start();
    }

    static void useTheBus(Bus bus) {
        bus.publish(new SubmitOrder(UUID.randomUUID(), "ada", new BigDecimal("12.50"))).join();          // IBus.Publish
        bus.send(Address.queue("submit-order"), new SubmitOrder(UUID.randomUUID(), "bob", BigDecimal.ONE)).join(); // ISendEndpoint.Send
        bus.send(Address.queue("submit-order"), new SubmitOrder(UUID.randomUUID(), "eve", BigDecimal.TEN),
                SendOptions.defaults().withDelay(Duration.ofMinutes(5))).join();                          // ScheduleSend
        StockStatus s = bus.request(Address.queue("check-stock"), new CheckStock("sku-1"), StockStatus.class,
                Duration.ofSeconds(5), SendOptions.defaults()).join();                                     // IRequestClient<CheckStock>
        assertThat(s.available()).isEqualTo(3);
    }

    static void saga(dev.omnibus.BusBuilder bus) {
        // cfg.ReceiveEndpoint("order-state", e => e.StateMachineSaga(machine, repository))
        bus.receiveEndpoint("order-state", e -> SagaEndpoint.configure(e, new OrderSaga(), InMemorySagaRepository.create()));
    }

    static void outbox(DataSource dataSource, Bus bus) throws Exception {
        JdbcOutbox outbox = JdbcOutbox.builder(dataSource).build();            // AddEntityFrameworkOutbox / UseBusOutbox
        outbox.inTransaction(bus, (connection, publisher) -> {
            // the business write on `connection`, then:
            publisher.publish(new OrderAccepted(UUID.randomUUID()));            // committed with the write, or not at all
        });
    }

    @Test
    void theGuidesBusSnippetRuns() {
        try (Bus bus = configureBus()) {
            useTheBus(bus);
        }
    }

    @Test
    void theGuidesHarnessSnippetRuns() {
        // ITestHarness: services.AddMassTransitTestHarness(cfg => …); await harness.Published.Any<OrderAccepted>()
        try (TestHarness harness = TestHarness.builder()
                .configure(bus -> bus.receiveEndpoint("submit-order", e -> e.consumer(SubmitOrder.class, new SubmitOrderConsumer())))
                .start()) {
            UUID id = UUID.randomUUID();
            harness.publish(new SubmitOrder(id, "ada", BigDecimal.TEN));
            harness.assertConsumed(SubmitOrder.class, SubmitOrderConsumer.class);
            harness.assertPublished(OrderAccepted.class, a -> a.orderId().equals(id));
        }
    }
}
