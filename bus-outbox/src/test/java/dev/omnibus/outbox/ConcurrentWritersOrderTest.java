package dev.omnibus.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.omnibus.Address;
import dev.omnibus.Bus;
import dev.omnibus.MessagePublisher;
import dev.omnibus.SendOptions;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.testing.Await;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Order per key with concurrent writers: a transaction that took a key's earlier seq and commits
 * after one that took a later seq of the same key must still be relayed first. Without a rule the
 * relay sent the visible later row, then the earlier one when it committed.
 */
class ConcurrentWritersOrderTest {
    record Step(String key, UUID id) {
    }

    static final Await AWAIT = Await.atMost(Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(5));
    static final String QUEUE = "ordered";

    abstract static class Base {
        abstract Databases.Db openDatabase();

        /** A connection outside the pool (tests hold many open at once). */
        Connection raw(DataSource ds) throws SQLException {
            return ds instanceof HikariDataSource h ? DriverManager.getConnection(h.getJdbcUrl()) : ds.getConnection();
        }

        static long seqOf(Connection c, UUID id) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq FROM omnibus_outbox WHERE message_id = ?")) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }

        /**
         * Writer threads commit transactions of one or two messages on random keys, each holding its
         * transaction open a random 0-3 ms after writing (a delayed commit), some rolling back. At the
         * consumer, every committed message arrives once, none of a rolled-back one, and each key's
         * messages arrive in the order of their seqs.
         */
        @Test
        void concurrentWritersWithDelayedCommitsKeepEachKeysSeqOrderAtTheConsumer() throws Exception {
            int writers = 6;
            int perWriter = 150;
            int keys = 24;
            try (Databases.Db db = openDatabase()) {
                DataSource ds = db.dataSource();
                JdbcOutbox outbox = JdbcOutbox.builder(ds).pollInterval(Duration.ofMillis(50)).build();
                outbox.migrate();
                InMemoryBroker broker = InMemoryBroker.create();
                Map<UUID, Long> seqs = new ConcurrentHashMap<>(); // committed messages and their seqs
                Map<String, List<UUID>> consumed = new ConcurrentHashMap<>();
                AtomicInteger deliveries = new AtomicInteger();
                ExecutorService pool = Executors.newFixedThreadPool(writers);
                try (Bus bus = Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(outbox.scheduler())
                        .receiveEndpoint(QUEUE, e -> e.concurrency(1).consumer(Step.class, ctx -> {
                            deliveries.incrementAndGet();
                            consumed.computeIfAbsent(ctx.message().key(), k -> new CopyOnWriteArrayList<>()).add(ctx.message().id());
                        }))
                        .start()) {
                    List<Future<?>> running = new ArrayList<>();
                    for (int w = 0; w < writers; w++) {
                        running.add(pool.submit(() -> {
                            try (Connection c = raw(ds)) {
                                c.setAutoCommit(false);
                                MessagePublisher publisher = outbox.publisher(bus, c);
                                ThreadLocalRandom random = ThreadLocalRandom.current();
                                for (int i = 0; i < perWriter; i++) {
                                    Map<UUID, Long> mine = new java.util.HashMap<>();
                                    for (int m = 0, n = 1 + random.nextInt(2); m < n; m++) {
                                        String key = "k" + random.nextInt(keys);
                                        UUID id = UUID.randomUUID();
                                        UUID messageId = publisher.send(Address.queue(QUEUE), new Step(key, id),
                                                SendOptions.defaults().withPartitionKey(key));
                                        mine.put(id, seqOf(c, messageId));
                                    }
                                    LockSupport.parkNanos(random.nextLong(TimeUnit.MILLISECONDS.toNanos(3))); // the delayed commit
                                    if (random.nextInt(10) == 0) {
                                        c.rollback();
                                    } else {
                                        c.commit();
                                        seqs.putAll(mine);
                                    }
                                }
                            }
                            return null;
                        }));
                    }
                    for (Future<?> f : running) {
                        f.get(120, TimeUnit.SECONDS);
                    }
                    AWAIT.until("every committed message consumed", () -> deliveries.get() >= seqs.size());
                    AWAIT.until("the outbox drained", () -> pending(outbox) == 0);
                    AWAIT.until("the broker idle", broker::isIdle);
                } finally {
                    pool.shutdownNow();
                }
                int inversions = 0;
                for (Map.Entry<String, List<UUID>> e : consumed.entrySet()) {
                    long last = -1;
                    for (UUID id : e.getValue()) {
                        assertThat(seqs).as("a consumed message was committed").containsKey(id);
                        long seq = seqs.get(id);
                        if (seq < last) {
                            inversions++;
                        }
                        last = seq;
                    }
                }
                System.out.printf("%s: %d committed, %d deliveries, %d keys, %d inversions%n", db.name(), seqs.size(),
                        deliveries.get(), consumed.size(), inversions);
                assertThat(deliveries.get()).as("deliveries (each committed message once)").isEqualTo(seqs.size());
                assertThat(inversions).as("messages consumed before an earlier seq of their key").isZero();
            }
        }
    }

    static long pending(JdbcOutbox outbox) {
        try {
            return outbox.pending();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Nested
    class OnPostgres extends Base {
        @Override
        Databases.Db openDatabase() {
            return Databases.postgres();
        }

        /**
         * For each of 16 keys: T1 writes the key's first row and stays open; T2 writes its second row
         * and commits. The relay must send neither until T1 commits. On half the keys T2 wrote
         * something else before T1 began, so T2's transaction id is the older one: a rule of
         * "relay rows whose transaction id is below the oldest running one" would let its row pass.
         */
        @Test
        void aRowWaitsWhileAnEarlierRowOfItsKeyMayStillCommitWhateverTheTransactionIds() throws Exception {
            int keys = 16;
            try (Databases.Db db = openDatabase()) {
                DataSource ds = db.dataSource();
                try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE side_effects (id INT)");
                }
                JdbcOutbox outbox = JdbcOutbox.builder(ds).pollInterval(Duration.ofMillis(20)).build();
                outbox.migrate();
                InMemoryBroker broker = InMemoryBroker.create();
                Map<String, List<Integer>> consumed = new ConcurrentHashMap<>();
                AtomicInteger deliveries = new AtomicInteger();
                List<Connection> open = new ArrayList<>();
                try (Bus bus = Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(outbox.scheduler())
                        .receiveEndpoint(QUEUE, e -> e.concurrency(1).consumer(Step.class, ctx -> {
                            deliveries.incrementAndGet();
                            consumed.computeIfAbsent(ctx.message().key(), k -> new CopyOnWriteArrayList<>())
                                    .add(ctx.message().id().equals(FIRST) ? 1 : 2);
                        }))
                        .start()) {
                    List<Connection> firsts = new ArrayList<>();
                    List<Connection> seconds = new ArrayList<>();
                    for (int k = 0; k < keys; k++) {
                        Connection t2 = raw(ds);
                        t2.setAutoCommit(false);
                        if (k % 2 == 0) { // T2 takes its transaction id first
                            try (Statement s = t2.createStatement()) {
                                s.execute("INSERT INTO side_effects VALUES (" + k + ")");
                            }
                        }
                        Connection t1 = raw(ds);
                        t1.setAutoCommit(false);
                        open.add(t1);
                        open.add(t2);
                        outbox.publisher(bus, t1).send(Address.queue(QUEUE), new Step("k" + k, FIRST),
                                SendOptions.defaults().withPartitionKey("k" + k));
                        firsts.add(t1);
                        seconds.add(t2);
                    }
                    for (int k = 0; k < keys; k++) {
                        outbox.publisher(bus, seconds.get(k)).send(Address.queue(QUEUE), new Step("k" + k, SECOND),
                                SendOptions.defaults().withPartitionKey("k" + k));
                        seconds.get(k).commit();
                    }
                    OutboxDispatcher relay = (OutboxDispatcher) outbox.scheduler();
                    long passes = relay.passes();
                    AWAIT.until("the relay looked five times since the second rows committed", () -> relay.passes() >= passes + 5);
                    assertThat(deliveries.get()).as("rows relayed while the first row of each key is uncommitted").isZero();
                    for (Connection t1 : firsts) {
                        t1.commit();
                    }
                    AWAIT.until("both rows of every key consumed", () -> deliveries.get() >= 2 * keys);
                    AWAIT.until("the broker idle", broker::isIdle);
                } finally {
                    for (Connection c : open) {
                        c.close();
                    }
                }
                assertThat(deliveries.get()).isEqualTo(2 * keys);
                assertThat(consumed).hasSize(keys);
                consumed.forEach((key, order) -> assertThat(order).as("key %s", key).containsExactly(1, 2));
            }
        }
    }

    static final UUID FIRST = new UUID(0, 1);
    static final UUID SECOND = new UUID(0, 2);

    @Nested
    class OnH2 extends Base {
        @Override
        Databases.Db openDatabase() {
            return Databases.h2();
        }
    }
}
