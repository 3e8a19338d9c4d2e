package dev.omnibus.outbox.kit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.outbox.JdbcOutbox;
import dev.omnibus.outbox.ProtocolStep;
import dev.omnibus.outbox.StepListener;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.Await;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The crash-point kit: for each {@link ProtocolStep} (business write, commit, relay send, mark
 * delivered, inbox insert, consume, ack), a "process" (a bus with the outbox's dispatcher and an
 * endpoint behind the inbox filter, producing orders through the outbox) freezes at that step and
 * is killed; a second process over the same database and broker takes over and produces more.
 * Then every committed order has exactly one effect: zero lost, zero duplicated.
 *
 * <p>A transport runs it by extending this class (bus-outbox's test-jar) and saying how to reach
 * its broker; the kit sends to a queue of its own per test, so a shared broker is fine:
 *
 * <pre>{@code
 * class RabbitMqOutboxCrashTest extends OutboxCrashPointKit {
 *     protected Databases.Db openDatabase() { return Databases.postgres(); }
 *     protected Transport connect() { return RabbitMqTransport.builder().uri(uri).build(); }
 * }
 * }</pre>
 */
public abstract class OutboxCrashPointKit {
    /** Orders the first process tries to produce (it crashes on the way). */
    protected static final int FIRST = 20;
    /** Orders the second process produces. */
    protected static final int SECOND = 20;

    /** A fresh database (the kit creates the outbox schema and its own two tables). */
    protected abstract Databases.Db openDatabase();

    /** A new, unstarted transport to the broker every process of one test shares. */
    protected abstract Transport connect();

    /** Waits until the broker holds nothing unsettled for the kit's queue (default: nothing to wait for). */
    protected void awaitBrokerIdle(Await await) {
    }

    /** How long the kit waits for each condition. */
    protected Await await() {
        return Await.atMost(Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(10));
    }

    @ParameterizedTest(name = "crash at {0}")
    @EnumSource(ProtocolStep.class)
    void aCrashAtEveryStepLosesAndDuplicatesNothing(ProtocolStep step) throws Exception {
        Await await = await();
        try (Databases.Db db = openDatabase()) {
            DataSource ds = db.dataSource();
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kit_orders (id UUID PRIMARY KEY)");
                s.execute("CREATE TABLE kit_effects (order_id UUID NOT NULL)");
            }
            JdbcOutbox.builder(ds).build().migrate();
            String queue = "kit_" + step.name().toLowerCase() + "_" + dev.omnibus.testing.RunIds.next();

            CrashAt crash = new CrashAt(step);
            AtomicInteger deliveries = new AtomicInteger();
            KitProcess first = new KitProcess(ds, connect(), queue, crash, deliveries);
            Thread producer = new Thread(() -> first.produce(FIRST), "kit-producer-1");
            producer.start();
            await.until("the first process reaching " + step, crash::crashed);
            producer.interrupt(); // kill: the producing thread, then every thread of the bus
            producer.join(10_000);
            first.close();

            KitProcess second = new KitProcess(ds, connect(), queue, StepListener.NONE, deliveries);
            try {
                second.produce(SECOND);
                await.until("every committed order consumed", () -> count(ds, "SELECT COUNT(DISTINCT order_id) FROM kit_effects")
                        == count(ds, "SELECT COUNT(*) FROM kit_orders"));
                await.until("the outbox drained", () -> count(ds, "SELECT COUNT(*) FROM omnibus_outbox") == 0);
                awaitBrokerIdle(await);
            } finally {
                second.close();
            }
            long orders = count(ds, "SELECT COUNT(*) FROM kit_orders");
            assertThat(orders).as("orders committed").isGreaterThanOrEqualTo(SECOND);
            assertThat(count(ds, "SELECT COUNT(*) FROM kit_effects")).as("effects (crash at %s)", step).isEqualTo(orders);
            assertThat(count(ds, "SELECT COUNT(*) FROM kit_effects e WHERE NOT EXISTS (SELECT 1 FROM kit_orders o WHERE o.id = e.order_id)"))
                    .as("effects of orders that were rolled back").isZero();
            System.out.printf("crash at %s: %d orders, %d effects, %d deliveries%n", step, orders,
                    count(ds, "SELECT COUNT(*) FROM kit_effects"), deliveries.get());
        }
    }

    private static long count(DataSource ds, String sql) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
