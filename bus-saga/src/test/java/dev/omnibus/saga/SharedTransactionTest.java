package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.ConsumeContext;
import dev.omnibus.saga.Orders.OrderSaga;
import dev.omnibus.saga.Orders.OrderSubmitted;
import dev.omnibus.saga.jdbc.ConnectionProvider;
import dev.omnibus.saga.jdbc.JdbcSagaRepository;
import dev.omnibus.saga.testing.SagaAssertions;
import dev.omnibus.spi.Filter;
import dev.omnibus.testing.TestHarness;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The seam the outbox will use: a filter opens a transaction per delivery, and the JDBC repository
 * writes the instance in it, so the change commits or rolls back with the filter's decision.
 */
class SharedTransactionTest {
    /** A filter that runs each delivery in a transaction and rolls back when the customer is "rollback". */
    static final class TransactionFilter implements Filter {
        final DataSource ds;
        final Map<UUID, Connection> open = new ConcurrentHashMap<>();

        TransactionFilter(DataSource ds) {
            this.ds = ds;
        }

        @Override
        public void filter(ConsumeContext<?> ctx, Next next) throws Exception {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                open.put(ctx.messageId(), c);
                try {
                    next.proceed(ctx);
                    if (ctx.message() instanceof OrderSubmitted s && s.customer().equals("rollback")) {
                        c.rollback();
                    } else {
                        c.commit();
                    }
                } finally {
                    open.remove(ctx.messageId());
                }
            }
        }
    }

    /** Hands out the delivery's connection (the outbox will find it through the consume context). */
    static ConnectionProvider provider(DataSource ds, TransactionFilter tx) {
        ConnectionProvider pool = ConnectionProvider.of(ds);
        return new ConnectionProvider() {
            @Override
            public <R> R withConnection(Work<R> work) throws SQLException {
                return pool.withConnection(work);
            }

            @Override
            public ConnectionProvider during(ConsumeContext<?> delivery) {
                Connection c = tx.open.get(delivery.messageId());
                return c == null ? this : ConnectionProvider.shared(c);
            }
        };
    }

    @Test
    void theInstanceCommitsAndRollsBackWithTheDeliverysTransaction() {
        DataSource ds = Databases.h2();
        TransactionFilter tx = new TransactionFilter(ds);
        JdbcSagaRepository repository = JdbcSagaRepository.builder(provider(ds, tx), "OrderSaga").build();
        repository.createSchema();
        OrderSaga saga = new OrderSaga();
        try (TestHarness h = TestHarness.builder()
                .configure(bus -> bus.receiveEndpoint("order-saga", e -> SagaEndpoint.configure(e.filter(tx), saga, repository)))
                .start()) {
            var sagas = SagaAssertions.of(h, saga, repository);
            UUID kept = UUID.randomUUID();
            UUID undone = UUID.randomUUID();
            h.publish(new OrderSubmitted(undone, "rollback", BigDecimal.ONE));
            h.publish(new OrderSubmitted(kept, "ada", BigDecimal.ONE));
            sagas.assertState(kept, saga.pending);
            h.assertIdle();
            assertThat(h.messages(dev.omnibus.testing.HarnessEvent.Kind.CONSUMED, OrderSubmitted.class)).hasSize(2);
            sagas.assertNotExists(undone);
        }
    }
}
