package dev.omnibus.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on the outbox channel ({@code LISTEN omnibus_outbox}) on a connection of its own and
 * wakes the dispatcher when a transaction that wrote outbox rows commits. Loaded only on
 * PostgreSQL (the driver is an optional dependency). Reconnects after a failure; the dispatcher's
 * polling covers the gap.
 */
final class PgNotifications {
    private static final Logger LOG = LoggerFactory.getLogger(PgNotifications.class);
    private static final int WAIT_MS = 500;

    private final DataSource dataSource;
    private final String name;
    private final Runnable onNotify;
    private final String ownOrigin;
    private volatile boolean running;
    private volatile boolean listening;
    private final java.util.concurrent.atomic.AtomicLong ownReceived = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong wakes = new java.util.concurrent.atomic.AtomicLong();
    private Thread thread;

    /**
     * Calls {@code onNotify} for each batch of notifications that holds one not sent with
     * {@code ownOrigin} as its payload: commits in this process wake the dispatcher directly, so
     * its own NOTIFYs (meant for other processes) would only wake it a second time for nothing.
     */
    PgNotifications(DataSource dataSource, String name, String ownOrigin, Runnable onNotify) {
        this.dataSource = dataSource;
        this.name = name;
        this.ownOrigin = ownOrigin;
        this.onNotify = onNotify;
    }

    void start() {
        running = true;
        thread = new Thread(this::run, "omnibus-outbox-listen-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    void stop() {
        running = false;
        if (thread != null) {
            try {
                thread.join(WAIT_MS * 4L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the LISTEN is in place (tests wait for it). */
    boolean listening() {
        return listening;
    }

    /** Notifications received with this process's own payload (tests). */
    long ownReceived() {
        return ownReceived.get();
    }

    /** Wake-ups handed to the dispatcher (tests). */
    long wakes() {
        return wakes.get();
    }

    private boolean fromElsewhere(PGNotification[] batch) {
        boolean elsewhere = false;
        for (PGNotification n : batch) {
            if (ownOrigin.equals(n.getParameter())) {
                ownReceived.incrementAndGet();
            } else {
                elsewhere = true;
            }
        }
        return elsewhere;
    }

    private void run() {
        int failures = 0;
        while (running) {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                PGConnection pg = c.unwrap(PGConnection.class);
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + OutboxRows.CHANNEL);
                }
                failures = 0;
                listening = true;
                onNotify.run(); // catch up with what committed while not listening
                while (running) {
                    PGNotification[] n = pg.getNotifications(WAIT_MS);
                    if (n != null && fromElsewhere(n)) {
                        wakes.incrementAndGet();
                        onNotify.run(); // one wake-up for the whole batch
                    }
                }
                try (Statement s = c.createStatement()) {
                    s.execute("UNLISTEN *");
                }
            } catch (SQLException | RuntimeException e) {
                listening = false;
                failures++;
                if (failures == 1) {
                    LOG.warn("Outbox {}: LISTEN connection failed ({}); polling until it is back", name, e.toString());
                }
                long until = System.nanoTime() + Math.min(30_000L, 200L << Math.min(failures, 8)) * 1_000_000L;
                while (running && System.nanoTime() < until) {
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
                }
            }
        }
    }
}
