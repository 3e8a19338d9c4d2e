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

    /**
     * Many small claims by four dispatchers: lanes change hands thousands of times, so a claim often
     * starts just before another dispatcher commits the deletion of rows in the lane it then locks.
     * A claim that read those rows from its snapshot would send them again (the one-statement claim
     * without row locks did, in every run). PostgreSQL's one-statement claim only: H2 takes minutes here.
     */
    @Test
    void fourDispatchersClaimingInSmallBatchesDeliverEachRowOnceAndInKeyOrder() throws Exception {
        competingDispatchersDeliverEachRowOnce(4, 5, 1);
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

    @Test
    void aStreamOfCommitsIsAnnouncedByAtMostOneNotifyEveryFiveMilliseconds() throws Exception {
        CommitNotifier notifier = new CommitNotifier(ds, "test", "origin-" + UUID.randomUUID());
        long start = System.nanoTime();
        long calls = 0;
        while (System.nanoTime() - start < 200_000_000L) { // commits as fast as one thread reports them, 200 ms
            notifier.committed();
            calls++;
        }
        AWAIT.until("the last commit announced", notifier::idle);
        double elapsedMs = (System.nanoTime() - start) / 1e6;
        // one NOTIFY per 5 ms at most (without the interval: one after another, about 1 ms each here)
        assertThat(notifier.sent()).isBetween(2L, (long) (elapsedMs / 5) + 1);
        assertThat(calls).isGreaterThan(notifier.sent() * 10);
    }

    @Test
    void theListenerWakesForOtherProcessesNotificationsAndNotForItsOwn() throws Exception {
        java.util.concurrent.atomic.AtomicInteger woken = new java.util.concurrent.atomic.AtomicInteger();
        String own = "own-" + UUID.randomUUID();
        PgNotifications listener = new PgNotifications(ds, "test", own, woken::incrementAndGet);
        listener.start();
        try {
            AWAIT.until("listening", listener::listening);
            int before = woken.get(); // the catch-up wake-up when the LISTEN is in place
            for (int i = 0; i < 3; i++) {
                notifyWith(own); // three commits of this process: its dispatcher was woken directly
            }
            AWAIT.until("the three own notifications received", () -> listener.ownReceived() == 3);
            assertThat(listener.wakes()).isZero();
            assertThat(woken.get()).isEqualTo(before);
            notifyWith("elsewhere-" + UUID.randomUUID()); // another process's commit
            AWAIT.until("woken by the other process's notification", () -> listener.wakes() == 1);
            assertThat(woken.get()).isEqualTo(before + 1);
        } finally {
            listener.stop();
        }
    }

    private void notifyWith(String payload) throws java.sql.SQLException {
        try (java.sql.Connection c = ds.getConnection(); java.sql.Statement s = c.createStatement()) {
            s.execute("NOTIFY " + OutboxRows.CHANNEL + ", '" + payload + "'");
        }
    }
}
