package dev.omnibus.outbox;

import dev.omnibus.Address;
import dev.omnibus.BusStateException;
import dev.omnibus.MessageType;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * Rows with the same order key go to the transport back to back (a run to one target in one
 * {@code sendAll}/{@code publishAll} call; the next run once it is confirmed); different keys go in
 * parallel.
 */
final class OutboxDispatcher implements Scheduler {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxDispatcher.class);

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
        Schema.check(outbox.dataSource(), outbox.dialect());
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
            Pass pass = dispatchOnce();
            if (pass.error != null) {
                throw pass.error;
            }
            if (pass.rows > 0) {
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
        while (running) {
            try {
                Pass pass = dispatchOnce();
                if (pass.error != null) {
                    throw pass.error;
                }
                failures = 0;
                cleanUpIfDue();
                if (pass.rows == 0) {
                    awaitWake(settings.pollInterval());
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

    /** Waits for a wake-up or the timeout (real time: the dispatcher polls the database, not the bus clock). */
    private void awaitWake(Duration timeout) throws InterruptedException {
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

    /** What one pass did. */
    private record Pass(int rows, Exception error) {
    }

    private Pass dispatchOnce() throws Exception {
        try (Connection c = outbox.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                List<Row> rows = claims.claim(c, clock.now());
                if (rows.isEmpty()) {
                    c.commit();
                    scheduleNextDue(c);
                    return new Pass(0, null);
                }
                outbox.step(ProtocolStep.RELAY_SEND);
                List<Long> done = new ArrayList<>(rows.size());
                Exception error = send(rows, done);
                if (!done.isEmpty()) {
                    outbox.step(ProtocolStep.MARK_DELIVERED);
                    delete(c, done);
                }
                c.commit();
                return new Pass(done.size(), error);
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
        try (PreparedStatement ps = c.prepareStatement("SELECT MIN(due_at) FROM omnibus_outbox WHERE due_at IS NOT NULL");
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

    /**
     * Sends every row, one after the other per order key, keys in parallel; adds the seq of each
     * confirmed row to {@code done}. Returns the first failure (rows after a failed one of the same
     * key are not sent), or null.
     */
    private Exception send(List<Row> rows, List<Long> done) throws InterruptedException {
        Map<String, List<Row>> byKey = new LinkedHashMap<>();
        for (Row r : rows) {
            byKey.computeIfAbsent(r.orderKey(), k -> new ArrayList<>()).add(r);
        }
        List<CompletableFuture<List<Long>>> chains = new ArrayList<>(byKey.size());
        for (List<Row> chain : byKey.values()) {
            chains.add(sendChain(chain, 0, new ArrayList<>()));
        }
        Exception first = null;
        long deadline = System.nanoTime() + settings.sendTimeout().toNanos();
        for (CompletableFuture<List<Long>> f : chains) {
            try {
                done.addAll(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() instanceof PartialChain p ? p.getCause() : e.getCause();
                if (first == null) {
                    first = cause instanceof Exception ex ? ex : e;
                }
            } catch (TimeoutException e) {
                if (first == null) {
                    first = new TransportException("the transport did not confirm within " + settings.sendTimeout(), e, true);
                }
            }
        }
        // a chain that failed part-way still delivered its head: those rows count as done
        for (CompletableFuture<List<Long>> f : chains) {
            if (f.isCompletedExceptionally()) {
                PartialChain p = partial(f);
                if (p != null) {
                    done.addAll(p.done);
                }
            }
        }
        return first;
    }

    /** A chain that failed after some rows were confirmed. */
    private static final class PartialChain extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient List<Long> done;

        PartialChain(List<Long> done, Throwable cause) {
            super(cause.getMessage(), cause, false, false);
            this.done = done;
        }
    }

    private static PartialChain partial(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause() instanceof PartialChain p ? p : null;
        }
    }

    /**
     * Sends one order key's rows from {@code i} on, back to back: each run of consecutive rows to the
     * same destination (or of the same published type) goes to the transport in one
     * {@code sendAll}/{@code publishAll} call, which keeps their order, without waiting for each
     * confirmation; the next run starts once the previous one is confirmed. {@code done} only ever
     * holds a prefix of the chain: if a row fails, the rows after it are not counted as done (they
     * stay in the table and are sent again), even when the transport confirmed them.
     */
    private CompletableFuture<List<Long>> sendChain(List<Row> chain, int i, List<Long> done) {
        if (i == chain.size()) {
            return CompletableFuture.completedFuture(done);
        }
        int end = i + 1;
        while (end < chain.size() && sameTarget(chain.get(i), chain.get(end))) {
            end++;
        }
        List<Row> run = chain.subList(i, end);
        List<CompletableFuture<Void>> sent;
        try {
            sent = sendRun(run);
        } catch (RuntimeException e) {
            sent = List.of(CompletableFuture.failedFuture(e));
        }
        int next = end;
        List<CompletableFuture<Void>> futures = sent;
        return CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).handle((ok, ignored) -> {
            for (int k = 0; k < futures.size(); k++) {
                CompletableFuture<Void> f = futures.get(k);
                if (f.isCompletedExceptionally()) {
                    Throwable cause = failure(f);
                    return CompletableFuture.<List<Long>>failedFuture(new PartialChain(List.copyOf(done), cause));
                }
                done.add(run.get(k).seq());
            }
            if (futures.size() != run.size()) {
                return CompletableFuture.<List<Long>>failedFuture(new PartialChain(List.copyOf(done), new TransportException(
                        "the transport returned " + futures.size() + " futures for " + run.size() + " messages", null, false)));
            }
            return sendChain(chain, next, done);
        }).thenCompose(x -> x);
    }

    private static boolean sameTarget(Row a, Row b) {
        return a.destination() != null ? a.destination().equals(b.destination())
                : b.destination() == null && a.messageTypes().equals(b.messageTypes());
    }

    /** One run of rows with the same target, in one transport call; one future per row, in order. */
    private List<CompletableFuture<Void>> sendRun(List<Row> run) {
        Row first = run.get(0);
        if (run.size() == 1) {
            return List.of(first.destination() != null
                    ? transport.send(Address.parse(first.destination()), first.message())
                    : transport.publish(type(first.messageTypes()), first.message()));
        }
        List<OutgoingMessage> messages = new ArrayList<>(run.size());
        for (Row r : run) {
            messages.add(r.message());
        }
        return first.destination() != null
                ? transport.sendAll(Address.parse(first.destination()), messages)
                : transport.publishAll(type(first.messageTypes()), messages);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        try {
            f.join();
            return new IllegalStateException("not failed");
        } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
            return e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        }
    }

    private static MessageType type(String messageTypes) {
        List<String> urns = Arrays.asList(messageTypes.split("\n"));
        return new MessageType(urns.get(0), Object.class, Object.class, urns);
    }

    private void delete(Connection c, List<Long> seqs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM omnibus_outbox WHERE seq = ANY(?)")) {
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
