package dev.omnibus.outbox.kit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.outbox.JdbcOutbox;
import dev.omnibus.outbox.ProtocolStep;
import dev.omnibus.outbox.StepListener;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.ChildJvm;
import dev.omnibus.testing.RunIds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The crash kit with real process deaths: for each {@link ProtocolStep}, a child JVM ({@link
 * OutboxChild}, started by {@link ChildJvm} on the test classpath) produces and consumes orders
 * through the outbox on PostgreSQL and the transport's broker, stands still at that step, and is
 * killed with SIGKILL (exit code 137: no shutdown hook, no rollback, no close; the database and the
 * broker find a dead connection). Then the test JVM, a second process, takes over the same tables
 * and queue, produces more orders, and the kit checks that every committed order has exactly one
 * effect: zero lost, zero duplicated (the inbox), none for an order that never committed.
 *
 * <p>A transport runs it by extending this class with a factory the child can instantiate:
 *
 * <pre>{@code
 * class RabbitMqOutboxSigkillTest extends OutboxSigkillKit {
 *     public static final class Factory implements TransportFactory {
 *         public Transport connect(String uri) { return RabbitMqTransport.builder().uri(uri).build(); }
 *     }
 *     protected String brokerUri() { return RabbitFixture.uri(); }
 *     protected Class<? extends TransportFactory> transportFactory() { return Factory.class; }
 * }
 * }</pre>
 */
public abstract class OutboxSigkillKit {
    /** Orders the child tries to produce (it is killed on the way). */
    protected static final int FIRST = 20;
    /** Orders the second process produces. */
    protected static final int SECOND = 20;

    /** Makes a transport from a broker URI; a public class with a no-argument constructor (the child makes one too). */
    public interface TransportFactory {
        Transport connect(String uri);
    }

    /** The broker every process of a test shares (skips or fails the test when there is none). */
    protected abstract String brokerUri();

    /** The factory the child JVM and the test use. */
    protected abstract Class<? extends TransportFactory> transportFactory();

    /** Waits until the broker holds nothing unsettled for the kit's queue (default: nothing to wait for). */
    protected void awaitBrokerIdle(Await await, String queue) {
    }

    @ParameterizedTest(name = "SIGKILL at {0}")
    @EnumSource(ProtocolStep.class)
    void aChildJvmKilledAtEveryStepLosesAndDuplicatesNothing(ProtocolStep step) throws Exception {
        Await await = Await.atMost(Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(10));
        String uri = brokerUri();
        TransportFactory factory = newFactory();
        Path dir = Files.createTempDirectory("omnibus-outbox-sigkill-");
        try (Databases.Db db = Databases.postgres()) {
            Assumptions.assumeTrue(db.jdbcUrl() != null, "a database another process can reach");
            DataSource ds = db.dataSource();
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kit_orders (id UUID PRIMARY KEY)");
                s.execute("CREATE TABLE kit_effects (order_id UUID NOT NULL)");
            }
            JdbcOutbox.builder(ds).build().migrate();
            String queue = "kill_" + step.name().toLowerCase() + "_" + RunIds.next();
            Path marker = dir.resolve("frozen-at");

            int exit;
            try (ChildJvm child = ChildJvm.start(OutboxChild.class, dir.resolve("child.log"), db.jdbcUrl(), uri,
                    transportFactory().getName(), queue, step.name(), String.valueOf(FIRST), marker.toString())) {
                await.until("the child standing still at " + step, () -> child.checkAlive() && Files.exists(marker));
                exit = child.kill();
            }
            assertThat(exit).as("the child's exit code (137: SIGKILL)").isEqualTo(ChildJvm.SIGKILL_EXIT);
            assertThat(Files.readString(marker).trim()).as("the step the child stood still at").isEqualTo(step.name());
            long ordersAtKill = count(ds, "SELECT COUNT(*) FROM kit_orders");
            long effectsAtKill = count(ds, "SELECT COUNT(*) FROM kit_effects");

            AtomicInteger deliveries = new AtomicInteger();
            try (KitProcess second = new KitProcess(ds, factory.connect(uri), queue, StepListener.NONE, deliveries)) {
                second.produce(SECOND);
                await.until("every committed order consumed", () -> count(ds, "SELECT COUNT(DISTINCT order_id) FROM kit_effects")
                        == count(ds, "SELECT COUNT(*) FROM kit_orders"));
                await.until("the outbox drained", () -> count(ds, "SELECT COUNT(*) FROM omnibus_outbox") == 0);
                awaitBrokerIdle(await, queue);
            }
            long orders = count(ds, "SELECT COUNT(*) FROM kit_orders");
            long effects = count(ds, "SELECT COUNT(*) FROM kit_effects");
            System.out.printf("SIGKILL at %s: %d orders committed by the child, %d effects before the kill; after: %d orders, "
                    + "%d effects, %d deliveries in the second process%n", step, ordersAtKill, effectsAtKill, orders, effects,
                    deliveries.get());
            assertThat(orders).as("orders committed").isGreaterThanOrEqualTo(SECOND);
            assertThat(effects).as("effects (SIGKILL at %s): one per committed order", step).isEqualTo(orders);
            assertThat(count(ds, "SELECT COUNT(*) FROM kit_effects e WHERE NOT EXISTS (SELECT 1 FROM kit_orders o WHERE o.id = e.order_id)"))
                    .as("effects of orders that never committed").isZero();
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private TransportFactory newFactory() throws ReflectiveOperationException {
        var constructor = transportFactory().getDeclaredConstructor();
        constructor.setAccessible(true);
        return constructor.newInstance();
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
