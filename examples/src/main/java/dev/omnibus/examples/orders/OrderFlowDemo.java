package dev.omnibus.examples.orders;

import dev.omnibus.Fault;
import dev.omnibus.inmemory.InMemoryTransport;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Runs the {@linkplain OrderFlow order flow} on the in-memory transport and tells what happens,
 * step by step: three orders are submitted; two are paid and shipped; the third is declined by the
 * payments consumer, retried, moved to the {@code payments_error} queue, and reported by a
 * {@code Fault<ProcessPayment>}.
 *
 * <p>Run it with {@code ./mvnw -q -pl examples -am package exec:exec -DskipTests} from the
 * repository root. It exits with status 0 when the whole flow finished, and 1 when it did not
 * within {@link #TIMEOUT} (or failed), so a script running it notices.
 *
 * <p>Nothing here sleeps to let time pass: it waits for what the consumers report (and polls the
 * error queue, which reports nothing), every wait bounded by one overall deadline.
 */
public final class OrderFlowDemo {
    /** How long the whole demo may take before it gives up and exits with status 1. */
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private OrderFlowDemo() {
    }

    public static void main(String[] args) {
        boolean completed;
        try {
            completed = run();
        } catch (Exception e) {
            System.out.println("The demo failed: " + e);
            e.printStackTrace(System.out);
            completed = false;
        }
        if (!completed) {
            System.exit(1);
        }
    }

    /** Runs the demo; true when the flow finished before the deadline. */
    static boolean run() throws Exception {
        List<OrderSubmitted> orders = List.of(
                new OrderSubmitted(UUID.randomUUID(), "ada", "keyboard", 2, new BigDecimal("99.00")),
                new OrderSubmitted(UUID.randomUUID(), "grace", "monitor", 1, new BigDecimal("329.00")),
                // Over PaymentConsumer.CARD_LIMIT: this one is declined.
                new OrderSubmitted(UUID.randomUUID(), "mallory", "monitor", 10, new BigDecimal("3290.00")));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();

        // Keep the transport: at the end we ask its broker what is left in the error queue.
        InMemoryTransport transport = InMemoryTransport.create();
        Story story = new Story();

        System.out.println("Omnibus order flow demo: 3 orders, 6 endpoints, one in-memory broker.");
        System.out.println("Lines starting with [endpoint] are consumers at work; [INFO] and [WARN] lines are the bus's log.");
        try (OrderFlow flow = OrderFlow.start(transport, story)) {
            for (OrderSubmitted order : orders) {
                CompletableFuture<Void> finished = story.expect(order);
                System.out.println();
                System.out.printf("%s submits order %s: %d x %s for %s%n", order.customer(), shortId(order.orderId()),
                        order.quantity(), order.sku(), order.total());
                // One order at a time, so that the story reads in order; the bus itself runs the
                // endpoints concurrently, each on its own threads.
                flow.submit(order).get(remainingNanos(deadline), TimeUnit.NANOSECONDS);
                finished.get(remainingNanos(deadline), TimeUnit.NANOSECONDS);
            }

            // The bus publishes the fault just before it moves the failed message to the error
            // queue, so the queue may lag the fault consumer by a moment: poll it, within the deadline.
            if (!pollUntil(() -> transport.broker().depth("payments_error") == 1, deadline)) {
                System.out.println("payments_error should hold the declined payment, but holds "
                        + transport.broker().depth("payments_error") + " message(s)");
                return false;
            }

            System.out.println();
            System.out.println("Summary");
            System.out.println("  paid and shipped: " + story.paidCustomers(orders));
            System.out.println("  declined:         " + story.declinedCustomers(orders));
            System.out.println("  payments_error:   " + transport.broker().depth("payments_error")
                    + " message (the ProcessPayment itself, kept for inspection or replay)");
            System.out.println();
        } catch (TimeoutException e) {
            System.out.println();
            System.out.println("The flow did not finish within " + TIMEOUT.toSeconds()
                    + " s: something is stuck (see the log above)");
            return false;
        }
        System.out.println("Bus stopped. Done.");
        return true;
    }

    /**
     * Prints what the consumers report, and completes one future per order once the order reached
     * an end (shipped, turned down, or faulted) and the audit endpoint recorded it.
     */
    private static final class Story implements OrderFlowListener {
        private final Map<UUID, CompletableFuture<String>> outcomes = new ConcurrentHashMap<>();
        private final Map<UUID, CompletableFuture<Void>> audits = new ConcurrentHashMap<>();

        /** Registers {@code order} before it is submitted; the future completes when it is done. */
        CompletableFuture<Void> expect(OrderSubmitted order) {
            return CompletableFuture.allOf(outcome(order.orderId()), audit(order.orderId()));
        }

        @Override
        public void audited(UUID messageId, OrderEvent event) {
            say("audit", "recorded %s %s about order %s", event.getClass().getSimpleName(), msg(messageId),
                    shortId(event.orderId()));
            audit(event.orderId()).complete(null);
        }

        @Override
        public void stockChecked(OrderSubmitted order, StockStatus status) {
            say("orders", "asked stock for %d x %s: %d available, %s", order.quantity(), order.sku(),
                    status.available(), status.sufficient() ? "enough" : "not enough");
        }

        @Override
        public void orderRejected(OrderSubmitted order, StockStatus status) {
            say("orders", "order %s turned down: out of stock", shortId(order.orderId()));
            outcome(order.orderId()).complete("out of stock");
        }

        @Override
        public void paymentRequested(OrderSubmitted order, ProcessPayment payment) {
            say("orders", "sent ProcessPayment of %s to queue:payments", payment.amount());
        }

        @Override
        public void paymentAttempted(UUID messageId, ProcessPayment payment, int attempt) {
            say("payments", "charging %s for order %s %s, attempt %d", payment.amount(), shortId(payment.orderId()),
                    msg(messageId), attempt);
        }

        @Override
        public void paymentAccepted(UUID messageId, PaymentAccepted accepted) {
            say("shipping", "PaymentAccepted %s: order %s is paid and ships", msg(messageId),
                    shortId(accepted.orderId()));
            outcome(accepted.orderId()).complete("paid");
        }

        @Override
        public void paymentFaulted(Fault<ProcessPayment> fault) {
            String reason = fault.exceptions().isEmpty() ? "(no exception recorded)" : fault.exceptions().get(0).message();
            say("payment-faults", "Fault<ProcessPayment> about message %s: %s", shortId(fault.faultedMessageId()), reason);
            say("payment-faults", "order %s is cancelled", shortId(fault.message().orderId()));
            outcome(fault.message().orderId()).complete(reason);
        }

        String paidCustomers(List<OrderSubmitted> orders) {
            return customers(orders, true);
        }

        String declinedCustomers(List<OrderSubmitted> orders) {
            return customers(orders, false);
        }

        private String customers(List<OrderSubmitted> orders, boolean paid) {
            StringBuilder out = new StringBuilder();
            for (OrderSubmitted o : orders) {
                String outcome = outcome(o.orderId()).getNow("unfinished");
                if (outcome.equals("paid") == paid) {
                    out.append(out.length() == 0 ? "" : ", ").append(o.customer());
                    if (!paid) {
                        out.append(" (").append(outcome).append(')');
                    }
                }
            }
            return out.length() == 0 ? "none" : out.toString();
        }

        private CompletableFuture<String> outcome(UUID orderId) {
            return outcomes.computeIfAbsent(orderId, id -> new CompletableFuture<>());
        }

        private CompletableFuture<Void> audit(UUID orderId) {
            return audits.computeIfAbsent(orderId, id -> new CompletableFuture<>());
        }

        private static void say(String endpoint, String format, Object... args) {
            System.out.printf("  %-16s %s%n", "[" + endpoint + "]", String.format(format, args));
        }

        private static String msg(UUID messageId) {
            return "(message " + shortId(messageId) + ")";
        }
    }

    /**
     * The last 8 hex digits of an id: enough to tell this run's ids apart. (Omnibus message ids
     * are UUIDv7, whose first digits are a timestamp and so alike within a run.)
     */
    static String shortId(UUID id) {
        String s = id.toString();
        return s.substring(s.length() - 8);
    }

    private static long remainingNanos(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    /** Checks {@code condition} every millisecond until it holds (true) or the deadline passes (false). */
    private static boolean pollUntil(BooleanSupplier condition, long deadline) {
        while (!condition.getAsBoolean()) {
            if (remainingNanos(deadline) == 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        return true;
    }
}
