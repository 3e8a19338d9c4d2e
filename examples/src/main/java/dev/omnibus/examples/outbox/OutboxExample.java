package dev.omnibus.examples.outbox;

import dev.omnibus.Bus;
import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageConsumer;
import dev.omnibus.SendOptions;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.outbox.JdbcOutbox;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The transactional outbox and the inbox on the embedded H2 database: an order and its
 * {@code OrderPlaced} event commit together; billing, behind the inbox, writes one invoice per
 * order and publishes {@code InvoiceCreated} in the same transaction, even when the event arrives
 * twice. Swap the H2 data source for a PostgreSQL pool and the in-memory transport for a broker:
 * nothing else changes.
 */
public final class OutboxExample {
    /** The event the order service publishes with its order. */
    public record OrderPlaced(UUID orderId, BigDecimal total) {
    }

    /** What billing publishes once the invoice is written. */
    public record InvoiceCreated(UUID orderId) {
    }

    /** Billing: the invoice row, the inbox row and InvoiceCreated commit together, once per message. */
    static final class BillingConsumer implements MessageConsumer<OrderPlaced> {
        @Override
        public void consume(ConsumeContext<OrderPlaced> ctx) throws SQLException {
            Connection c = JdbcOutbox.connection(ctx);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO invoices (order_id, total) VALUES (?, ?)")) {
                ps.setObject(1, ctx.message().orderId());
                ps.setBigDecimal(2, ctx.message().total());
                ps.executeUpdate();
            }
            ctx.publish(new InvoiceCreated(ctx.message().orderId()));
        }
    }

    private OutboxExample() {
    }

    /** What the run left in the database. */
    record Result(long orders, long invoices, int invoiceEvents) {
    }

    /** Places {@code orders} orders, delivers the first one's event twice, and waits for the invoices. */
    static Result run(int orders) throws Exception {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:outbox-example-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id UUID PRIMARY KEY, total DECIMAL(12, 2) NOT NULL)");
            s.execute("CREATE TABLE invoices (order_id UUID NOT NULL, total DECIMAL(12, 2) NOT NULL)");
        }
        JdbcOutbox outbox = JdbcOutbox.builder(ds).build();
        outbox.migrate();
        java.util.concurrent.atomic.AtomicInteger invoiced = new java.util.concurrent.atomic.AtomicInteger();
        InMemoryBroker broker = InMemoryBroker.create();
        try (Bus bus = Bus.builder()
                .transport(InMemoryTransport.connect(broker))
                .scheduler(outbox.scheduler())                       // the relay from the outbox table to the transport
                .receiveEndpoint("billing", e -> e
                        .filter(outbox.inbox())                      // one transaction, one effect per message
                        .consumer(OrderPlaced.class, new BillingConsumer()))
                .receiveEndpoint("notifications", e -> e
                        .handler(InvoiceCreated.class, ctx -> invoiced.incrementAndGet()))
                .start()) {
            UUID firstEventId = null;
            for (int i = 0; i < orders; i++) {
                UUID orderId = UUID.randomUUID();
                BigDecimal total = new BigDecimal("12.50").add(BigDecimal.valueOf(i));
                UUID[] eventId = new UUID[1];
                outbox.inTransaction(bus, (connection, publisher) -> {
                    try (PreparedStatement ps = connection.prepareStatement("INSERT INTO orders (id, total) VALUES (?, ?)")) {
                        ps.setObject(1, orderId);
                        ps.setBigDecimal(2, total);
                        ps.executeUpdate();
                    }
                    eventId[0] = publisher.publish(new OrderPlaced(orderId, total));
                });                                                  // both commit, or neither
                if (firstEventId == null) {
                    firstEventId = eventId[0];
                    // the same message again, as a broker redelivering it would: billing acknowledges it, writes nothing
                    UUID again = firstEventId;
                    outbox.inTransaction(bus, (connection, publisher) -> publisher.publish(new OrderPlaced(orderId, total),
                            SendOptions.defaults().withMessageId(again)));
                }
            }
            // wait (at most 30 s) until every event is relayed and consumed, the duplicate too
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (invoiced.get() < orders || outbox.pending() > 0 || !broker.isIdle()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("not every order was invoiced within 30 s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            return new Result(count(ds, "orders"), count(ds, "invoices"), invoiced.get());
        }
    }

    private static long count(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    public static void main(String[] args) throws Exception {
        Result r = run(5);
        System.out.printf("%d orders, %d invoices (one event delivered twice), %d InvoiceCreated%n",
                r.orders(), r.invoices(), r.invoiceEvents());
    }
}
