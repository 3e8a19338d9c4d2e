package dev.omnibus.saga.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Gives {@link JdbcSagaRepository} a connection for one operation. The default
 * ({@link #of(DataSource)}) takes one from a data source in auto-commit mode and closes it after.
 *
 * <p>This is the seam for sharing a transaction: a provider that hands out the connection of a
 * transaction already open on the consuming thread (the transactional outbox's, for example) makes
 * the saga's row change commit or roll back with whatever else that transaction holds, such as the
 * messages the saga produced. Such a provider must not commit or close that connection itself.
 * The repository never leaves a transaction aborted by a lost race on PostgreSQL (inserts use
 * {@code ON CONFLICT DO NOTHING}; updates and deletes check their row count).
 *
 * <p>Implementations are thread-safe.
 */
@FunctionalInterface
public interface ConnectionProvider {
    /** Work done with a connection. */
    @FunctionalInterface
    interface Work<R> {
        R run(Connection connection) throws SQLException;
    }

    /** Runs {@code work} with a connection and returns its result. */
    <R> R withConnection(Work<R> work) throws SQLException;

    /** Connections from {@code dataSource}, auto-commit, one per operation, closed after. */
    static ConnectionProvider of(DataSource dataSource) {
        return new ConnectionProvider() {
            @Override
            public <R> R withConnection(Work<R> work) throws SQLException {
                try (Connection c = dataSource.getConnection()) {
                    if (!c.getAutoCommit()) {
                        c.setAutoCommit(true);
                    }
                    return work.run(c);
                }
            }
        };
    }
}
