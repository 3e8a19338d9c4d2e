package dev.omnibus.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes the dispatchers of other processes after commits made through the outbox: one
 * {@code NOTIFY omnibus_outbox} per burst of commits, in a transaction of its own, instead of one
 * inside each business transaction.
 *
 * <p>Why: PostgreSQL serializes the commits of notifying transactions on one lock held until the
 * commit record is flushed, so a NOTIFY in every business transaction takes group commit away from
 * the writers (the outbox benchmark's writers spent most of their time waiting on it). Here the
 * business transactions commit without it and a single thread notifies afterwards.
 *
 * <p>The rule that keeps every commit covered: a commit calls {@link #committed()} after it
 * completed; the notifier clears its pending flag <em>before</em> it sends the NOTIFY. So a commit
 * either queues a NOTIFY of its own, or finds one queued that has not yet cleared the flag, whose
 * NOTIFY therefore starts after that commit: a dispatcher it wakes sees the row. At most one NOTIFY
 * is in flight and one queued, however many writers commit meanwhile.
 *
 * <p>Coalesced in time: a NOTIFY starts at least {@link #MIN_INTERVAL_NANOS} (5 ms) after the
 * previous one started; the commits of that wait are covered by it (they find it queued). Without
 * the wait, commits spread over time each found the notifier idle: the outbox benchmark's 20,000
 * commits (4 writers) made 10,000 to 14,000 NOTIFY transactions, each with a commit record of its
 * own beside the writers'. With it, at most 200 a second. A commit after a quiet spell is announced
 * at once; under load, another process's dispatcher learns of a commit up to 5 ms later (this
 * process's own dispatcher is woken directly, without waiting). The NOTIFY carries the outbox's
 * id, by which this process's listener knows its own.
 *
 * <p>Threads: {@link #committed()} is thread-safe and never blocks or touches the database; the
 * NOTIFY runs on one daemon thread that ends after a second idle. Failures: a NOTIFY that fails
 * (database unreachable) is logged at warn once per run of failures; the dispatchers' polling
 * ({@code pollInterval}) covers the commits it should have announced.
 */
final class CommitNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(CommitNotifier.class);
    /** The least time between the starts of two NOTIFYs. */
    static final long MIN_INTERVAL_NANOS = 5_000_000L;

    private final DataSource dataSource;
    private final String name;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicLong sent = new AtomicLong();
    private final ThreadPoolExecutor executor;
    private boolean failing; // notifier thread only
    private long lastStart = System.nanoTime() - MIN_INTERVAL_NANOS; // notifier thread only

    private final String sql;

    /** A notifier whose NOTIFYs carry {@code origin} as their payload (so this process's listener can tell them apart). */
    CommitNotifier(DataSource dataSource, String name, String origin) {
        this.dataSource = dataSource;
        this.name = name;
        this.sql = "NOTIFY " + OutboxRows.CHANNEL + ", '" + origin + "'";        this.executor = new ThreadPoolExecutor(0, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "omnibus-outbox-notify-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** A transaction holding outbox rows has committed: make sure a NOTIFY starts after now. */
    void committed() {
        if (pending.compareAndSet(false, true)) {
            executor.execute(this::notifyNow);
        }
    }

    /** Whether no NOTIFY is queued or being sent (tests). */
    boolean idle() {
        return !pending.get() && executor.getActiveCount() == 0 && executor.getQueue().isEmpty();
    }

    /** NOTIFYs sent so far (tests). */
    long sent() {
        return sent.get();
    }

    private void notifyNow() {
        // let the commits of the next few ms join this NOTIFY (they find it pending): one a burst
        long wait;
        while ((wait = lastStart + MIN_INTERVAL_NANOS - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
        lastStart = System.nanoTime();
        pending.set(false); // before the NOTIFY: a commit after this point queues the next one
        try (Connection c = dataSource.getConnection()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
            sent.incrementAndGet();
            failing = false;
        } catch (SQLException | RuntimeException e) {
            if (!failing) {
                LOG.warn("Outbox {}: NOTIFY after commit failed ({}); dispatchers elsewhere find the rows at their next poll",
                        name, e.toString());
            }
            failing = true;
        }
    }
}
