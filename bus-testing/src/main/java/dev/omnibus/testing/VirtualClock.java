package dev.omnibus.testing;

import dev.omnibus.spi.BusClock;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link BusClock} whose time moves only when told: {@link #advance(Duration)} runs every timer
 * due in that span, in due order (timers due at the same instant in the order they were set), on
 * the calling thread, and moves {@link #now()} along as it goes. Request timeouts, the in-memory
 * scheduler, scheduled sends and delayed redelivery all run on the bus clock, so a one-hour timeout
 * is tested in microseconds.
 *
 * <p>{@link #sleep(Duration)} (the wait between in-process retries) takes no real time: it advances
 * the clock by the duration, as if the time had passed for everyone.
 *
 * <p>Starts at {@link #EPOCH}, so timelines are the same from run to run. Thread-safe: advances
 * are serialized, and a timer may set further timers.
 */
public final class VirtualClock implements BusClock {
    /** Where every virtual clock starts. */
    public static final Instant EPOCH = Instant.parse("2030-01-01T00:00:00Z");

    /** A timer; {@code owner} is the process view that set it (null when set on the clock itself). */
    private record Timer(Instant due, long seq, Runnable task, Process owner) {
    }

    /**
     * The clock as one simulated process sees it: the same time, but the timers it sets are tagged
     * with it, so a crash of that process alone drops them ({@link #dropTimers(Process)}).
     */
    final class Process implements BusClock {
        private final String name;

        private Process(String name) {
            this.name = name;
        }

        @Override
        public Instant now() {
            return VirtualClock.this.now();
        }

        @Override
        public void sleep(Duration duration) {
            VirtualClock.this.sleep(duration);
        }

        @Override
        public Cancellable schedule(Duration delay, Runnable task) {
            return VirtualClock.this.schedule(delay, task, this);
        }

        @Override
        public String toString() {
            return "virtual clock of " + name;
        }
    }

    private final ReentrantLock advancing = new ReentrantLock();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>((a, b) ->
            a.due.equals(b.due) ? Long.compare(a.seq, b.seq) : a.due.compareTo(b.due));
    private Instant now = EPOCH; // guarded by this
    private long seq; // guarded by this

    @Override
    public synchronized Instant now() {
        return now;
    }

    /** How far the clock has moved since {@link #EPOCH}. */
    public synchronized Duration elapsed() {
        return Duration.between(EPOCH, now);
    }

    @Override
    public void sleep(Duration duration) {
        advance(duration);
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
        return schedule(delay, task, null);
    }

    /** The view of this clock for the simulated process {@code name}: its timers can be dropped alone. */
    Process process(String name) {
        return new Process(name);
    }

    private synchronized Cancellable schedule(Duration delay, Runnable task, Process owner) {
        Timer t = new Timer(now.plus(delay.isNegative() ? Duration.ZERO : delay), seq++, task, owner);
        timers.add(t);
        return () -> {
            synchronized (VirtualClock.this) {
                return timers.remove(t);
            }
        };
    }

    /** How many timers wait. */
    public synchronized int pendingTimers() {
        return timers.size();
    }

    /** Forgets every timer (a simulated crash: the process that set them is gone). */
    synchronized void dropTimers() {
        timers.clear();
    }

    /** How many timers {@code owner} (a {@link #process} view) set that still wait. */
    synchronized int pendingTimers(Process owner) {
        int n = 0;
        for (Timer t : timers) {
            if (t.owner == owner) {
                n++;
            }
        }
        return n;
    }

    /** Forgets the timers {@code owner} set (a crash of that process alone); the others' stay. */
    synchronized void dropTimers(Process owner) {
        timers.removeIf(t -> t.owner == owner);
    }

    /** The due time of the next timer, or null. */
    public synchronized Instant nextDue() {
        Timer t = timers.peek();
        return t == null ? null : t.due;
    }

    /**
     * Moves time on by {@code duration}, running every timer due on the way at its due time.
     *
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time does not go back: " + duration);
        }
        SimTask task = SimTask.enterTimers(); // a simulated task never parks inside a timer
        advancing.lock();
        try {
            Instant until;
            synchronized (this) {
                until = now.plus(duration);
            }
            while (true) {
                Timer next;
                synchronized (this) {
                    next = timers.peek();
                    if (next == null || next.due.isAfter(until)) {
                        if (until.isAfter(now)) {
                            now = until;
                        }
                        return;
                    }
                    timers.poll();
                    if (next.due.isAfter(now)) {
                        now = next.due;
                    }
                }
                next.task.run();
            }
        } finally {
            advancing.unlock();
            SimTask.exitTimers(task);
        }
    }
}
