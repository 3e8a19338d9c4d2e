package dev.omnibus.outbox;

import dev.omnibus.ConsumeContext;
import dev.omnibus.spi.ConsumeContexts;
import dev.omnibus.spi.Filter;
import dev.omnibus.spi.Interleaving;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the rest of the pipeline in one database transaction with an inbox row for the message,
 * the consumers' messages redirected into outbox rows of that transaction. A message whose inbox
 * row is already committed is acknowledged without running the consumers; one being processed by
 * another delivery right now waits for that transaction (the row lock) and is then recognised.
 */
final class InboxFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(InboxFilter.class);
    private static final String UNIQUE_VIOLATION = "23505";

    private final JdbcOutbox outbox;
    private final String consumerName;

    InboxFilter(JdbcOutbox outbox, String consumerName) {
        this.outbox = outbox;
        this.consumerName = consumerName;
    }

    @Override
    public void filter(ConsumeContext<?> context, Next next) throws Exception {
        String consumer = consumerName != null ? consumerName : context.endpoint();
        try (Connection c = outbox.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                Interleaving.point("inbox-insert");
                if (context.messageId() != null && !record(c, context, consumer)) {
                    c.rollback();
                    LOG.debug("Message {} already consumed by {}; acknowledged without running it again", context.messageId(),
                            consumer);
                    return;
                }
                outbox.step(ProtocolStep.INBOX_INSERT);
                OutboxRows rows = outbox.rows(c, true);
                next.proceed(ConsumeContexts.redirect(context, rows, List.of(c)));
                rows.flush();
                outbox.step(ProtocolStep.CONSUME);
                Interleaving.point("inbox-commit");
                c.commit();
                if (rows.written() > 0) {
                    outbox.committed();
                }
            } catch (Throwable e) {
                JdbcOutbox.rollback(c, e);
                throw e;
            }
        }
        outbox.step(ProtocolStep.ACK);
    }

    /** Inserts the inbox row; false when the message was consumed before. */
    private boolean record(Connection c, ConsumeContext<?> context, String consumer) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + outbox.settings().tables().inbox() + " (message_id, consumer, received_at) VALUES (?, ?, ?)")) {
            ps.setObject(1, context.messageId());
            ps.setString(2, consumer);
            ps.setLong(3, OutboxRows.micros(Instant.now()));
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (UNIQUE_VIOLATION.equals(e.getSQLState())) {
                return false;
            }
            throw e;
        }
    }
}
