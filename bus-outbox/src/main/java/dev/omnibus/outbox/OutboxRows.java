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

    private static final String INSERT = "INSERT INTO omnibus_outbox (lane, order_key, due_at, token, message_id, destination, "
            + "message_types, partition_key, expiration, headers, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private final Connection connection;
    private final boolean notify;
    private final String txKey = "tx:" + UUID.randomUUID();
    private boolean notified;
    private int written;

    OutboxRows(Connection connection, boolean notify) {
        this.connection = connection;
        this.notify = notify;
    }

    /** How many rows this transaction wrote. */
    int written() {
        return written;
    }

    @Override
    public void publish(MessageType type, OutgoingMessage message) {
        insert(null, String.join("\n", type.messageTypes()), null, null, message);
    }

    @Override
    public void send(Address destination, OutgoingMessage message) {
        insert(destination.toString(), null, null, null, message);
    }

    @Override
    public void schedule(Instant due, Address destination, OutgoingMessage message) {
        Object id = message.headers().get(OutgoingMessage.MESSAGE_ID);
        insert(destination.toString(), null, due, id == null ? UUID.randomUUID() : UUID.fromString(id.toString()), message);
    }

    /** Writes one scheduled row with its own token (the Scheduler SPI). */
    void scheduleWithToken(Instant due, Address destination, OutgoingMessage message, UUID token) {
        insert(destination.toString(), null, due, token, message);
    }

    private void insert(String destination, String messageTypes, Instant due, UUID token, OutgoingMessage m) {
        String orderKey = m.partitionKey() != null ? "key:" + m.partitionKey() : txKey;
        Object idHeader = m.headers().get(OutgoingMessage.MESSAGE_ID);
        UUID messageId = idHeader != null ? UUID.fromString(idHeader.toString()) : UUID.randomUUID();
        try (PreparedStatement ps = connection.prepareStatement(INSERT)) {
            ps.setInt(1, Math.floorMod(orderKey.hashCode(), Schema.LANES));
            ps.setString(2, orderKey);
            setLong(ps, 3, due == null ? null : micros(due));
            ps.setObject(4, token);
            ps.setObject(5, messageId);
            ps.setString(6, destination);
            ps.setString(7, messageTypes);
            ps.setString(8, m.partitionKey());
            setLong(ps, 9, m.expiration() == null ? null : micros(m.expiration()));
            ps.setString(10, headersJson(m.headers()));
            ps.setBytes(11, m.body());
            ps.setLong(12, micros(Instant.now()));
            ps.executeUpdate();
            written++;
            if (notify && !notified) {
                try (Statement s = connection.createStatement()) {
                    s.execute("NOTIFY " + CHANNEL); // delivered at commit, dropped at rollback
                }
                notified = true;
            }
        } catch (SQLException e) {
            throw new OutboxWriteException("writing message " + messageId + " to the outbox failed: " + e.getMessage(), e);
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
