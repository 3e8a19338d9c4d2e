package dev.omnibus.outbox;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The statements {@link JdbcOutbox} runs on its tables outside the relay (each on a connection of its
 * own, autocommit), and the transaction plumbing its writers share. Thread-safe (stateless).
 */
final class OutboxTable {
    private OutboxTable() {
    }

    /** Deletes the scheduled rows with this token; true when there were some. */
    static boolean cancel(DataSource ds, Tables tables, UUID token) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + tables.outbox() + " WHERE token = ? AND due_at IS NOT NULL")) {
                ps.setObject(1, token);
                return ps.executeUpdate() > 0;
            }
        }
    }

    /** Rows in the outbox table. */
    static long count(DataSource ds, Tables tables) throws SQLException {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + tables.outbox());
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Deletes inbox rows older than {@code retention}; returns how many. */
    static int cleanUpInbox(DataSource ds, Tables tables, Duration retention) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + tables.inbox() + " WHERE received_at < ?")) {
                ps.setLong(1, OutboxRows.micros(Instant.now().minus(retention)));
                return ps.executeUpdate();
            }
        }
    }

    /** Rolls back, adding a failure to roll back to {@code cause}. */
    static void rollback(Connection c, Throwable cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    /** {@code e} as the SQLException to throw, or rethrown as it is when unchecked. */
    static SQLException rethrow(Throwable e) {
        if (e instanceof SQLException s) {
            return s;
        }
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        return new SQLException("outbox transaction failed: " + e, e);
    }
}
