package dev.omnibus.outbox;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.TransportException;
import dev.omnibus.outbox.Claims.Row;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Interleaving;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Transport;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery service and the durable scheduler: the {@link Scheduler} the bus starts with its
 * transport. One thread claims committed rows, hands them to the transport, waits for its
 * confirmation and deletes them, in one database transaction per batch.
 *
 * <p>Claiming ({@link Claims}): a dispatcher locks up to {@code lanesPerClaim} lanes that have rows
 * ({@code FOR UPDATE SKIP LOCKED}, rotating over the lanes) and reads each lane's oldest rows by
 * the {@code (lane, seq)} index, and the due scheduled rows; on PostgreSQL all in one statement.
 * On PostgreSQL a lane's rows are relayed only up to the {@link Horizon}: no row passes one that may
 * still commit. Rows with the same order key go to the transport back to back ({@link RelayPass}: a
 * run to one target in one {@code sendAll}/{@code publishAll} call; the next run once it is
 * confirmed; nothing after the pass timeout); different keys go in parallel.
 */
final class OutboxDispatcher implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxDispatcher.class);
    /**
     * How soon a dispatcher looks again when it held rows back for a transaction still running: 250 µs,
     * doubling while nothing passes, up to 8 ms (a short writer ends within a millisecond; a long one
     * costs at most a claim every 8 ms).
     */
    static final long HELD_RECHECK_MIN_NANOS = 250_000L;
    static final long HELD_RECHECK_MAX_NANOS = 8_000_000L;

    private final JdbcOutbox outbox;
    private final OutboxSettings settings;
    private final Claims claims;
    private final Object wake = new Object();
    private boolean signalled; // guarded by wake
    private volatile boolean running;
    private volatile boolean waiting;
    private volatile Transport transport;
    private volatile BusClock clock;
    private Thread thread;
    private volatile boolean simulated; // passes run as a simulation's turns (see start)
    private PgNotifications notifications;
    private long lastCleanUp = System.nanoTime();
    private final java.util.concurrent.atomic.AtomicLong passes = new java.util.concurrent.atomic.AtomicLong();
    private volatile Instant nextWake; // the earliest due time a clock timer is set for
    private final Object timerLock = new Object();

    OutboxDispatcher(JdbcOutbox outbox, OutboxSettings settings) {
        this.outbox = outbox;
        this.settings = settings;
        this.claims = new Claims(settings, outbox.dialect());
    }

    @Override
    public synchronized void start(Transport transport, BusClock clock) {
        if (thread != null) {
            throw new BusStateException("this outbox's scheduler is already started: one outbox runs with one bus at a "
                    + "time (stop that bus first; a stopped bus's outbox serves the next one)");
        }
        Schema.check(outbox.dataSource(), outbox.dialect(), settings.tables());
        this.transport = transport;
        this.clock = clock;
        running = true;
        // attached before the first pass: from then on every commit through this outbox wakes it
        // directly, which is why its listener may ignore this outbox's own NOTIFYs
        outbox.attach(this);
        Interleaving.Control simulation = Interleaving.current();
        if (simulation != null && simulation.adoptBackground("outbox-relay " + settings.name(), this::signalled,
                this::simulatedPass)) {
            simulated = true; // a deterministic simulation runs the passes as its turns: no thread, no LISTEN
            wake();
            return;
        }
        thread = new Thread(this::run, "omnibus-outbox-" + settings.name());
        thread.setDaemon(true);
        thread.start();
        if (outbox.dialect() == SqlDialect.POSTGRESQL && settings.listen()) {
            notifications = new PgNotifications(outbox.dataSource(), settings.name(), outbox.origin(), this::wake);
            notifications.start();
        }
    }

    @Override
    public UUID schedule(Instant due, Address destination, OutgoingMessage message) {
        if (!running) {
            throw new BusStateException("the outbox scheduler is not running: start the bus first");
        }
        UUID token = messageId(message);
        try (Connection c = outbox.dataSource().getConnection()) {
            c.setAutoCommit(true);
            outbox.rows(c, false).scheduleWithToken(due, destination, message, token);
        } catch (SQLException e) {
            throw new TransportException("scheduling a message failed: " + e.getMessage(), e, true);
        }
        wakeAt(due);
        return token;
    }

    /** The message id (the token, so ConsumeContext.cancelScheduledSend can name it), else a random one. */
    private static UUID messageId(OutgoingMessage message) {
        Object id = message.headers().get(OutgoingMessage.MESSAGE_ID);
        if (id != null) {
            try {
                return UUID.fromString(id.toString());
            } catch (IllegalArgumentException e) {
                // not a UUID: fall through
            }
        }
        return UUID.randomUUID();
    }

    @Override
    public boolean cancel(UUID token) {
        return outbox.cancel(token);
    }

    @Override
    public void stop() {
        if (simulated) {
            synchronized (this) {
                running = false;
                simulated = false;
            }
            outbox.detach(this);
            return;
        }
        Thread t;
        synchronized (this) {
            t = thread;
            if (t == null || !running) {
                return;
            }
            running = false;
        }
        outbox.detach(this);
        if (notifications != null) {
            notifications.stop();
        }
        wake();
        try {
            t.join(settings.stopTimeout().toMillis());
            if (t.isAlive()) {
                LOG.warn("Outbox dispatcher {} did not finish its batch within {}; interrupting it (the batch is sent again later)",
                        settings.name(), settings.stopTimeout());
                t.interrupt();
                t.join(10_000);
            }
        } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            if (thread == t) { // free for the next bus (one per test under @BusTest, a restarted service)
                thread = null;
                notifications = null;
            }
        }
    }

    /** Passes run so far, ended or failed (tests: "the relay has looked since"). */
    long passes() {
        return passes.get();
    }

    /** Whether a bus started this dispatcher and has not stopped it. */
    boolean running() {
        return running;
    }

    /** Whether the dispatcher waits for work, and (on PostgreSQL with listen on) its LISTEN is in place. For tests. */
    boolean idleAndListening() {
        synchronized (wake) {
            return waiting && !signalled && (notifications == null || notifications.listening());
        }
    }

    private boolean signalled() {
        synchronized (wake) {
            return running && signalled;
        }
    }

    /** One pass as a simulation's turn: until a pass finds nothing, the next is due again. */
    private void simulatedPass() {
        synchronized (wake) {
            signalled = false;
        }
        try {
            Pass pass = dispatchOnce(true); // a turn is taken when rows may have arrived
            if (pass.error != null) {
                throw pass.error;
            }
            if (pass.rows > 0 || pass.again) {
                wake();
            }
            cleanUpIfDue();
        } catch (Exception e) {
            LOG.warn("Outbox dispatcher {}: simulated pass failed (the rows stay for a later pass): {}", settings.name(),
                    e.toString());
        }
    }

    /** Wakes the dispatcher: rows were committed (a local commit, or a PostgreSQL notification). */
    void wake() {
        synchronized (wake) {
            signalled = true;
            wake.notifyAll();
        }
    }

    /** Sets a bus-clock timer for a scheduled row, unless one as early is set. */
    void wakeAt(Instant due) {
        BusClock c = clock;
        if (c == null) {
            return;
        }
        if (!due.isAfter(c.now())) {
            wake();
            return;
        }
        synchronized (timerLock) {
            Instant current = nextWake;
            if (current != null && !current.isAfter(due) && current.isAfter(c.now())) {
                return;
            }
            nextWake = due;
        }
        Duration d = Duration.between(c.now(), due);
        c.schedule(d.isNegative() ? Duration.ZERO : d, this::wake);
    }

    private void run() {
        int failures = 0;
        int heldWaits = 0;
        boolean fresh = true; // rows may have arrived: the claim records a horizon pair first
        while (running) {
            try {
                Pass pass;
                try {
                    pass = dispatchOnce(fresh);
                } finally {
                    passes.incrementAndGet();
                }
                if (pass.error != null) {
                    throw pass.error;
                }
                failures = 0;
                cleanUpIfDue();
                heldWaits = pass.rows > 0 || pass.again || !pass.held ? 0 : heldWaits + 1;
                fresh = pass.rows > 0;
                if (pass.rows == 0 && !pass.again) {
                    // rows held back for a running transaction (PostgreSQL's horizon): look again soon
                    Duration held = Duration.ofNanos(Math.min(HELD_RECHECK_MAX_NANOS,
                            HELD_RECHECK_MIN_NANOS << Math.max(0, Math.min(heldWaits - 1, 10))));
                    fresh = awaitWake(pass.held && settings.pollInterval().compareTo(held) > 0 ? held : settings.pollInterval());
                }
            } catch (Throwable e) {
                if (!running && (Thread.currentThread().isInterrupted() || isInterruption(e))) {
                    break;
                }
                failures++;
                Duration backoff = backoff(failures);
                if (failures == 1 || failures % 20 == 0) {
                    LOG.warn("Outbox dispatcher {}: delivery failed ({} time(s) in a row); retrying in {}: {}", settings.name(),
                            failures, backoff, e.toString());
                }
                pause(backoff);
            }
        }
        LOG.debug("Outbox dispatcher {} stopped", settings.name());
    }

    private Duration backoff(int failures) {
        long min = settings.minBackoff().toMillis();
        long max = settings.maxBackoff().toMillis();
        long ms = min << Math.min(failures - 1, 20);
        return Duration.ofMillis(Math.min(Math.max(ms, min), max));
    }

    /** Waits for a wake-up or the timeout (real time: the dispatcher polls the database, not the bus clock); true when woken. */
    private boolean awaitWake(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (wake) {
            waiting = true;
            try {
                while (!signalled && running) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(wake, left);
                }
                return signalled;
            } finally {
                waiting = false;
                signalled = false;
            }
        }
    }

    /** Waits out a backoff; commits do not cut it short (the transport is the problem), a stop does. */
    private void pause(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        synchronized (wake) {
            while (running) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(wake, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** What one pass did: rows sent, the first failure, rows held back, whether to claim again at once (a pair to record). */
    private record Pass(int rows, Exception error, boolean held, boolean again) {
    }

    /** One pass; {@code fresh}: woken by a commit, or the last pass sent rows, so new rows are likely. */
    private Pass dispatchOnce(boolean fresh) throws Exception {
        try (Connection c = outbox.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Row> rows = claims.claim(c, clock.now(), fresh);
                if (rows.isEmpty()) {
                    c.commit();
                    scheduleNextDue(c);
                    return new Pass(0, null, claims.held(), claims.needsPair());
                }
                outbox.step(ProtocolStep.RELAY_SEND);
                List<Long> done = new ArrayList<>(rows.size());
                Exception error = new RelayPass(transport).send(rows, done, settings.sendTimeout());
                if (!done.isEmpty()) {
                    outbox.step(ProtocolStep.MARK_DELIVERED);
                    delete(c, done);
                }
                c.commit();
                return new Pass(done.size(), error, claims.held(), claims.needsPair());
            } catch (Throwable e) {
                try {
                    c.rollback();
                } catch (SQLException re) {
                    e.addSuppressed(re);
                }
                throw e;
            }
        }
    }

    private void scheduleNextDue(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT MIN(due_at) FROM " + settings.tables().outbox() + " WHERE due_at IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                long v = rs.getLong(1);
                if (!rs.wasNull() && OutboxRows.instant(v).isAfter(clock.now())) {
                    wakeAt(OutboxRows.instant(v));
                }
            }
        } finally {
            c.commit();
        }
    }

    private void delete(Connection c, List<Long> seqs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + settings.tables().outbox() + " WHERE seq = ANY(?)")) {
            Array a = c.createArrayOf("BIGINT", seqs.toArray(new Long[0]));
            ps.setArray(1, a);
            ps.executeUpdate();
        }
    }

    private void cleanUpIfDue() {
        if (System.nanoTime() - lastCleanUp < settings.cleanUpInterval().toNanos()) {
            return;
        }
        lastCleanUp = System.nanoTime();
        try {
            int n = outbox.cleanUp();
            if (n > 0) {
                LOG.debug("Outbox {}: removed {} inbox row(s) older than {}", settings.name(), n, settings.inboxRetention());
            }
        } catch (SQLException e) {
            LOG.warn("Outbox {}: inbox clean-up failed: {}", settings.name(), e.toString());
        }
    }

    private static boolean isInterruption(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }
}
