package dev.omnibus.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.ConfigurationException;
import dev.omnibus.SendOptions;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.testing.Await;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The outbox's tables in a schema of the user's choice and with a prefix of its own. */
class OutboxTablesTest {
    record Invoice(UUID id) {
    }

    static final Await AWAIT = Await.atMost(Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(5));

    @Test
    void badNamesAreReportedAtBuildSayingWhatIsAllowed() {
        try (Databases.Db db = Databases.h2()) {
            assertThatThrownBy(() -> JdbcOutbox.builder(db.dataSource()).schema("Billing").tablePrefix("my-app_").build())
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("schema must be a lower-case SQL identifier").hasMessageContaining("'Billing'")
                    .hasMessageContaining("tablePrefix must be a lower-case SQL identifier").hasMessageContaining("'my-app_'");
            assertThatThrownBy(() -> JdbcOutbox.builder(db.dataSource()).tablePrefix("x; DROP TABLE t; --").build())
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("tablePrefix");
            assertThatThrownBy(() -> JdbcOutbox.builder(db.dataSource()).tablePrefix("p".repeat(Tables.MAX_PREFIX + 1)).build())
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("at most " + Tables.MAX_PREFIX);
        }
    }

    abstract static class Base {
        abstract Databases.Db openDatabase();

        /** A schema name of this test's own. */
        final String schema = "omnibus_ts_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

        Set<String> tables(DataSource ds, String inSchema) throws SQLException {
            Set<String> names = new TreeSet<>();
            try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT table_name FROM information_schema.tables WHERE LOWER(table_schema) = ?")) {
                ps.setString(1, inSchema.toLowerCase(Locale.ROOT));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        names.add(rs.getString(1).toLowerCase(Locale.ROOT));
                    }
                }
            }
            return names;
        }

        String currentSchema(DataSource ds) throws SQLException {
            try (Connection c = ds.getConnection()) {
                return c.getSchema();
            }
        }

        @Test
        void anOutboxInItsOwnSchemaWithAPrefixCreatesUsesAndChecksOnlyItsTables() throws Exception {
            try (Databases.Db db = openDatabase()) {
                DataSource ds = db.dataSource();
                try {
                    JdbcOutbox custom = JdbcOutbox.builder(ds).schema(schema).tablePrefix("billing_")
                            .pollInterval(Duration.ofMillis(20)).build();
                    assertThatThrownBy(custom::checkSchema).isInstanceOf(ConfigurationException.class)
                            .hasMessageContaining(schema + ".billing_outbox").hasMessageContaining("missing");
                    assertThat(custom.migrate()).isEqualTo(1);
                    assertThat(custom.migrate()).isZero();
                    custom.checkSchema();
                    assertThat(tables(ds, schema)).containsExactly("billing_inbox", "billing_outbox", "billing_outbox_lane",
                            "billing_schema");
                    assertThat(tables(ds, currentSchema(ds))).as("nothing in the connection's own schema")
                            .noneMatch(t -> t.startsWith("omnibus_") || t.startsWith("billing_"));

                    // a default outbox on the same database is another set of tables, still missing
                    JdbcOutbox standard = JdbcOutbox.builder(ds).build();
                    assertThatThrownBy(standard::checkSchema).isInstanceOf(ConfigurationException.class)
                            .hasMessageContaining("missing");

                    InMemoryBroker broker = InMemoryBroker.create();
                    List<UUID> consumed = new CopyOnWriteArrayList<>();
                    List<UUID> scheduled = new CopyOnWriteArrayList<>();
                    try (Bus bus = Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(custom.scheduler())
                            .receiveEndpoint("invoices", e -> e.filter(custom.inbox())
                                    .consumer(Invoice.class, ctx -> consumed.add(ctx.message().id())))
                            .start()) {
                        UUID id = UUID.randomUUID();
                        custom.inTransaction(bus, (c, p) -> {
                            p.send(Address.queue("invoices"), new Invoice(id));
                            scheduled.add(p.send(Address.queue("invoices"), new Invoice(UUID.randomUUID()),
                                    SendOptions.defaults().withDelay(Duration.ofHours(1))));
                        });
                        AWAIT.until("the invoice consumed", () -> consumed.contains(id));
                        // the consumer ran inside the inbox transaction: its row is there once that commits
                        AWAIT.until("the inbox row in the custom table", () -> countOrFail(ds, schema + ".billing_inbox") == 1);
                        // the relay deletes the sent row when its pass commits, after the consumer may have it
                        AWAIT.until("only the scheduled row left in the custom table", () -> countOrFail(ds, schema + ".billing_outbox") == 1);
                        assertThat(custom.pending()).as("the scheduled row waits in the custom table").isEqualTo(1);
                        assertThat(custom.cancel(scheduled.get(0))).isTrue();
                        assertThat(custom.pending()).isZero();
                    }
                    assertThat(consumed).hasSize(1);
                } finally {
                    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                    }
                }
            }
        }
    }

    static long countOrFail(DataSource ds, String table) {
        try {
            return count(ds, table);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static long count(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Nested
    class OnPostgres extends Base {
        @Override
        Databases.Db openDatabase() {
            return Databases.postgres();
        }
    }

    @Nested
    class OnH2 extends Base {
        @Override
        Databases.Db openDatabase() {
            return Databases.h2();
        }
    }
}
