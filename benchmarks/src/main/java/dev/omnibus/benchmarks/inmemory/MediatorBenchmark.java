package dev.omnibus.benchmarks.inmemory;

import dev.omnibus.ConsumeContext;
import dev.omnibus.Mediator;
import dev.omnibus.MessageConsumer;
import dev.omnibus.benchmarks.Orders;
import dev.omnibus.benchmarks.Orders.OrderSubmitted;
import dev.omnibus.spi.Filter;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The mediator against a direct call, in one run: {@code directCall} invokes the handler's method
 * on the message (the floor: what a hand-written service call costs); {@code send} goes through
 * the mediator with no filters; {@code sendThreeFilters} with three pass-through filters;
 * {@code publishTwoConsumers} reaches two consumers; {@code sendMixedTypes} sends four message types
 * in turn, so the call sites inside the mediator see several classes as in an application (the
 * single-type rows let the JIT inline everything); {@code request} gets a response back. Average
 * time per operation, with the gc profiler's allocation per operation beside it.
 *
 * <p>Issue 12's goals: send ≤ 100 ns and ≤ 128 B; three filters ≤ 300 ns; publish to two ≤ 150 ns.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class MediatorBenchmark {
    record CheckStock(String sku) {
    }

    record StockStatus(String sku, int available) {
    }

    record A(int n) {
    }

    record B(int n) {
    }

    record C(int n) {
    }

    record D(int n) {
    }

    /** A handler as an application would call it directly. */
    static final class Handler {
        private final Blackhole bh;

        Handler(Blackhole bh) {
            this.bh = bh;
        }

        void handle(OrderSubmitted message) {
            bh.consume(message);
        }
    }

    private final OrderSubmitted message = Orders.small();
    private final CheckStock check = new CheckStock("sku-1");
    private final StockStatus status = new StockStatus("sku-1", 3);
    private Handler handler;
    private Mediator plain;
    private Mediator filtered;
    private Mediator fanOut;
    private Mediator mixed;
    private final Object[] mixedMessages = {new A(1), new B(2), new C(3), new D(4)};
    private int next;

    @Setup
    public void setUp(Blackhole bh) {
        handler = new Handler(bh);
        MessageConsumer<OrderSubmitted> consumer = ctx -> bh.consume(ctx.message());
        MessageConsumer<CheckStock> responder = ctx -> ctx.respond(status);
        Filter pass = (ctx, next) -> next.proceed(ctx);
        plain = Mediator.builder().consumer(OrderSubmitted.class, consumer).consumer(CheckStock.class, responder).build();
        filtered = Mediator.builder().filter(pass).filter(pass).filter(pass)
                .consumer(OrderSubmitted.class, consumer).build();
        fanOut = Mediator.builder().consumer(OrderSubmitted.class, consumer)
                .consumer(OrderSubmitted.class, (ConsumeContext<OrderSubmitted> ctx) -> bh.consume(ctx.messageType()))
                .build();
        // four message types, four consumers: the mediator's call sites see several classes, as in an application
        mixed = Mediator.builder()
                .consumer(A.class, ctx -> bh.consume(ctx.message()))
                .consumer(B.class, ctx -> bh.consume(ctx.message().n()))
                .consumer(C.class, ctx -> bh.consume(ctx.messageType()))
                .consumer(D.class, ctx -> bh.consume(ctx))
                .build();
    }

    @Benchmark
    public void directCall() {
        handler.handle(message);
    }

    @Benchmark
    public void send() {
        plain.send(message);
    }

    @Benchmark
    public void sendThreeFilters() {
        filtered.send(message);
    }

    @Benchmark
    public void publishTwoConsumers() {
        fanOut.publish(message);
    }

    /** Send of four message types in turn (megamorphic call sites inside the mediator). */
    @Benchmark
    public void sendMixedTypes() {
        int i = next;
        next = (i + 1) & 3;
        mixed.send(mixedMessages[i]);
    }

    @Benchmark
    public StockStatus request() {
        return plain.request(check, StockStatus.class);
    }
}
