package dev.omnibus.benchmarks;

import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that reports the CPU time the benchmark's JVM used per operation, all its threads
 * together (the benchmark's, a bus's workers, the garbage collector's and the compiler's):
 * {@code -prof dev.omnibus.benchmarks.CpuProfiler} adds {@code ·cpu.norm} in ns/op. Normalized
 * like the gc profiler's {@code gc.alloc.rate.norm}, by every operation of the iteration.
 *
 * <p>What it is for: on the two cores that other work shares, time per operation moves with what
 * else runs; CPU time per operation moves much less (time spent waiting for a core is not CPU time).
 * It is the sum over threads, so work done in parallel (a publisher and a consumer) counts twice as
 * long as it takes on two free cores: an upper bound of the time there.
 */
public final class CpuProfiler implements InternalProfiler {
    private long before;

    @Override
    public String getDescription() {
        return "CPU time of the JVM (all threads) per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        before = ProcessCpu.jvmNanos();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long used = ProcessCpu.jvmNanos() - before;
        long ops = result.getMetadata().getAllOps();
        if (before < 0 || ops <= 0) {
            return List.of();
        }
        return List.of(new ScalarResult("cpu.norm", (double) used / ops, "ns/op", AggregationPolicy.AVG));
    }
}
