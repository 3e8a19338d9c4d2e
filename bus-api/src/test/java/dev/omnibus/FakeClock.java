package dev.omnibus;

import dev.omnibus.spi.BusClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/** A manual clock for tests: sleeping records the wait and moves time on; timers fire on {@link #advance}. */
final class FakeClock implements BusClock {
    private record Timer(Instant due, long seq, Runnable task) {
    }

    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private long seq;
    private final List<Duration> sleeps = new ArrayList<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) ->
            a.due.equals(b.due) ? Long.compare(a.seq, b.seq) : a.due.compareTo(b.due));

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public void sleep(Duration duration) {
        synchronized (this) {
            sleeps.add(duration);
        }
        advance(duration);
    }

    @Override
    public synchronized Cancellable schedule(Duration delay, Runnable task) {
        Timer t = new Timer(now.plus(delay), seq++, task);
        timers.add(t);
        return () -> {
            synchronized (FakeClock.this) {
                return timers.remove(t);
            }
        };
    }

    /** Moves time on by {@code d}, running every timer due on the way, in due order. */
    void advance(Duration d) {
        Instant until;
        synchronized (this) {
            until = now.plus(d);
        }
        while (true) {
            Timer next;
            synchronized (this) {
                next = timers.peek();
                if (next == null || next.due.isAfter(until)) {
                    now = until;
                    return;
                }
                timers.poll();
                now = next.due;
            }
            next.task.run();
        }
    }

    synchronized List<Duration> sleeps() {
        return List.copyOf(sleeps);
    }
}
