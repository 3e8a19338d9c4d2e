package dev.omnibus.outbox;

import dev.omnibus.spi.OutgoingMessage;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * How a dispatcher claims rows to send: the lanes it may work on, locked ({@code FOR UPDATE SKIP
 * LOCKED} on {@code omnibus_outbox_lane}, starting at a lane that rotates from pass to pass), each
 * lane's oldest rows by the {@code (lane, seq)} index, and the scheduled rows that are due (locked
 * row by row, {@code SKIP LOCKED}, on the {@code due_at} index). A lane's lock is held until the
 * dispatcher's transaction ends, so one dispatcher at a time sends a lane's rows: the order per key
 * holds with any number of dispatchers.
 *
 * <p><b>PostgreSQL: one statement.</b> The lane locks, the lanes' rows and the due rows come back
 * from one round trip. The lanes' rows are read with the statement's snapshot, taken before the lane
 * locks are granted, so a row that another dispatcher sent and deleted in between is still in that
 * snapshot (the first one-statement claim, which read without row locks, delivered such rows twice).
 * Here they are read {@code FOR UPDATE}: locking re-checks each row's newest version, and a row
 * whose deletion committed after the snapshot is not returned (READ COMMITTED's rule for a locked
 * row deleted concurrently), whatever the snapshot saw. No one else locks a lane's rows while the
 * lane is held, so the row locks never wait.
 *
 * <p><b>H2</b> (and the portable path): active lanes by a loose index scan, the lane locks, then each
 * lane's rows and the due rows in statements of their own: under READ COMMITTED each later statement
 * sees what committed before its lane lock was granted.
 *
 * <p>Used by its dispatcher's thread only.
 */
final class Claims {
    private static final String COLUMNS = "seq, order_key, message_id, destination, message_types, partition_key, "
            + "expiration, headers, body";

    /**
     * Lanes with rows to send now (the loose index scan of {@link #activeLanes}: one probe of the
     * {@code (lane, seq)} index per active lane and one more, so finding work costs the same with
     * ten rows waiting or a million; a probe of every one of the 16 lanes, tried first, made a pass
     * take 2.4-2.6 ms instead of 0.5-0.9 ms at 200 msg/s, each probe walking its lane's index
     * entries of rows deleted but not yet vacuumed), locked without waiting, from a rotating start;
     * then each locked lane's oldest rows, locked; then the due scheduled rows.
     */
    private static String pgClaim(Tables t) {
        return "WITH RECURSIVE active (lane) AS ("
            + " SELECT MIN(lane) FROM " + t.outbox() + " WHERE due_at IS NULL"
            + " UNION ALL SELECT (SELECT MIN(a.lane) FROM " + t.outbox() + " a WHERE a.due_at IS NULL AND a.lane > active.lane)"
            + " FROM active WHERE active.lane IS NOT NULL),"
            + " lanes AS MATERIALIZED ("
            + " SELECT l.lane FROM " + t.lane() + " l WHERE l.lane IN (SELECT lane FROM active)"
            + " ORDER BY MOD(l.lane + ?, " + Schema.LANES + ") LIMIT ? FOR UPDATE OF l SKIP LOCKED)"
            + " SELECT 0 AS part, r.*, txid_snapshot_xmin(txid_current_snapshot()) AS horizon FROM lanes CROSS JOIN LATERAL ("
            + " SELECT " + COLUMNS + ", due_at FROM " + t.outbox() + " o WHERE o.lane = lanes.lane AND o.due_at IS NULL"
            + " ORDER BY o.seq LIMIT ? FOR UPDATE OF o) r"
            + " UNION ALL"
            + " SELECT 1 AS part, d.*, NULL FROM ("
            + " SELECT " + COLUMNS + ", due_at FROM " + t.outbox() + " WHERE due_at IS NOT NULL AND due_at <= ?"
            + " ORDER BY due_at, seq LIMIT ? FOR UPDATE SKIP LOCKED) d"
            + " ORDER BY part, due_at, seq";
    }

    /** A claimed row; {@code reply}: stored by {@link OutboxRows#reply} (its marker header already taken off the message). */
    record Row(long seq, String orderKey, UUID messageId, String destination, String messageTypes, OutgoingMessage message,
            Long horizon, boolean reply) {
    }

    private final OutboxSettings settings;
    private final Tables tables;
    private final boolean oneStatement;
    private final String pgClaim;
    private final Horizon horizon; // PostgreSQL only
    private boolean held;
    private boolean needsPair; // PostgreSQL: the last claim held rows no pair covers: record one first thing next claim
    private int nextLane;

    Claims(OutboxSettings settings, SqlDialect dialect) {
        this.settings = settings;
        this.tables = settings.tables();
        this.oneStatement = dialect == SqlDialect.POSTGRESQL;
        this.pgClaim = pgClaim(tables);
        this.horizon = oneStatement ? new Horizon(tables) : null;
    }

    /**
     * Whether the last claim held rows back (PostgreSQL: rows past the {@link Horizon}'s safe seq),
     * or earlier ones still wait for running transactions: the dispatcher looks again soon.
     */
    boolean held() {
        return held || horizon != null && horizon.waiting();
    }

    /**
     * Whether the last claim held rows that no horizon pair covers yet: the next claim records one
     * first, and may then let them through, so claim again at once.
     */
    boolean needsPair() {
        return needsPair;
    }

    /**
     * Claims and reads this pass's rows in {@code c}'s transaction: lanes' rows in seq order, then due
     * rows. {@code fresh}: new rows are likely (a commit woke the dispatcher, or it just sent rows), so
     * on PostgreSQL a horizon pair is recorded first and the new rows can pass in this claim.
     */
    List<Row> claim(Connection c, Instant now, boolean fresh) throws SQLException {
        int start = nextLane;
        nextLane = (nextLane + settings.lanesPerClaim()) % Schema.LANES;
        held = false;
        if (oneStatement) {
            if (needsPair || fresh) {
                // first thing in the transaction: its id is taken after the sequence is read (Horizon)
                horizon.record(c);
                needsPair = false;
            }
            List<Row> rows;
            try (PreparedStatement ps = c.prepareStatement(pgClaim)) {
                ps.setInt(1, Schema.LANES - start);
                ps.setInt(2, settings.lanesPerClaim());
                ps.setInt(3, settings.batchSize());
                ps.setLong(4, OutboxRows.micros(now));
                ps.setInt(5, settings.batchSize());
                rows = read(ps);
            }
            return belowHorizon(rows);
        }
        List<Row> rows = new ArrayList<>();
        for (int lane : lockLanes(c, activeLanes(c), start)) {
            rows.addAll(laneRows(c, lane));
        }
        rows.addAll(dueRows(c, now));
        return rows;
    }

    /**
     * PostgreSQL: the lanes' rows up to the horizon's safe seq for this claim's snapshot (per lane,
     * and so per key, a prefix in seq order); the rest stay, locked until the pass ends, and the next
     * claim records a pair first if none covers them. Scheduled rows have no order and are not held.
     */
    private List<Row> belowHorizon(List<Row> rows) {
        if (rows.isEmpty() || rows.get(0).horizon() == null) {
            return rows;
        }
        long safe = horizon.safe(rows.get(0).horizon());
        List<Row> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (r.horizon() == null || r.seq() <= safe) {
                out.add(r);
            } else {
                held = true;
                needsPair |= !horizon.covers(r.seq());
            }
        }
        return out;
    }

    /** The lanes holding rows to send now: a loose index scan over {@code (lane, seq)}, one probe per lane. */
    private List<Integer> activeLanes(Connection c) throws SQLException {
        List<Integer> lanes = new ArrayList<>(Schema.LANES);
        try (PreparedStatement ps = c.prepareStatement("WITH RECURSIVE l (lane) AS ("
                + " SELECT MIN(lane) FROM " + tables.outbox() + " WHERE due_at IS NULL"
                + " UNION ALL SELECT (SELECT MIN(o.lane) FROM " + tables.outbox() + " o WHERE o.due_at IS NULL AND o.lane > l.lane)"
                + " FROM l WHERE l.lane IS NOT NULL)"
                + " SELECT lane FROM l WHERE lane IS NOT NULL");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                lanes.add(rs.getInt(1));
            }
        }
        return lanes;
    }

    /** Locks up to lanesPerClaim of {@code active} that no other dispatcher holds, starting at lane {@code start}. */
    private List<Integer> lockLanes(Connection c, List<Integer> active, int start) throws SQLException {
        List<Integer> lanes = new ArrayList<>(settings.lanesPerClaim());
        if (active.isEmpty()) {
            return lanes;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT lane FROM " + tables.lane() + " WHERE lane = ANY(?)"
                + " ORDER BY MOD(lane + ?, " + Schema.LANES + ") LIMIT ? FOR UPDATE SKIP LOCKED")) {
            ps.setArray(1, c.createArrayOf("INTEGER", active.toArray(new Integer[0])));
            ps.setInt(2, Schema.LANES - start);
            ps.setInt(3, settings.lanesPerClaim());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lanes.add(rs.getInt(1));
                }
            }
        }
        return lanes;
    }

    private List<Row> laneRows(Connection c, int lane) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                + " FROM " + tables.outbox() + " WHERE lane = ? AND due_at IS NULL ORDER BY seq LIMIT ?")) {
            ps.setInt(1, lane);
            ps.setInt(2, settings.batchSize());
            return read(ps);
        }
    }

    private List<Row> dueRows(Connection c, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
                + " FROM " + tables.outbox() + " WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, seq LIMIT ? FOR UPDATE SKIP LOCKED")) {
            ps.setLong(1, OutboxRows.micros(now));
            ps.setInt(2, settings.batchSize());
            return read(ps);
        }
    }

    private static List<Row> read(PreparedStatement ps) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            boolean withHorizon = rs.getMetaData().getColumnCount() > 11;
            while (rs.next()) {
                Long horizon = null;
                if (withHorizon) {
                    long h = rs.getLong("horizon");
                    horizon = rs.wasNull() ? null : h;
                }
                long exp = rs.getLong("expiration");
                Instant expiration = rs.wasNull() ? null : OutboxRows.instant(exp);
                dev.omnibus.Headers headers = OutboxRows.headers(rs.getString("headers"));
                boolean reply = headers.get(OutboxRows.REPLY_HEADER) != null; // the marker never reaches the broker
                OutgoingMessage m = new OutgoingMessage(rs.getBytes("body"),
                        reply ? headers.with(OutboxRows.REPLY_HEADER, null) : headers, rs.getString("partition_key"), expiration);
                rows.add(new Row(rs.getLong("seq"), rs.getString("order_key"), rs.getObject("message_id", UUID.class),
                        rs.getString("destination"), rs.getString("message_types"), m, horizon, reply));
            }
        }
        return rows;
    }
}
