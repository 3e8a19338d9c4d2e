package dev.omnibus.examples.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.examples.saga.ChoreographedOrders.OrderBook;
import dev.omnibus.examples.saga.ChoreographedOrders.Status;
import dev.omnibus.examples.saga.Messages.OrderAccepted;
import dev.omnibus.examples.saga.Messages.OrderCancelled;
import dev.omnibus.examples.saga.Messages.OrderExpired;
import dev.omnibus.examples.saga.Messages.OrderProcessed;
import dev.omnibus.examples.saga.Messages.OrderSubmitted;
import dev.omnibus.examples.saga.Messages.ProcessOrder;
import dev.omnibus.testing.TestHarness;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The choreographed order flow passes the same scenarios as the saga. */
class ChoreographedOrdersTest {
    private final OrderBook book = new OrderBook();
    private final TestHarness harness = TestHarness.builder()
            .configure(bus -> ChoreographedOrders.configure(bus, book))
            .start();

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void aSubmittedOrderIsPendingAndAskedToBeProcessed() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        harness.assertPublished(ProcessOrder.class, p -> p.orderId().equals(id));
        assertThat(book.status(id)).contains(Status.PENDING);
    }

    @Test
    void aProcessedOrderIsAccepted() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        harness.assertPublished(ProcessOrder.class, p -> p.orderId().equals(id));
        harness.publish(new OrderProcessed(id));
        harness.assertPublished(OrderAccepted.class, a -> a.orderId().equals(id) && "ada".equals(a.customer()));
        assertThat(book.status(id)).contains(Status.ACCEPTED);
    }

    @Test
    void aCancelledOrderIsCancelled() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        harness.assertPublished(ProcessOrder.class, p -> p.orderId().equals(id));
        harness.publish(new OrderCancelled(id));
        harness.assertConsumed(OrderCancelled.class);
        harness.advance(Duration.ofHours(1));
        harness.assertNotPublished(OrderExpired.class);
        assertThat(book.status(id)).contains(Status.CANCELLED);
    }

    @Test
    void thePaymentTimeoutOfOneHourCancelsAnOrderThatIsNeverProcessed() {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id, "ada", BigDecimal.TEN));
        harness.assertPublished(ProcessOrder.class, p -> p.orderId().equals(id));
        harness.advance(Duration.ofMinutes(59));
        assertThat(book.status(id)).contains(Status.PENDING);
        harness.advance(Duration.ofMinutes(1));
        harness.assertPublished(OrderExpired.class, e -> e.orderId().equals(id));
        assertThat(book.status(id)).contains(Status.CANCELLED);
    }
}
