package dev.omnibus.benchmarks.inmemory;

import dev.omnibus.Bus;
import dev.omnibus.benchmarks.Orders;
import dev.omnibus.benchmarks.Orders.OrderSubmitted;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a filter costs by being in the consume pipeline: publish-to-consume throughput of one
 * endpoint with 0, 1, 10, 100 and 1,000 pass-through filters, in one run. The 0-filter score is
 * the baseline. One filter costs far less than the noise of one message's ~10-30 µs on a shared
 * machine, so the cost per filter is the slope of time per message over the number of filters
 * (least squares over all five points, in docs/benchmarks.md); the long chains are there to make
 * that slope measurable, not because anyone configures 1,000 filters.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class PipelineBenchmark {
    @Param({"0", "1", "10", "100", "1000"})
    public int filters;

    private final Arrivals delivered = new Arrivals();
    private final OrderSubmitted message = Orders.small();
    private Bus bus;

    @Setup(Level.Trial)
    public void start() {
        bus = Consumers.bus(1, "json", filters, delivered);
    }

    @TearDown(Level.Trial)
    public void stop() {
        bus.close();
    }

    @Benchmark
    @OperationsPerInvocation(PublishConsumeBenchmark.BATCH)
    public void publishConsume() throws InterruptedException {
        for (int i = 0; i < PublishConsumeBenchmark.BATCH; i++) {
            bus.publish(message);
        }
        Consumers.await(delivered, PublishConsumeBenchmark.BATCH);
    }
}
