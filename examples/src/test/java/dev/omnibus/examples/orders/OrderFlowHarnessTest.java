package dev.omnibus.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.BusBuilder;
import dev.omnibus.Fault;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.BusTest;
import dev.omnibus.testing.ConfigureBus;
import dev.omnibus.testing.TestHarness;
import java.math.BigDecimal;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The demo's order flow, wired exactly as in production, checked through the test harness. */
@BusTest
class OrderFlowHarnessTest {
    @ConfigureBus
    static void orderFlow(BusBuilder bus) {
        OrderFlow.configure(bus, new OrderFlowListener() { });
    }

    private static OrderSubmitted order(String customer, String sku, int quantity, String total) {
        return new OrderSubmitted(UUID.randomUUID(), customer, sku, quantity, new BigDecimal(total));
    }

    private static void submit(TestHarness harness, OrderSubmitted order) {
        harness.publish(order, SendOptions.defaults().withCorrelationId(order.orderId()));
    }

    @Test
    void aGoodOrderIsCheckedPaidAndShipped(TestHarness harness) {
        OrderSubmitted order = order("ada", "keyboard", 2, "99.00");
        submit(harness, order);

        harness.assertConsumed(OrderSubmitted.class, OrderSubmittedConsumer.class);
        harness.assertConsumed(OrderSubmitted.class, AuditConsumer.class);
        StockStatus stock = harness.assertSent(StockStatus.class); // a response is sent to the requester
        assertThat(stock.sufficient()).isTrue();
        ProcessPayment payment = harness.assertSent(ProcessPayment.class, p -> p.orderId().equals(order.orderId()));
        assertThat(payment.amount()).isEqualByComparingTo("99.00");
        harness.assertPublished(PaymentAccepted.class, p -> p.orderId().equals(order.orderId()));
        harness.assertConsumed(PaymentAccepted.class, ShippingConsumer.class);
        harness.assertIdle();
        assertThat(harness.depth("payments_error")).isZero();
    }

    @Test
    void aDeclinedCardFaultsAfterItsRetriesAndLandsInTheErrorQueue(TestHarness harness) {
        OrderSubmitted order = order("mallory", "monitor", 10, "3290.00");
        submit(harness, order);

        harness.assertFaulted(ProcessPayment.class, IllegalArgumentException.class);
        harness.assertConsumed(Fault.class, PaymentFaultConsumer.class);
        harness.assertNotPublished(PaymentAccepted.class);
        assertThat(harness.depth("payments_error")).isEqualTo(1);
        assertThat(harness.events()).filteredOn(e -> e.message() instanceof ProcessPayment
                && e.kind() == dev.omnibus.testing.HarnessEvent.Kind.CONSUME_FAILED).hasSize(3);
    }

    @Test
    void anOrderForMoreThanTheStockIsNeverCharged(TestHarness harness) {
        submit(harness, order("grace", "monitor", 500, "10.00"));

        StockStatus stock = harness.assertSent(StockStatus.class); // a response is sent to the requester
        assertThat(stock.sufficient()).isFalse();
        harness.assertIdle();
        assertThat(harness.events()).noneMatch(e -> e.message() instanceof ProcessPayment);
    }
}
