package dev.omnibus.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Bus;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.saga.Event;
import dev.omnibus.saga.SagaEndpoint;
import dev.omnibus.saga.SagaRecord;
import dev.omnibus.saga.State;
import dev.omnibus.saga.StateMachine;
import dev.omnibus.saga.jdbc.ConnectionProvider;
import dev.omnibus.saga.jdbc.JdbcSagaRepository;
import dev.omnibus.saga.model.Check;
import dev.omnibus.spi.Filter;
import dev.omnibus.testing.Await;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A saga behind {@code outbox.inbox()} on PostgreSQL, its {@link JdbcSagaRepository} on
 * {@link ConnectionProvider#joiningDelivery}: the instance's change, the messages the saga produced
 * and the inbox row commit in one transaction, or none of them does.
 *
 * <p>The saga counts {@code Added} events and announces each count ({@code Counted}); it is not
 * idempotent on purpose, so an event applied twice shows as a count of 2 and a second
 * {@code Counted}. These tests live in bus-outbox (with bus-saga as a test dependency) because its
 * PostgreSQL fixture and protocol-step hooks are here; bus-saga's main code never sees bus-outbox.
 */
class SagaInboxTransactionTest {
    private static final Await AWAIT = Await.atMost(Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(10));

    record Added(UUID counterId) {
    }

    record Counted(UUID counterId, int count) {
    }

    static final class Counter {
        int count;
    }

    static final class CounterSaga extends StateMachine<Counter> {
        final State counting = state("Counting");
        final Event<Added> added = event(Added.class, Added::counterId);

        CounterSaga() {
            super(Counter.class);
            initially(when(added)
                    .then(ctx -> ctx.instance().count++)
                    .publish(ctx -> new Counted(ctx.id(), ctx.instance().count))
                    .transitionTo(counting));
            during(counting, when(added)
                    .then(ctx -> ctx.instance().count++)
                    .publish(ctx -> new Counted(ctx.id(), ctx.instance().count)));
            silence(Check.WAITING_WITHOUT_TIMEOUT, counting, null);
            silence(Check.NO_PATH_TO_FINAL, null, null);
        }
    }

    private final CounterSaga saga = new CounterSaga();
    private final ConcurrentLinkedQueue<Counted> counted = new ConcurrentLinkedQueue<>();
    /** Message ids whose next run of the saga fails right after it (inside the inbox transaction). */
    private final Set<UUID> failAfterSaga = ConcurrentHashMap.newKeySet();
    /** Per message id: how many times the saga ran (inside the inbox). */
    private final Map<UUID, AtomicInteger> sagaRuns = new ConcurrentHashMap<>();
    /** Per message id: how many deliveries completed without failure (outside the inbox). */
    private final Map<UUID, AtomicInteger> completed = new ConcurrentHashMap<>();
    /** Per message id: the saga row version the failing attempt saw inside its own transaction. */
    private final Map<UUID, Long> versionSeenInTransaction = new ConcurrentHashMap<>();
    private final AtomicBoolean crashAtNextAck = new AtomicBoolean();

    private Databases.Db db;
    private DataSource ds;
    private JdbcOutbox outbox;
    private JdbcSagaRepository counters;
    private Bus bus;

    @BeforeEach
    void setUp() throws SQLException {
        db = Databases.postgres();
        ds = db.dataSource();
        outbox = JdbcOutbox.builder(ds)
                .pollInterval(Duration.ofMillis(50))
                .stepListener(step -> {
                    if (step == ProtocolStep.ACK && crashAtNextAck.compareAndSet(true, false)) {
                        throw new IllegalStateException("crash: the inbox transaction committed, the delivery is not acknowledged");
                    }
                })
                .build();
        outbox.migrate();
        counters = JdbcSagaRepository.builder(ConnectionProvider.joiningDelivery(ds), saga.name()).build();
        counters.createSchema();
        Filter observe = (ctx, next) -> {
            next.proceed(ctx);
            completed.computeIfAbsent(ctx.messageId(), k -> new AtomicInteger()).incrementAndGet();
        };
        Filter consumerFailure = (ctx, next) -> {
            next.proceed(ctx);
            sagaRuns.computeIfAbsent(ctx.messageId(), k -> new AtomicInteger()).incrementAndGet();
            if (failAfterSaga.remove(ctx.messageId())) {
                versionSeenInTransaction.put(ctx.messageId(), versionIn(ctx));
                throw new IllegalStateException("the consumer fails after the saga saved its instance");
            }
        };
        bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .scheduler(outbox.scheduler())
                .receiveEndpoint("counter-saga", e -> SagaEndpoint.configure(
                        e.retry(Retry.immediate(1)).filter(observe).filter(outbox.inbox()).filter(consumerFailure), saga, counters))
                .receiveEndpoint("counted", e -> e.consumer(Counted.class, ctx -> counted.add(ctx.message())))
                .start();
    }

    @AfterEach
    void tearDown() {
        if (bus != null) {
            bus.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void aConsumerFailureAfterTheSagasSaveRollsBackStateMessagesAndInboxRowAndTheRetryAppliesThemOnce() {
        UUID id = UUID.randomUUID();
        UUID messageId = UUID.randomUUID();
        failAfterSaga.add(messageId);

        bus.publish(new Added(id), SendOptions.defaults().withMessageId(messageId)).join();

        AWAIT.until("the delivery completed after its retry", () -> completedCount(messageId) == 1);
        assertThat(sagaRuns.get(messageId).get()).as("the saga ran in the failed attempt and in the retry").isEqualTo(2);
        assertThat(versionSeenInTransaction.get(messageId))
                .as("the failed attempt had saved the instance (version 1) in its transaction").isEqualTo(1L);
        // rolled back: the retry inserted the instance afresh (version 1, count 1), not on top of it
        assertCounter(id, 1, 1);
        assertThat(inboxRows(messageId)).isEqualTo(1);
        assertCountedExactly(id, 1);
    }

    @Test
    void aRedeliveredEventWhoseInboxRowExistsIsAcknowledgedWithoutTouchingTheSaga() {
        UUID id = UUID.randomUUID();
        UUID messageId = UUID.randomUUID();
        bus.publish(new Added(id), SendOptions.defaults().withMessageId(messageId)).join();
        AWAIT.until("the first delivery completed", () -> completedCount(messageId) == 1);

        // the broker delivers the same message again (same message id), e.g. after a lost ack
        bus.publish(new Added(id), SendOptions.defaults().withMessageId(messageId)).join();

        AWAIT.until("the redelivery acknowledged", () -> completedCount(messageId) == 2);
        assertThat(sagaRuns.get(messageId).get()).as("the saga did not run for the redelivery").isEqualTo(1);
        assertCounter(id, 1, 1);
        assertThat(inboxRows(messageId)).isEqualTo(1);
        assertCountedExactly(id, 1);
    }

    @Test
    void aCrashAfterTheCommitBeforeTheAckChangesNothingWhenTheEventComesAgain() {
        UUID id = UUID.randomUUID();
        UUID messageId = UUID.randomUUID();
        crashAtNextAck.set(true);

        bus.publish(new Added(id), SendOptions.defaults().withMessageId(messageId)).join();

        // the first attempt commits and then fails before the ack; the retry is the redelivery
        AWAIT.until("the redelivery acknowledged", () -> completedCount(messageId) == 1);
        assertThat(crashAtNextAck).as("the crash point was reached").isFalse();
        assertThat(sagaRuns.get(messageId).get()).as("the saga ran once").isEqualTo(1);
        assertCounter(id, 1, 1);
        assertThat(inboxRows(messageId)).isEqualTo(1);
        assertCountedExactly(id, 1);
    }

    @Test
    void concurrentEventsForOneInstanceAreEachAppliedAndAnnouncedOnce() throws Exception {
        bus.close(); // this test's endpoint runs four deliveries at a time (an outbox runs with one bus)
        JdbcOutbox parallel = JdbcOutbox.builder(ds).pollInterval(Duration.ofMillis(50)).build();
        bus = Bus.builder()
                .transport(InMemoryTransport.create())
                .scheduler(parallel.scheduler())
                .receiveEndpoint("counter-saga", e -> SagaEndpoint.configure(
                        e.concurrency(4).retry(Retry.immediate(3)).filter(parallel.inbox()), saga, counters))
                .receiveEndpoint("counted", e -> e.consumer(Counted.class, ctx -> counted.add(ctx.message())))
                .start();
        List<UUID> ids = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        int events = 20;
        for (int i = 0; i < events; i++) {
            for (UUID id : ids) {
                bus.publish(new Added(id)).join(); // no correlation id: the endpoint runs them in parallel
            }
        }
        AWAIT.until("every event announced", () -> counted.size() >= ids.size() * events);
        for (UUID id : ids) {
            assertCounter(id, events, events);
            List<Integer> counts = counted.stream().filter(c -> c.counterId().equals(id)).map(Counted::count).sorted().toList();
            assertThat(counts).as("counts of %s", id).isEqualTo(java.util.stream.IntStream.rangeClosed(1, events).boxed().toList());
        }
    }

    private int completedCount(UUID messageId) {
        AtomicInteger n = completed.get(messageId);
        return n == null ? 0 : n.get();
    }

    private void assertCounter(UUID id, long version, int count) {
        SagaRecord r = counters.find(id).orElseThrow(() -> new AssertionError("no instance " + id));
        assertThat(r.version()).as("instance version (saves)").isEqualTo(version);
        assertThat(r.state()).isEqualTo("Counting");
        assertThat(r.json().replace(" ", "")).contains("\"count\":" + count);
    }

    /**
     * The saga announced the counts 1..{@code upTo} once each: a further event (a new message id)
     * must be announced as {@code upTo + 1} right after them, because the outbox keeps the order of
     * one correlation id, so a duplicate announcement would already have arrived.
     */
    private void assertCountedExactly(UUID id, int upTo) {
        bus.publish(new Added(id)).join();
        AWAIT.until("the next count announced", () -> counted.contains(new Counted(id, upTo + 1)));
        List<Integer> counts = counted.stream().filter(c -> c.counterId().equals(id)).map(Counted::count).toList();
        List<Integer> expected = new java.util.ArrayList<>();
        for (int i = 1; i <= upTo + 1; i++) {
            expected.add(i);
        }
        assertThat(counts).as("each count announced once, in order").isEqualTo(expected);
    }

    private long inboxRows(UUID messageId) {
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM omnibus_inbox WHERE message_id = ?")) {
            ps.setObject(1, messageId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The instance's version as the delivery's own transaction sees it (-1: no row). */
    private static long versionIn(ConsumeContext<?> ctx) throws SQLException {
        Connection c = ctx.attribute(Connection.class).orElseThrow(() -> new AssertionError("no inbox transaction"));
        Added added = (Added) ctx.message();
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM omnibus_saga WHERE correlation_id = ?")) {
            ps.setObject(1, added.counterId());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        }
    }
}
