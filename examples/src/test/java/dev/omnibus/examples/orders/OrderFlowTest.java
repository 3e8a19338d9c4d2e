package dev.omnibus.examples.orders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Fault;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.testing.Await;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Runs the demo's order flow ({@link OrderFlow}, the same wiring {@link OrderFlowDemo} uses) on the
 * in-memory transport with three orders, and checks what each endpoint did. The flow runs once for
 * the class; each test waits, with a deadline, until its part of the story is complete.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OrderFlowTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(20));

    private final OrderSubmitted ada = order("ada", "keyboard", 2, "99.00");
    private final OrderSubmitted grace = order("grace", "monitor", 1, "329.00");
    private final OrderSubmitted mallory = order("mallory", "monitor", 10, "3290.00");

    private final InMemoryTransport transport = InMemoryTransport.create();
    private final Recorder seen = new Recorder();
    private OrderFlow flow;

    @BeforeAll
    void submitThreeOrders() throws Exception {
        assertThat(mallory.total()).as("mallory's order must be over the card limit").isGreaterThan(PaymentConsumer.CARD_LIMIT);
        flow = OrderFlow.start(transport, seen);
        for (OrderSubmitted order : List.of(ada, grace, mallory)) {
            flow.submit(order).get(10, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    void stopTheBus() {
        if (flow != null) {
            flow.close();
        }
    }

    @Test
    void ordersWithinTheCardLimitArePaidAndShipped() {
        AWAIT.untilAsserted("PaymentAccepted consumed for ada and grace", () ->
                assertThat(seen.accepted).extracting(PaymentAccepted::orderId)
                        .containsExactlyInAnyOrder(ada.orderId(), grace.orderId()));
    }

    @Test
    void declinedPaymentIsTriedThreeTimesThenMovedToTheErrorQueue() {
        AWAIT.until("the declined payment in payments_error", () -> transport.broker().depth("payments_error") == 1);
        assertThat(seen.attemptsFor(mallory.orderId())).containsExactly(1, 2, 3);
        assertThat(seen.attemptsFor(ada.orderId())).containsExactly(1);
    }

    @Test
    void declinedPaymentPublishesAFaultCarryingTheFailedMessage() {
        Fault<ProcessPayment> fault = AWAIT.until("a Fault<ProcessPayment>", seen.faults::peek, f -> f != null);

        assertThat(fault.message()).isEqualTo(new ProcessPayment(mallory.orderId(), mallory.total()));
        assertThat(fault.faultedMessageId()).isEqualTo(seen.paymentMessageIds.get(mallory.orderId()));
        assertThat(fault.exceptions()).first().satisfies(e -> {
            assertThat(e.exceptionType()).isEqualTo(IllegalArgumentException.class.getName());
            assertThat(e.message()).startsWith("card declined");
        });
        AWAIT.until("the fault consumed once", () -> seen.faults.size() == 1);
    }

    @Test
    void auditSeesEveryOrderSubmittedThroughTheOrderEventInterface() {
        AWAIT.untilAsserted("three OrderSubmitted audited", () ->
                assertThat(seen.audited).containsExactlyInAnyOrder(ada, grace, mallory));
        assertThat(transport.broker().depth("audit_skipped")).isZero();
    }

    @Test
    void stockRequestFromTheOrdersConsumerIsAnswered() {
        AWAIT.untilAsserted("three stock answers", () -> assertThat(seen.stock).containsOnlyKeys(
                ada.orderId(), grace.orderId(), mallory.orderId()));
        assertThat(seen.stock.get(ada.orderId())).isEqualTo(new StockStatus("keyboard", 25, true));
        assertThat(seen.stock.get(mallory.orderId())).isEqualTo(new StockStatus("monitor", 12, true));
    }

    @Test
    void orderWithoutEnoughStockIsTurnedDownAndNotCharged() throws Exception {
        OrderSubmitted tooMany = order("linus", "keyboard", 26, "1287.00");
        Recorder other = new Recorder();
        try (OrderFlow second = OrderFlow.start(InMemoryTransport.create(), other)) {
            second.submit(tooMany).get(10, TimeUnit.SECONDS);
            AWAIT.untilAsserted("the order turned down", () ->
                    assertThat(other.rejected).containsExactly(tooMany.orderId()));
            assertThat(other.stock.get(tooMany.orderId())).isEqualTo(new StockStatus("keyboard", 25, false));
            assertThat(other.paymentMessageIds).isEmpty();
        }
    }

    private static OrderSubmitted order(String customer, String sku, int quantity, String total) {
        return new OrderSubmitted(UUID.randomUUID(), customer, sku, quantity, new BigDecimal(total));
    }

    /** Keeps what the consumers report, in thread-safe collections the test thread polls. */
    private static final class Recorder implements OrderFlowListener {
        final Queue<OrderEvent> audited = new ConcurrentLinkedQueue<>();
        final Map<UUID, StockStatus> stock = new ConcurrentHashMap<>();
        final Queue<UUID> rejected = new ConcurrentLinkedQueue<>();
        final Map<UUID, Queue<Integer>> attempts = new ConcurrentHashMap<>();
        final Map<UUID, UUID> paymentMessageIds = new ConcurrentHashMap<>();
        final Queue<PaymentAccepted> accepted = new ConcurrentLinkedQueue<>();
        final Queue<Fault<ProcessPayment>> faults = new ConcurrentLinkedQueue<>();

        @Override
        public void audited(UUID messageId, OrderEvent event) {
            audited.add(event);
        }

        @Override
        public void stockChecked(OrderSubmitted order, StockStatus status) {
            stock.put(order.orderId(), status);
        }

        @Override
        public void orderRejected(OrderSubmitted order, StockStatus status) {
            rejected.add(order.orderId());
        }

        @Override
        public void paymentAttempted(UUID messageId, ProcessPayment payment, int attempt) {
            paymentMessageIds.put(payment.orderId(), messageId);
            attempts.computeIfAbsent(payment.orderId(), id -> new ConcurrentLinkedQueue<>()).add(attempt);
        }

        @Override
        public void paymentAccepted(UUID messageId, PaymentAccepted payment) {
            accepted.add(payment);
        }

        @Override
        public void paymentFaulted(Fault<ProcessPayment> fault) {
            faults.add(fault);
        }

        List<Integer> attemptsFor(UUID orderId) {
            return List.copyOf(attempts.getOrDefault(orderId, new ConcurrentLinkedQueue<>()));
        }
    }
}
