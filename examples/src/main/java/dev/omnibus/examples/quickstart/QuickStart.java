package dev.omnibus.examples.quickstart;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageConsumer;
import dev.omnibus.Retry;
import dev.omnibus.inmemory.InMemoryTransport;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The README's quick start, as a program that compiles and runs (its test keeps the two honest):
 * publish an event, a consumer sends a command, a request gets its response.
 */
public final class QuickStart {
    /** An event: something that happened. */
    public record OrderSubmitted(UUID orderId, String customer, BigDecimal total) {
    }

    /** A command: something to do, sent to one endpoint. */
    public record ProcessPayment(UUID orderId, BigDecimal amount) {
    }

    /** A request and its response. */
    public record CheckStock(String sku) {
    }

    public record StockStatus(String sku, int available) {
    }

    /** Turns a submitted order into a payment command. */
    static final class OrderSubmittedConsumer implements MessageConsumer<OrderSubmitted> {
        @Override
        public void consume(ConsumeContext<OrderSubmitted> ctx) {
            ctx.send(Address.queue("payments"), new ProcessPayment(ctx.message().orderId(), ctx.message().total()));
        }
    }

    private QuickStart() {
    }

    /** Runs the flow; returns the payment the payments endpoint received and the stock answer. */
    static Result run() throws Exception {
        CompletableFuture<ProcessPayment> paid = new CompletableFuture<>();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .receiveEndpoint("orders", e -> e
                        .consumer(OrderSubmitted.class, new OrderSubmittedConsumer())
                        .concurrency(8)
                        .retry(Retry.exponential(5, Duration.ofMillis(100), Duration.ofSeconds(5))))
                .receiveEndpoint("payments", e -> e
                        .handler(ProcessPayment.class, ctx -> paid.complete(ctx.message())))
                .receiveEndpoint("stock", e -> e
                        .handler(CheckStock.class, ctx -> ctx.respond(new StockStatus(ctx.message().sku(), 3))))
                .start()) {
            bus.publish(new OrderSubmitted(UUID.randomUUID(), "ada", new BigDecimal("12.50"))).join();
            StockStatus s = bus.request(new CheckStock("sku-1"), StockStatus.class, Duration.ofSeconds(5)).join();
            return new Result(paid.get(10, TimeUnit.SECONDS), s);
        }
    }

    record Result(ProcessPayment payment, StockStatus stock) {
    }

    public static void main(String[] args) throws Exception {
        Result r = run();
        System.out.println("paid " + r.payment() + "; stock " + r.stock());
    }
}
