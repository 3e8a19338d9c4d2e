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
 * Publish-to-consume on the in-memory bus beside a plain {@code java.util.concurrent} hand-off of
 * the same objects, in one run, for one consumer and for four (each receives every message).
 *
 * <ul>
 *   <li>{@code busThroughput} / {@code handOffThroughput}: publish a batch of
 *       {@value #BATCH} small orders, then wait until every consumer has every one. The score is
 *       messages published per second.</li>
 *   <li>{@code busLatency} / {@code handOffLatency}: publish one message and wait until every
 *       consumer has it; sampled, so the JSON holds percentiles.</li>
 * </ul>
 * What the bus does per message that the hand-off does not: build the envelope (UUIDv7 id,
 * addresses, time), serialize it, route it through the broker's exchanges, hand it to the
 * endpoint's worker, read the envelope back, resolve the type in the registry, bind the body, run
 * the pipeline, settle the delivery. With {@code serializer = reference} the transport passes the
 * object by reference ({@code InMemoryTransport.builder().byReference(true)}): no encoding or decoding.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class PublishConsumeBenchmark {
    /** Messages per throughput invocation; well under the in-memory queue bound of 10,000. */
    public static final int BATCH = 1000;

    /** An Omnibus bus with {@code consumers} endpoints writing {@code serializer}. */
    @State(Scope.Benchmark)
    public static class BusState {
        @Param({"1", "4"})
        public int consumers;

        /** {@code json}, {@code cbor}: serialized by that envelope; {@code reference}: passed by reference, unserialized. */
        @Param({"json", "cbor", "reference"})
        public String serializer;

        final Arrivals delivered = new Arrivals();
        final OrderSubmitted message = Orders.small();
        Bus bus;

        @Setup(Level.Trial)
        public void start() {
            bus = Consumers.bus(consumers, serializer, 0, delivered);
        }

        @TearDown(Level.Trial)
        public void stop() {
            bus.close();
        }
    }

    /** The same consumers as threads behind {@code ArrayBlockingQueue}s. */
    @State(Scope.Benchmark)
    public static class HandOffState {
        @Param({"1", "4"})
        public int consumers;

        final Arrivals delivered = new Arrivals();
        final OrderSubmitted message = Orders.small();
        Consumers.HandOff handOff;

        @Setup(Level.Trial)
        public void start() {
            handOff = new Consumers.HandOff(consumers, delivered);
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            handOff.close();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void busThroughput(BusState s) throws InterruptedException {
        for (int i = 0; i < BATCH; i++) {
            s.bus.publish(s.message);
        }
        Consumers.await(s.delivered, BATCH * s.consumers);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void handOffThroughput(HandOffState s) throws InterruptedException {
        for (int i = 0; i < BATCH; i++) {
            s.handOff.publish(s.message);
        }
        Consumers.await(s.delivered, BATCH * s.consumers);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void busLatency(BusState s) throws InterruptedException {
        s.bus.publish(s.message);
        Consumers.await(s.delivered, s.consumers);
    }

    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public void handOffLatency(HandOffState s) throws InterruptedException {
        s.handOff.publish(s.message);
        Consumers.await(s.delivered, s.consumers);
    }
}
