package dev.omnibus.saga.jdbc;

import dev.omnibus.ConsumeContext;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * Gives {@link JdbcSagaRepository} a connection for one operation. The default
 * ({@link #of(DataSource)}) takes one from a data source in auto-commit mode and closes it after.
 *
 * <p>This is the seam for sharing a transaction: while a saga handles a message, the repository
 * asks {@link #during(ConsumeContext)} for the provider to use. One that returns the connection of
 * a transaction a filter opened for that delivery (the transactional outbox's, for example) makes
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

    /**
     * The provider to use while handling {@code delivery} (default: this one). Override to hand out
     * a connection the delivery's filters opened, for example one they attached to the context.
     */
    default ConnectionProvider during(ConsumeContext<?> delivery) {
        return this;
    }

    /**
     * Always {@code connection}, neither committed nor closed here: for a provider's
     * {@link #during} that found the delivery's transaction.
     */
    static ConnectionProvider shared(Connection connection) {
        return new ConnectionProvider() {
            @Override
            public <R> R withConnection(Work<R> work) throws SQLException {
                return work.run(connection);
            }
        };
    }

    /**
     * Joins the transaction a filter opened for the delivery, when it attached its
     * {@link Connection} to the consume context ({@code ctx.attribute(Connection.class)}, as the
     * transactional outbox's inbox filter does); otherwise, and outside a delivery, connections
     * from {@code dataSource} as {@link #of(DataSource)} gives them.
     *
     * <pre>{@code
     * JdbcSagaRepository orders = JdbcSagaRepository
     *         .builder(ConnectionProvider.joiningDelivery(dataSource), "OrderSaga").build();
     * bus.receiveEndpoint("order-saga", e -> SagaEndpoint.configure(e.filter(outbox.inbox()), saga, orders));
     * }</pre>
     *
     * <p>Behind such a filter the instance's change commits or rolls back with that transaction, and
     * so with everything else it holds (the inbox row, the saga's outgoing messages as outbox rows).
     * The attached connection is neither committed nor closed here. The data source should be the
     * one the filter uses, so that the tables are in the same database.
     */
    static ConnectionProvider joiningDelivery(DataSource dataSource) {
        ConnectionProvider own = of(dataSource);
        return new ConnectionProvider() {
            @Override
            public <R> R withConnection(Work<R> work) throws SQLException {
                return own.withConnection(work);
            }

            @Override
            public ConnectionProvider during(ConsumeContext<?> delivery) {
                return delivery.attribute(Connection.class).map(ConnectionProvider::shared).orElse(this);
            }
        };
    }

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
