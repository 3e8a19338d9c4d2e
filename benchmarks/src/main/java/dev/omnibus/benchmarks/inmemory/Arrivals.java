package dev.omnibus.benchmarks.inmemory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * What the in-memory benchmarks' consumers count and the benchmark thread waits on: consumers call
 * {@link #arrived()} once per message; {@link #await} waits until a number of messages more than at
 * the last wait have arrived. Only the arrival that completes a wait wakes the waiting thread.
 *
 * <p>A {@link java.util.concurrent.Semaphore} did this before, and its {@code release()} woke the
 * waiting thread at every message that arrived while it waited (a thread waiting for 1,000 permits
 * is woken by each release, tries, and parks again): whenever consumers were slower than the
 * publisher, the tail of every batch paid a system call and a context switch per message, on two
 * shared cores, which the codec benchmarks it is compared with do not pay.
 *
 * <p>One waiting thread at a time (the benchmark thread); any number of arriving threads.
 */
final class Arrivals {
    private final AtomicLong arrived = new AtomicLong();
    private volatile long target = Long.MAX_VALUE;
    private volatile Thread waiter;
    private long awaited; // the benchmark thread's own: what its waits have taken so far

    /** One message arrived. */
    void arrived() {
        if (arrived.incrementAndGet() == target) {
            LockSupport.unpark(waiter);
        }
    }

    /**
     * Waits until {@code count} more messages than at the last wait have arrived.
     *
     * @return false if they did not within {@code timeout}
     */
    boolean await(int count, long timeout, TimeUnit unit) throws InterruptedException {
        long goal = awaited + count;
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        waiter = Thread.currentThread();
        target = goal; // after the waiter: the arrival that reaches it unparks this thread
        try {
            while (arrived.get() < goal) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                LockSupport.parkNanos(this, left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
            awaited = goal;
            return true;
        } finally {
            target = Long.MAX_VALUE;
        }
    }

    /** How many have arrived since the last completed wait (for a failure message). */
    long pending() {
        return arrived.get() - awaited;
    }
}
