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
import dev.omnibus.outbox.kit.SwitchableTransport;
import dev.omnibus.testing.Await;
import dev.omnibus.spi.OutgoingMessage;
import dev.omnibus.testing.ForwardingTransport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outbox's guarantees, run against each database (see the subclasses). */
abstract class OutboxTests {
    record OrderPlaced(UUID orderId, int n) {
    }

    record Reminder(UUID orderId) {
    }

    static final Await AWAIT = Await.atMost(Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(10));

    Databases.Db db;
    DataSource ds;
    final List<AutoCloseable> closing = new ArrayList<>();

    abstract Databases.Db openDatabase();

    @BeforeEach
    void setUp() throws Exception {
        db = openDatabase();
        ds = db.dataSource();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE orders (id UUID PRIMARY KEY, n INT NOT NULL)");
            s.execute("CREATE TABLE effects (order_id UUID NOT NULL, n INT NOT NULL)");
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        db.close();
    }

    JdbcOutbox.Builder outbox() {
        return JdbcOutbox.builder(ds).pollInterval(Duration.ofMillis(50)).backoff(Duration.ofMillis(20), Duration.ofMillis(200));
    }

    JdbcOutbox migrated(JdbcOutbox.Builder b) throws SQLException {
        JdbcOutbox o = b.build();
        o.migrate();
        return o;
    }

    <T extends AutoCloseable> T closeLater(T c) {
        closing.add(c);
        return c;
    }

    static long pending(JdbcOutbox outbox) {
        try {
            return outbox.pending();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static void insertOrder(Connection c, UUID id, int n) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (id, n) VALUES (?, ?)")) {
            ps.setObject(1, id);
            ps.setInt(2, n);
            ps.executeUpdate();
        }
    }

    long count(String sql) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    @Test
    void theSchemaIsCheckedAtStartAndAppliedOnRequest() throws Exception {
        JdbcOutbox outbox = outbox().build();
        assertThatThrownBy(outbox::checkSchema).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("missing").hasMessageContaining("JdbcOutbox.migrate()");
        Bus bus = Bus.builder().transport(InMemoryTransport.create()).scheduler(outbox.scheduler()).build();
        assertThatThrownBy(bus::start).isInstanceOf(ConfigurationException.class).hasMessageContaining("migrate");
        assertThat(outbox.migrate()).isEqualTo(1);
        assertThat(outbox.migrate()).isZero();
        outbox.checkSchema();
    }

    @Test
    void everyBadSettingIsReportedAtOnce() {
        assertThatThrownBy(() -> JdbcOutbox.builder(ds).batchSize(0).lanesPerClaim(17).pollInterval(Duration.ZERO)
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).name(" ").build())
                .isInstanceOfSatisfying(ConfigurationException.class, e -> assertThat(e.problems()).hasSize(5)
                        .anyMatch(p -> p.contains("batchSize"))
                        .anyMatch(p -> p.contains("lanesPerClaim"))
                        .anyMatch(p -> p.contains("pollInterval"))
                        .anyMatch(p -> p.contains("backoff max"))
                        .anyMatch(p -> p.contains("name")));
    }

    @Test
    void inboxRowsOlderThanTheRetentionAreRemoved() throws Exception {
        JdbcOutbox outbox = migrated(outbox().inboxRetention(Duration.ofDays(1)));
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("INSERT INTO omnibus_inbox (message_id, consumer, received_at) VALUES (?, ?, ?)")) {
            for (Duration age : List.of(Duration.ofDays(2), Duration.ofHours(1))) {
                ps.setObject(1, UUID.randomUUID());
                ps.setString(2, "billing");
                ps.setLong(3, OutboxRows.micros(java.time.Instant.now().minus(age)));
                ps.executeUpdate();
            }
        }
        assertThat(outbox.cleanUp()).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM omnibus_inbox")).isEqualTo(1);
    }

    @Test
    void aRolledBackTransactionPublishesNothing() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        ConcurrentLinkedQueue<UUID> consumed = new ConcurrentLinkedQueue<>();
        Bus consumer = closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("orders", e -> e.consumer(OrderPlaced.class, ctx -> consumed.add(ctx.message().orderId())))
                .start());
        JdbcOutbox outbox = migrated(outbox());
        Bus bus = closeLater(Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(outbox.scheduler()).start());

        UUID doomed = UUID.randomUUID();
        assertThatThrownBy(() -> outbox.inTransaction(bus, (c, publisher) -> {
            insertOrder(c, doomed, 1);
            publisher.publish(new OrderPlaced(doomed, 1));
            throw new IllegalStateException("business rule says no");
        })).hasMessage("business rule says no");
        // a user-controlled connection rolled back by its owner
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            outbox.publisher(bus, c).publish(new OrderPlaced(doomed, 2));
            c.rollback();
        }
        UUID kept = UUID.randomUUID();
        outbox.inTransaction(bus, (c, publisher) -> {
            insertOrder(c, kept, 3);
            publisher.publish(new OrderPlaced(kept, 3));
        });
        AWAIT.until("the committed message consumed", () -> consumed.contains(kept));
        AWAIT.until("the outbox drained", () -> pending(outbox) == 0);
        AWAIT.until("the broker idle", broker::isIdle);
        assertThat(consumed).containsExactly(kept);
        assertThat(count("SELECT COUNT(*) FROM orders")).isEqualTo(1);
        assertThat(consumer).isNotNull();
    }

    @Test
    void anOutboxServesTheNextBusAfterThePreviousOneStoppedAndWarnsWhileNoneRelays() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        ConcurrentLinkedQueue<UUID> consumed = new ConcurrentLinkedQueue<>();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("orders", e -> e.consumer(OrderPlaced.class, ctx -> consumed.add(ctx.message().orderId())))
                .start());
        JdbcOutbox outbox = migrated(outbox());
        for (int i = 0; i < 2; i++) { // one bus per test, say: the same outbox, one bus after the other
            UUID id = UUID.randomUUID();
            try (Bus bus = Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(outbox.scheduler()).start()) {
                outbox.inTransaction(bus, (c, publisher) -> publisher.publish(new OrderPlaced(id, 1)));
                AWAIT.until("relayed by bus " + i, () -> consumed.contains(id));
            }
        }
        assertThat(outbox.warnedNoRelay()).as("a relay ran for every commit").isFalse();
        try (Bus noRelay = Bus.builder().transport(InMemoryTransport.connect(broker)).start()) {
            outbox.inTransaction(noRelay, (c, publisher) -> publisher.publish(new OrderPlaced(UUID.randomUUID(), 2)));
        }
        assertThat(outbox.warnedNoRelay()).as("rows committed with no relay in this process").isTrue();
        assertThat(pending(outbox)).isEqualTo(1);
    }

    @Test
    void aMessageTheDatabaseRefusesRollsBackTheBusinessWriteToo() throws Exception {
        JdbcOutbox outbox = migrated(outbox());
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create()).start()) {
            UUID id = UUID.randomUUID();
            assertThatThrownBy(() -> outbox.inTransaction(bus, (c, p) -> {
                insertOrder(c, id, 1);
                p.publish(new OrderPlaced(id, 1), SendOptions.defaults().withPartitionKey("k".repeat(5_000))); // over the column
            })).isInstanceOf(OutboxWriteException.class).hasMessageContaining("outbox failed");
        }
        assertThat(count("SELECT COUNT(*) FROM orders")).isZero();
        assertThat(outbox.pending()).isZero();
    }

    @Test
    void messagesCommittedWhileTheBrokerIsDownAreAllDeliveredWhenItReturns() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        Set<Integer> consumed = ConcurrentHashMap.newKeySet();
        AtomicInteger deliveries = new AtomicInteger();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("orders", e -> e.consumer(OrderPlaced.class, ctx -> {
                    deliveries.incrementAndGet();
                    consumed.add(ctx.message().n());
                }))
                .start());
        SwitchableTransport transport = new SwitchableTransport(InMemoryTransport.connect(broker));
        JdbcOutbox outbox = migrated(outbox());
        Bus bus = closeLater(Bus.builder().transport(transport).scheduler(outbox.scheduler()).start());

        transport.down(true);
        int n = 200;
        for (int i = 0; i < n; i++) {
            int k = i;
            outbox.inTransaction(bus, (c, p) -> {
                insertOrder(c, UUID.randomUUID(), k);
                p.publish(new OrderPlaced(UUID.randomUUID(), k));
            });
        }
        AWAIT.until("the dispatcher tried and was refused", () -> transport.refused() > 0);
        assertThat(consumed).isEmpty();
        assertThat(outbox.pending()).isEqualTo(n);

        transport.down(false);
        AWAIT.until("all " + n + " consumed", () -> consumed.size() == n);
        AWAIT.until("the outbox drained", () -> pending(outbox) == 0);
        AWAIT.until("the broker idle", broker::isIdle);
        assertThat(deliveries.get()).isEqualTo(n);
        assertThat(transport.accepted()).isEqualTo(n);
    }

    /** Records the size of each sendAll call; can refuse one entry of the first call and pass the others on. */
    static final class RecordingTransport extends ForwardingTransport {
        final List<Integer> sendAllSizes = new CopyOnWriteArrayList<>();
        volatile int refuseIndexOnce = -1;

        RecordingTransport(dev.omnibus.spi.Transport delegate) {
            super(delegate);
        }

        @Override
        public List<CompletableFuture<Void>> sendAll(Address destination, List<OutgoingMessage> messages) {
            sendAllSizes.add(messages.size());
            int refuse = refuseIndexOnce;
            refuseIndexOnce = -1;
            List<CompletableFuture<Void>> out = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                out.add(i == refuse ? CompletableFuture.failedFuture(new dev.omnibus.TransportException("refused once", null, true))
                        : delegate().send(destination, messages.get(i)));
            }
            return out;
        }
    }

    private JdbcOutbox writeKeyedBacklog(int n, String key) throws Exception {
        JdbcOutbox writer = migrated(outbox());
        try (Bus w = Bus.builder().transport(InMemoryTransport.create()).start()) {
            writer.inTransaction(w, (c, p) -> {
                for (int i = 0; i < n; i++) {
                    p.send(Address.queue("orders"), new OrderPlaced(UUID.randomUUID(), i), SendOptions.defaults().withPartitionKey(key));
                }
            });
        }
        return writer;
    }

    @Test
    void aKeysRowsGoToTheTransportBackToBackInOneCallAndArriveInOrder() throws Exception {
        int n = 50;
        writeKeyedBacklog(n, "customer-1");
        InMemoryBroker broker = InMemoryBroker.create();
        List<Integer> consumed = new CopyOnWriteArrayList<>();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("orders", e -> e.concurrency(1).consumer(OrderPlaced.class, ctx -> consumed.add(ctx.message().n())))
                .start());
        RecordingTransport transport = new RecordingTransport(InMemoryTransport.connect(broker));
        JdbcOutbox dispatching = outbox().build();
        closeLater(Bus.builder().transport(transport).scheduler(dispatching.scheduler()).start());
        AWAIT.until("all consumed", () -> consumed.size() == n);
        assertThat(transport.sendAllSizes).containsExactly(n);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        assertThat(consumed).containsExactlyElementsOf(expected);
    }

    @Test
    void rowsAfterAFailedOneOfTheirKeyAreNotMarkedDoneEvenIfTheTransportConfirmedThem() throws Exception {
        int n = 5;
        JdbcOutbox writer = writeKeyedBacklog(n, "customer-1");
        InMemoryBroker broker = InMemoryBroker.create();
        List<Integer> consumed = new CopyOnWriteArrayList<>();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("orders", e -> e.concurrency(1).consumer(OrderPlaced.class, ctx -> consumed.add(ctx.message().n())))
                .start());
        RecordingTransport transport = new RecordingTransport(InMemoryTransport.connect(broker));
        transport.refuseIndexOnce = 2; // 0, 1 confirmed; 2 refused; 3, 4 confirmed by the broker
        JdbcOutbox dispatching = outbox().build();
        closeLater(Bus.builder().transport(transport).scheduler(dispatching.scheduler()).start());
        AWAIT.until("the outbox drained", () -> pending(writer) == 0);
        AWAIT.until("the broker idle", broker::isIdle);
        // 3 and 4 stayed in the table behind 2 and went again with it: a duplicate each, never a loss
        assertThat(consumed).containsExactly(0, 1, 3, 4, 2, 3, 4);
        assertThat(transport.sendAllSizes).containsExactly(5, 3);
    }

    @Test
    void twoCompetingDispatchersDeliverEachOfTenThousandRowsOnce() throws Exception {
        competingDispatchersDeliverEachRowOnce(2, 100, 8);
    }

    void competingDispatchersDeliverEachRowOnce(int dispatchers, int batchSize, int lanesPerClaim) throws Exception {
        int n = 10_000;
        JdbcOutbox writer = migrated(outbox());
        // write the backlog first, through a bus whose scheduler is not the outbox (nothing dispatches yet)
        try (Bus w = Bus.builder().transport(InMemoryTransport.create()).start()) {
            int perTx = 100;
            for (int t = 0; t < n / perTx; t++) {
                int base = t * perTx;
                writer.inTransaction(w, (c, p) -> {
                    for (int i = 0; i < perTx; i++) {
                        p.publish(new OrderPlaced(UUID.randomUUID(), base + i),
                                SendOptions.defaults().withPartitionKey("k" + ((base + i) % 64)));
                    }
                });
            }
        }
        assertThat(writer.pending()).isEqualTo(n);

        InMemoryBroker broker = InMemoryBroker.create();
        Map<Integer, AtomicInteger> seen = new ConcurrentHashMap<>();
        Map<String, Integer> lastPerKey = new ConcurrentHashMap<>();
        AtomicInteger outOfOrder = new AtomicInteger();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("orders", e -> e.concurrency(8).prefetch(256).consumer(OrderPlaced.class, ctx -> {
                    seen.computeIfAbsent(ctx.message().n(), k -> new AtomicInteger()).incrementAndGet();
                    String key = "k" + (ctx.message().n() % 64);
                    Integer prev = lastPerKey.put(key, ctx.message().n());
                    if (prev != null && prev > ctx.message().n()) {
                        outOfOrder.incrementAndGet();
                    }
                }))
                .start());
        List<SwitchableTransport> transports = new ArrayList<>();
        for (int d = 0; d < dispatchers; d++) {
            SwitchableTransport t = new SwitchableTransport(InMemoryTransport.connect(broker));
            transports.add(t);
            closeLater(Bus.builder().name("dispatcher-" + d).transport(t)
                    .scheduler(outbox().name("d" + d).batchSize(batchSize).lanesPerClaim(lanesPerClaim).build().scheduler())
                    .start());
        }

        AWAIT.until("all rows consumed", () -> seen.size() == n);
        AWAIT.until("the outbox drained", () -> pending(writer) == 0);
        AWAIT.until("the broker idle", broker::isIdle);
        assertThat(seen.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1));
        assertThat(transports.stream().mapToInt(SwitchableTransport::accepted).sum()).isEqualTo(n);
        assertThat(outOfOrder.get()).as("messages of one partition key consumed out of order").isZero();
        System.out.printf("%s: the dispatchers sent %s%n", db.name(), transports.stream().map(t -> String.valueOf(t.accepted())).toList());
    }

    record Invoice(UUID orderId) {
    }

    /** A consumer endpoint behind the inbox that records one effect row per consumed order. */
    Bus consumerProcess(InMemoryBroker broker, JdbcOutbox outbox, boolean dispatch, AtomicInteger deliveries) {
        dev.omnibus.BusBuilder b = Bus.builder().name("consumer").transport(InMemoryTransport.connect(broker));
        if (dispatch) {
            b.scheduler(outbox.scheduler());
        }
        return closeLater(b
                .receiveEndpoint("billing", e -> {
                    e.concurrency(4)
                            .filter((ctx, next) -> {
                                deliveries.incrementAndGet();
                                next.proceed(ctx);
                            })
                            .filter(outbox.inbox())
                            .consumer(OrderPlaced.class, ctx -> {
                                try (PreparedStatement ps = JdbcOutbox.connection(ctx).prepareStatement(
                                        "INSERT INTO effects (order_id, n) VALUES (?, ?)")) {
                                    ps.setObject(1, ctx.message().orderId());
                                    ps.setInt(2, ctx.message().n());
                                    ps.executeUpdate();
                                }
                            });
                })
                .start());
    }

    @Test
    void aRedeliveredMessageHasItsEffectOnce() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        AtomicInteger deliveries = new AtomicInteger();
        JdbcOutbox outbox = migrated(outbox());
        Bus bus = consumerProcess(broker, outbox, true, deliveries);
        UUID messageId = UUID.randomUUID();
        UUID order = UUID.randomUUID();
        for (int i = 0; i < 5; i++) { // the same message five times, as a broker redelivering it would
            outbox.inTransaction(bus, (c, p) -> p.send(Address.queue("billing"), new OrderPlaced(order, 1),
                    SendOptions.defaults().withMessageId(messageId)));
        }
        AWAIT.until("five deliveries", () -> deliveries.get() == 5);
        AWAIT.until("the broker idle", broker::isIdle);
        assertThat(count("SELECT COUNT(*) FROM effects")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM omnibus_inbox")).isEqualTo(1);
    }

    @Test
    void whatAConsumerPublishesCommitsWithItsEffectOrNotAtAll() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        AtomicInteger deliveries = new AtomicInteger();
        AtomicInteger attempts = new AtomicInteger();
        ConcurrentLinkedQueue<UUID> invoices = new ConcurrentLinkedQueue<>();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("ledger", e -> e.consumer(Invoice.class, ctx -> invoices.add(ctx.message().orderId())))
                .start());
        JdbcOutbox outbox = migrated(outbox());
        Bus bus = closeLater(Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(outbox.scheduler())
                .receiveEndpoint("billing", e -> e
                        .retry(dev.omnibus.Retry.immediate(2))
                        .filter((ctx, next) -> {
                            deliveries.incrementAndGet();
                            next.proceed(ctx);
                        })
                        .filter(outbox.inbox())
                        .consumer(OrderPlaced.class, ctx -> {
                            try (PreparedStatement ps = JdbcOutbox.connection(ctx).prepareStatement(
                                    "INSERT INTO effects (order_id, n) VALUES (?, ?)")) {
                                ps.setObject(1, ctx.message().orderId());
                                ps.setInt(2, ctx.message().n());
                                ps.executeUpdate();
                            }
                            ctx.publish(new Invoice(ctx.message().orderId()));
                            if (attempts.incrementAndGet() == 1) {
                                throw new IllegalStateException("first attempt fails after publishing");
                            }
                        }))
                .start());
        UUID order = UUID.randomUUID();
        outbox.inTransaction(bus, (c, p) -> p.send(Address.queue("billing"), new OrderPlaced(order, 7)));
        AWAIT.until("the invoice consumed", () -> invoices.contains(order));
        AWAIT.until("the outbox drained", () -> pending(outbox) == 0);
        AWAIT.until("the broker idle", broker::isIdle);
        assertThat(attempts.get()).isEqualTo(2);
        assertThat(invoices).containsExactly(order);
        assertThat(count("SELECT COUNT(*) FROM effects")).isEqualTo(1);
    }

    @Test
    void aCrashBetweenSendAndMarkResendsTheBatchAndTheInboxKeepsOneEffectPerMessage() throws Exception {
        int n = 50;
        InMemoryBroker broker = InMemoryBroker.create();
        AtomicInteger deliveries = new AtomicInteger();
        JdbcOutbox consumerOutbox = migrated(outbox().name("consumer"));
        consumerProcess(broker, consumerOutbox, false, deliveries); // consumes, dispatches nothing
        try (Bus w = Bus.builder().transport(InMemoryTransport.create()).start()) {
            for (int i = 0; i < n; i++) {
                int k = i;
                consumerOutbox.inTransaction(w, (c, p) -> {
                    insertOrder(c, UUID.randomUUID(), k);
                    p.send(Address.queue("billing"), new OrderPlaced(UUID.randomUUID(), k));
                });
            }
        }
        // one pass over all 16 lanes claims the 50 rows in one batch
        dev.omnibus.outbox.kit.CrashAt crash = new dev.omnibus.outbox.kit.CrashAt(ProtocolStep.MARK_DELIVERED);
        Bus crashing = Bus.builder().name("dispatcher-1").transport(InMemoryTransport.connect(broker))
                .scheduler(outbox().name("dispatcher-1").stepListener(crash).lanesPerClaim(16).stopTimeout(Duration.ofMillis(100))
                        .build().scheduler())
                .start();
        AWAIT.until("the first dispatcher sent a batch and froze before marking it", crash::crashed);
        AWAIT.until("the first copies consumed", () -> count("SELECT COUNT(DISTINCT order_id) FROM effects") == n);
        crashing.close(); // killed: its transaction rolls back, every row stays
        assertThat(pending(consumerOutbox)).as("rows still there after the crash").isEqualTo(n);
        closeLater(Bus.builder().name("dispatcher-2").transport(InMemoryTransport.connect(broker))
                .scheduler(outbox().name("dispatcher-2").build().scheduler()).start());

        AWAIT.until("every order has its effect", () -> count("SELECT COUNT(DISTINCT order_id) FROM effects") == n);
        AWAIT.until("the outbox drained", () -> pending(consumerOutbox) == 0);
        AWAIT.until("the broker idle", broker::isIdle);
        assertThat(deliveries.get()).as("deliveries, counting the re-sent batch").isGreaterThan(n);
        assertThat(count("SELECT COUNT(*) FROM effects")).isEqualTo(n);
    }

    @Test
    void aScheduledMessageFiresAtItsDueTimeAndACancelledOneNever() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        Map<UUID, Long> consumedAt = new ConcurrentHashMap<>();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("reminders", e -> e.consumer(Reminder.class,
                        ctx -> consumedAt.put(ctx.message().orderId(), System.nanoTime())))
                .start());
        JdbcOutbox outbox = migrated(outbox().pollInterval(Duration.ofSeconds(5))); // the due-time timer, not polling, fires it
        Bus bus = closeLater(Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(outbox.scheduler()).start());
        Duration delay = Duration.ofMillis(700);
        UUID fired = UUID.randomUUID();
        UUID cancelled = UUID.randomUUID();
        long start = System.nanoTime();
        bus.send(Address.queue("reminders"), new Reminder(fired), SendOptions.defaults().withDelay(delay)).join();
        UUID[] token = new UUID[1];
        outbox.inTransaction(bus, (c, p) -> token[0] = p.send(Address.queue("reminders"), new Reminder(cancelled),
                SendOptions.defaults().withDelay(delay)));
        assertThat(outbox.pending()).isEqualTo(2);
        assertThat(outbox.cancel(token[0])).isTrue();
        assertThat(outbox.cancel(token[0])).isFalse();

        AWAIT.until("the scheduled message consumed", () -> consumedAt.containsKey(fired));
        assertThat(Duration.ofNanos(consumedAt.get(fired) - start)).isGreaterThanOrEqualTo(delay);
        AWAIT.until("the outbox drained", () -> pending(outbox) == 0);
        AWAIT.until("the broker idle", broker::isIdle);
        assertThat(consumedAt).containsOnlyKeys(fired);
    }

    @Test
    void aConsumerWithdrawsScheduledSendsInItsTransactionAndLater() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        ConcurrentLinkedQueue<UUID> reminded = new ConcurrentLinkedQueue<>();
        Map<String, Boolean> cancelled = new ConcurrentHashMap<>();
        UUID sameTx = UUID.randomUUID();
        UUID later = UUID.randomUUID();
        UUID kept = UUID.randomUUID();
        Duration delay = Duration.ofMillis(400);
        JdbcOutbox outbox = migrated(outbox());
        Bus bus = closeLater(Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(outbox.scheduler())
                .receiveEndpoint("reminders", e -> e.consumer(Reminder.class, ctx -> reminded.add(ctx.message().orderId())))
                .receiveEndpoint("billing", e -> e
                        .filter(outbox.inbox())
                        .consumer(OrderPlaced.class, ctx -> {
                            Address to = Address.queue("reminders");
                            if (ctx.message().n() == 1) {
                                ctx.send(to, new Reminder(later), SendOptions.defaults().withDelay(delay).withMessageId(later));
                                ctx.send(to, new Reminder(kept), SendOptions.defaults().withDelay(delay));
                                ctx.send(to, new Reminder(sameTx), SendOptions.defaults().withDelay(delay).withMessageId(sameTx));
                                cancelled.put("same transaction", ctx.cancelScheduledSend(sameTx));
                            } else {
                                cancelled.put("later", ctx.cancelScheduledSend(later));
                                cancelled.put("unknown", ctx.cancelScheduledSend(UUID.randomUUID()));
                            }
                        }))
                .start());
        outbox.inTransaction(bus, (c, p) -> p.send(Address.queue("billing"), new OrderPlaced(UUID.randomUUID(), 1)));
        AWAIT.until("the first consumer committed", () -> cancelled.containsKey("same transaction") && pending(outbox) == 2);
        outbox.inTransaction(bus, (c, p) -> p.send(Address.queue("billing"), new OrderPlaced(UUID.randomUUID(), 2)));
        AWAIT.until("the kept reminder consumed (the others were due at the same time)", () -> reminded.contains(kept));
        AWAIT.until("the outbox drained", () -> pending(outbox) == 0);
        AWAIT.until("the broker idle", broker::isIdle);
        assertThat(cancelled).containsEntry("same transaction", true).containsEntry("later", true).containsEntry("unknown", false);
        assertThat(reminded).containsExactly(kept);
    }

    @Test
    void scheduledMessagesSurviveARestart() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        ConcurrentLinkedQueue<UUID> consumed = new ConcurrentLinkedQueue<>();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("reminders", e -> e.consumer(Reminder.class, ctx -> consumed.add(ctx.message().orderId())))
                .start());
        JdbcOutbox first = migrated(outbox());
        UUID id = UUID.randomUUID();
        try (Bus bus = Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(first.scheduler()).start()) {
            bus.send(Address.queue("reminders"), new Reminder(id), SendOptions.defaults().withDelay(Duration.ofMillis(800))).join();
        }
        assertThat(first.pending()).as("kept, not sent early, when the bus stops").isEqualTo(1);
        assertThat(consumed).isEmpty();
        JdbcOutbox second = outbox().build();
        closeLater(Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(second.scheduler()).start());
        AWAIT.until("the scheduled message consumed after the restart", () -> consumed.contains(id));
        assertThat(consumed).containsExactly(id);
    }

    @Test
    void delayedRedeliveryGoesThroughTheDurableScheduler() throws Exception {
        InMemoryBroker broker = InMemoryBroker.create();
        AtomicInteger attempts = new AtomicInteger();
        ConcurrentLinkedQueue<Integer> redeliveryCounts = new ConcurrentLinkedQueue<>();
        JdbcOutbox outbox = migrated(outbox());
        Bus bus = closeLater(Bus.builder().transport(InMemoryTransport.connect(broker)).scheduler(outbox.scheduler())
                .receiveEndpoint("billing", e -> e
                        .redelivery(dev.omnibus.Retry.intervals(Duration.ofMillis(300)))
                        .consumer(OrderPlaced.class, ctx -> {
                            redeliveryCounts.add(ctx.redeliveryCount());
                            if (attempts.incrementAndGet() == 1) {
                                throw new IllegalStateException("not yet");
                            }
                        }))
                .start());
        bus.send(Address.queue("billing"), new OrderPlaced(UUID.randomUUID(), 1)).join();
        AWAIT.until("consumed on the redelivery", () -> attempts.get() == 2);
        AWAIT.until("the outbox drained", () -> pending(outbox) == 0);
        assertThat(redeliveryCounts).containsExactly(0, 1);
    }
}
