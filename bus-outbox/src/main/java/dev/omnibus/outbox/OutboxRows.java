package dev.omnibus.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omnibus.Address;
import dev.omnibus.Headers;
import dev.omnibus.MessageType;
import dev.omnibus.SerializationException;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.spi.Outbound;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Writes produced messages as outbox rows on one connection, in the caller's transaction. Rows of
 * one transaction without a partition key share an order key (the transaction's), so they keep
 * their order; rows with a key are ordered with every other row of that key. Used by one thread.
 */
final class OutboxRows implements Outbound {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };
    static final String CHANNEL = "omnibus_outbox";

    private static final String COLUMNS = "lane, order_key, due_at, token, message_id, destination, message_types, "
            + "partition_key, expiration, headers, body, created_at";
    private static final String VALUES = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

    /** One row not yet written. */
    private record Pending(String destination, String messageTypes, Instant due, UUID token, OutgoingMessage message,
            String headersJson) {
    }

    private final Connection connection;
    private final SqlDialect dialect;
    private final Tables tables;
    private final String insert;
    private final boolean notify;
    private final boolean buffered;
    // unique per transaction; not a secret, so no SecureRandom (UUID.randomUUID) per transaction
    // (under a deterministic simulation, from its seeded source: the key picks the lane, and so the relay's order)
    private final String txKey = "tx:" + txKeyId();
    private final java.util.List<Pending> pending = new java.util.ArrayList<>(2);
    private boolean notified;
    private int written;

    private static UUID txKeyId() {
        dev.omnibus.spi.Interleaving.Control sim = dev.omnibus.spi.Interleaving.current();
        if (sim != null) {
            return new UUID(sim.nextIdHigh(), sim.nextIdLow());
        }
        return new UUID(java.util.concurrent.ThreadLocalRandom.current().nextLong(),
                java.util.concurrent.ThreadLocalRandom.current().nextLong());
    }

    /**
     * Rows on {@code connection}. Buffered rows are written by {@link #flush()} in one batch (the
     * owner of the transaction calls it before committing); unbuffered ones at once (a connection
     * whose commit the outbox does not see).
     */
    OutboxRows(Connection connection, boolean notify, boolean buffered, SqlDialect dialect, Tables tables) {
        this.connection = connection;
        this.dialect = dialect;
        this.tables = tables;
        this.insert = insert(dialect, tables);
        this.notify = notify;
        this.buffered = buffered;
    }

    /** How many rows this transaction wrote. */
    int written() {
        return written;
    }

    /**
     * Writes the buffered rows in one JDBC batch (one round trip; with pgjdbc's
     * {@code reWriteBatchedInserts=true}, one multi-row INSERT).
     *
     * @throws OutboxWriteException when the database refuses them; the transaction must roll back
     */
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = prepareInsert()) {
            for (Pending p : pending) {
                bind(ps, p);
                ps.addBatch();
            }
            ps.executeBatch();
            written += pending.size();
            notifyOnce();
        } catch (SQLException e) {
            throw new OutboxWriteException("writing " + pending.size() + " message(s) to the outbox failed: " + e.getMessage(), e);
        } finally {
            pending.clear();
        }
    }

    @Override
    public void publish(MessageType type, OutgoingMessage message) {
        insert(null, String.join("\n", type.messageTypes()), null, null, message);
    }

    @Override
    public void send(Address destination, OutgoingMessage message) {
        insert(destination.toString(), null, null, null, message);
    }

    /**
     * A response or fault to an address from a consumed message: stored as a send marked with
     * {@link #REPLY_HEADER}, which the relay removes and then hands the message to
     * {@code Transport.reply}, which creates nothing the address names.
     */
    @Override
    public void reply(Address destination, OutgoingMessage message) {
        insert(destination.toString(), null, null, null, message.withHeaders(dev.omnibus.Headers.of(REPLY_HEADER, "true")));
    }

    /** Marks a stored row as a reply (never sent to the broker: the relay takes it off). */
    static final String REPLY_HEADER = "Omnibus-Outbox-Reply";

    @Override
    public void schedule(Instant due, Address destination, OutgoingMessage message) {
        Object id = message.headers().get(OutgoingMessage.MESSAGE_ID);
        insert(destination.toString(), null, due, id == null ? UUID.randomUUID() : UUID.fromString(id.toString()), message);
    }

    /** Writes one scheduled row with its own token (the Scheduler SPI). */
    void scheduleWithToken(Instant due, Address destination, OutgoingMessage message, UUID token) {
        insert(destination.toString(), null, due, token, message);
    }

    /** Withdraws scheduled messages with this token (message id): buffered ones, and rows visible to this transaction. */
    @Override
    public boolean cancelScheduled(UUID messageId) {
        boolean removed = pending.removeIf(p -> p.due() != null && messageId.equals(p.token()));
        try (PreparedStatement ps = connection.prepareStatement(
                "DELETE FROM " + tables.outbox() + " WHERE token = ? AND due_at IS NOT NULL")) {
            ps.setObject(1, messageId);
            return ps.executeUpdate() > 0 || removed;
        } catch (SQLException e) {
            throw new OutboxWriteException("cancelling scheduled message " + messageId + " failed: " + e.getMessage(), e);
        }
    }

    private void insert(String destination, String messageTypes, Instant due, UUID token, OutgoingMessage m) {
        // at publish: headers that cannot be stored fail the publish, not the flush
        Pending p = new Pending(destination, messageTypes, due, token, m, headersJson(m.headers()));
        if (buffered) {
            pending.add(p);
            return;
        }
        try (PreparedStatement ps = prepareInsert()) {
            bind(ps, p);
            ps.executeUpdate();
            written++;
            notifyOnce();
        } catch (SQLException e) {
            throw new OutboxWriteException("writing message " + m.headers().get(OutgoingMessage.MESSAGE_ID)
                    + " to the outbox failed: " + e.getMessage(), e);
        }
    }

    /**
     * The INSERT of one row, so that no row is relayed while a row before it (a smaller seq) may still
     * commit ({@code docs/outbox.md}, "Order with concurrent writers"):
     *
     * <ul>
     *   <li><b>PostgreSQL</b>: the seq is taken after the writing transaction has its transaction id
     *       ({@code txid_current()} in a subquery the planner may not flatten, {@code OFFSET 0}, is
     *       evaluated before the outer {@code nextval}; a scalar subquery, so pgjdbc's
     *       {@code reWriteBatchedInserts} still makes a batch one multi-row INSERT). The relay's horizon ({@link Claims}) relies
     *       on it: every seq allocated before it read the sequence belongs to a transaction whose id
     *       is older than the one it takes next.</li>
     *   <li><b>H2</b>: writers serialize on one lock (the {@code outbox} row of the version table, {@code
     *       FOR UPDATE}) from just before their first row to their commit, so seqs commit in order.</li>
     * </ul>
     */
    private static String insert(SqlDialect dialect, Tables tables) {
        if (dialect == SqlDialect.POSTGRESQL) {
            return "INSERT INTO " + tables.outbox() + " (seq, " + COLUMNS + ") VALUES ((SELECT nextval('" + tables.sequence()
                    + "') FROM (SELECT txid_current() OFFSET 0) AS writer), " + VALUES + ")";
        }
        return "INSERT INTO " + tables.outbox() + " (" + COLUMNS + ") VALUES (" + VALUES + ")";
    }

    /**
     * The insert statement; on H2 after taking the writers' lock (each time: a publisher on a
     * connection the user controls may be kept across transactions, and this cannot see them end).
     */
    private PreparedStatement prepareInsert() throws SQLException {
        if (dialect == SqlDialect.H2) {
            try (PreparedStatement lock = connection.prepareStatement("SELECT version FROM " + tables.version()
                    + " WHERE component = 'outbox' FOR UPDATE")) {
                lock.executeQuery().close();
            }
        }
        return connection.prepareStatement(insert);
    }

    private void bind(PreparedStatement ps, Pending p) throws SQLException {
        OutgoingMessage m = p.message();
        String orderKey = m.partitionKey() != null ? "key:" + m.partitionKey() : txKey;
        Object idHeader = m.headers().get(OutgoingMessage.MESSAGE_ID);
        ps.setInt(1, Math.floorMod(orderKey.hashCode(), Schema.LANES));
        ps.setString(2, orderKey);
        setLong(ps, 3, p.due() == null ? null : micros(p.due()));
        ps.setObject(4, p.token());
        ps.setObject(5, idHeader != null ? UUID.fromString(idHeader.toString()) : UUID.randomUUID());
        ps.setString(6, p.destination());
        ps.setString(7, p.messageTypes());
        ps.setString(8, m.partitionKey());
        setLong(ps, 9, m.expiration() == null ? null : micros(m.expiration()));
        ps.setString(10, p.headersJson());
        ps.setBytes(11, m.body());
        ps.setLong(12, micros(Instant.now()));
    }

    private void notifyOnce() throws SQLException {
        if (notify && !notified) {
            try (Statement s = connection.createStatement()) {
                s.execute("NOTIFY " + CHANNEL); // delivered at commit, dropped at rollback
            }
            notified = true;
        }
    }

    private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
        if (v == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, v);
        }
    }

    static long micros(Instant i) {
        return ChronoUnit.MICROS.between(Instant.EPOCH, i);
    }

    static Instant instant(long micros) {
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    static String headersJson(Headers h) {
        try {
            return JSON.writeValueAsString(h.asMap());
        } catch (JsonProcessingException e) {
            throw new SerializationException("headers cannot be stored as JSON: " + e.getOriginalMessage(), e);
        }
    }

    static Headers headers(String json) {
        try {
            Map<String, Object> m = JSON.readValue(json, MAP);
            return Headers.of(m);
        } catch (JsonProcessingException e) {
            throw new SerializationException("stored headers are not JSON: " + e.getOriginalMessage(), e);
        }
    }
}
