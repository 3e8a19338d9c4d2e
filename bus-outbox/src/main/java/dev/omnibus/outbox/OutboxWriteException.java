package dev.omnibus.outbox;

import java.sql.SQLException;

/**
 * A message could not be written to the outbox (its cause is the database's
 * {@link SQLException}). Thrown by the publisher of a transaction; the transaction must roll back,
 * which {@link JdbcOutbox#inTransaction} and the inbox filter do. Retrying the whole transaction
 * can help when the cause is transient (a lost connection, a serialization failure).
 */
public final class OutboxWriteException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OutboxWriteException(String message, SQLException cause) {
        super(message, cause);
    }
}
