package dev.omnibus.examples.orders;

import dev.omnibus.Bus;
import dev.omnibus.BusBuilder;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.spi.Transport;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The order flow's bus: which endpoint runs which consumer, with what retry. {@link OrderFlowDemo}
 * runs it and {@code OrderFlowTest} tests it, so both exercise the same wiring.
 *
 * <pre>
 * submit --publish OrderSubmitted--+--> orders --request CheckStock--> stock
 *                                  |      |    <-----StockStatus------
 *                                  |      +--send ProcessPayment--> payments --publish PaymentAccepted--> shipping
 *                                  |                                   |  (a declined card: 3 attempts, then)
 *                                  |                                   +--> payments_error (the message itself)
 *                                  |                                   +--publish Fault&lt;ProcessPayment&gt;--> payment-faults
 *                                  +--> audit (consumes the OrderEvent interface)
 * </pre>
 *
 * <p>All endpoints live on one bus here for the sake of a single runnable file; in production each
 * service would run its own bus on a shared broker, and nothing in the consumers would change.
 * Thread-safe; close it to stop the bus.
 */
public final class OrderFlow implements AutoCloseable {
    /** How long the orders consumer waits for the stock service before giving up. */
    public static final Duration STOCK_TIMEOUT = Duration.ofSeconds(5);

    /** What the stock service has, by SKU. */
    public static final Map<String, Integer> INVENTORY = Map.of("keyboard", 25, "monitor", 12);

    private final Bus bus;

    private OrderFlow(Transport transport, OrderFlowListener listener) {
        this.bus = configure(Bus.builder().transport(transport), listener).build();
    }

    /**
     * Adds the flow's endpoints and consumers to {@code bus}: the wiring alone, so a test harness
     * can run the same flow on its own transport and clock.
     *
     * @param listener told what the consumers do (called on endpoint threads)
     * @return {@code bus}
     */
    public static BusBuilder configure(BusBuilder bus, OrderFlowListener listener) {
        return bus
                .receiveEndpoint("orders", e -> e
                        .consumer(OrderSubmitted.class, new OrderSubmittedConsumer(listener)))
                .receiveEndpoint("stock", e -> e
                        .consumer(CheckStock.class, new StockConsumer(INVENTORY)))
                .receiveEndpoint("payments", e -> e
                        .consumer(ProcessPayment.class, new PaymentConsumer(listener))
                        .retry(Retry.immediate(2)))
                .receiveEndpoint("shipping", e -> e
                        .consumer(PaymentAccepted.class, new ShippingConsumer(listener)))
                .receiveEndpoint("audit", e -> e
                        .consumer(OrderEvent.class, new AuditConsumer(listener)))
                .receiveEndpoint("payment-faults", e -> e
                        .faultConsumer(ProcessPayment.class, new PaymentFaultConsumer(listener)));
    }

    /**
     * Builds and starts the flow's bus on {@code transport}, for example
     * {@code InMemoryTransport.create()}.
     *
     * @param listener told what the consumers do (called on endpoint threads)
     * @throws dev.omnibus.ConfigurationException if the wiring is wrong
     */
    public static OrderFlow start(Transport transport, OrderFlowListener listener) {
        OrderFlow flow = new OrderFlow(Objects.requireNonNull(transport, "transport"),
                Objects.requireNonNull(listener, "listener"));
        flow.bus.start();
        return flow;
    }

    /**
     * Publishes {@code order}, with its order id as the correlation id so that every message the
     * flow produces for it can be traced back to it. Completes when the transport has the message.
     */
    public CompletableFuture<Void> submit(OrderSubmitted order) {
        return bus.publish(order, SendOptions.defaults().withCorrelationId(order.orderId()));
    }

    /** The running bus. */
    public Bus bus() {
        return bus;
    }

    /** Stops the bus: consumers in flight finish, nothing new is delivered. */
    @Override
    public void close() {
        bus.close();
    }
}
