package dev.omnibus.outbox.kit;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.outbox.JdbcOutbox;
import dev.omnibus.outbox.StepListener;
import dev.omnibus.spi.Transport;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * One process of the crash kits: a bus with the outbox's dispatcher and an endpoint behind the inbox
 * filter that records each order's effect ({@code kit_effects}), producing orders through the outbox
 * ({@code kit_orders} and an {@link OrderPlaced} to the endpoint, in one transaction). The same code
 * runs in the test JVM ({@link OutboxCrashPointKit}, and the second process of {@link OutboxSigkillKit})
 * and in a child JVM ({@link OutboxChild}).
 */
final class KitProcess implements AutoCloseable {
    /** The kit's message. */
    record OrderPlaced(UUID orderId) {
    }

    final JdbcOutbox outbox;
    final Bus bus;
    final String queue;

    KitProcess(DataSource ds, Transport transport, String queue, StepListener steps, AtomicInteger deliveries) {
        this.queue = queue;
        this.outbox = JdbcOutbox.builder(ds).stepListener(steps).pollInterval(Duration.ofMillis(50))
                .backoff(Duration.ofMillis(20), Duration.ofMillis(200)).stopTimeout(Duration.ofMillis(300)).build();
        this.bus = Bus.builder().transport(transport).scheduler(outbox.scheduler()).stopTimeout(Duration.ofMillis(300))
                .receiveEndpoint(queue, e -> e
                        .concurrency(4)
                        .filter((ctx, next) -> {
                            deliveries.incrementAndGet();
                            next.proceed(ctx);
                        })
                        .filter(outbox.inbox())
                        .consumer(OrderPlaced.class, ctx -> {
                            try (PreparedStatement ps = JdbcOutbox.connection(ctx).prepareStatement(
                                    "INSERT INTO kit_effects (order_id) VALUES (?)")) {
                                ps.setObject(1, ctx.message().orderId());
                                ps.executeUpdate();
                            }
                        }))
                .start();
    }

    /** Produces up to {@code n} orders, one transaction each; stops early when the thread is interrupted (killed). */
    void produce(int n) {
        for (int i = 0; i < n && !Thread.currentThread().isInterrupted(); i++) {
            UUID id = UUID.randomUUID();
            try {
                outbox.inTransaction(bus, (c, publisher) -> {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO kit_orders (id) VALUES (?)")) {
                        ps.setObject(1, id);
                        ps.executeUpdate();
                    }
                    publisher.send(Address.queue(queue), new OrderPlaced(id));
                });
            } catch (SQLException | RuntimeException e) {
                if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException) {
                    return; // killed
                }
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        bus.close();
    }
}
