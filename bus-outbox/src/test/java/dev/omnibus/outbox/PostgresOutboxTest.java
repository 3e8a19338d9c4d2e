package dev.omnibus.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.outbox.kit.Databases;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The outbox on the PostgreSQL server (a schema of its own per test). */
class PostgresOutboxTest extends OutboxTests {
    @Override
    Databases.Db openDatabase() {
        return Databases.postgres();
    }

    @Test
    void aCommitInAnotherProcessWakesTheDispatcherThroughNotify() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        ConcurrentLinkedQueue<UUID> consumed = new ConcurrentLinkedQueue<>();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("orders", e -> e.consumer(OrderPlaced.class, ctx -> consumed.add(ctx.message().orderId())))
                .start());
        // the dispatcher would poll once an hour: only the notification can wake it
        JdbcOutbox dispatching = migrated(outbox().pollInterval(Duration.ofHours(1)));
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(dispatching.scheduler()).start());
        OutboxDispatcher dispatcher = (OutboxDispatcher) dispatching.scheduler();
        AWAIT.until("the dispatcher listening and idle", dispatcher::idleAndListening);
        // another process writes (its outbox has no running dispatcher, so no in-process wake-up)
        JdbcOutbox writer = outbox().build();
        UUID id = UUID.randomUUID();
        try (Bus w = Bus.builder().transport(InMemoryTransport.create()).start()) {
            writer.inTransaction(w, (c, p) -> p.send(Address.queue("orders"), new OrderPlaced(id, 1)));
        }
        AWAIT.until("the message consumed", () -> consumed.contains(id));
        assertThat(consumed).containsExactly(id);
    }

    @Test
    void aBurstOfCommitsWakesAnotherProcessWithFewerNotifiesThanCommits() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        ConcurrentLinkedQueue<UUID> consumed = new ConcurrentLinkedQueue<>();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("orders", e -> e.consumer(OrderPlaced.class, ctx -> consumed.add(ctx.message().orderId())))
                .start());
        // only notifications wake this dispatcher: the last commit of the burst must be announced too
        JdbcOutbox dispatching = migrated(outbox().pollInterval(Duration.ofHours(1)));
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(dispatching.scheduler()).start());
        OutboxDispatcher dispatcher = (OutboxDispatcher) dispatching.scheduler();
        AWAIT.until("the dispatcher listening and idle", dispatcher::idleAndListening);
        JdbcOutbox writer = outbox().build();
        int threads = 8;
        int perThread = 25;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Bus w = Bus.builder().transport(InMemoryTransport.create()).start()) {
            java.util.List<Future<?>> fs = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        writer.inTransaction(w, (c, p) -> p.send(Address.queue("orders"), new OrderPlaced(UUID.randomUUID(), 1)));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        AWAIT.until("every message consumed", () -> consumed.size() == threads * perThread);
        assertThat(writer.notifier().sent()).isBetween(1L, (long) threads * perThread - 1);
    }
}
