package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Bus;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.saga.jdbc.JdbcSagaRepository;
import dev.omnibus.saga.spi.SagaRepository;
import dev.omnibus.testing.Await;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Two buses (two "processes" on one broker), four consumer threads each, competing for one saga
 * queue backed by one PostgreSQL table: 100 instances, 1,000 interleaved events published without a
 * correlation id (so the bus cannot order them). Every instance must end Settled with each of its
 * ten entries applied exactly once, and announce it exactly once.
 */
class PostgresSagaConcurrencyTest {
    static final int ACCOUNTS = 100;
    static final int ENTRIES = 10;

    record Entry(UUID accountId, int seq, int amount) {
    }

    record AccountSettled(UUID accountId, int balance) {
    }

    static final class Ledger {
        List<Integer> applied = new ArrayList<>();
        int balance;
    }

    static final class LedgerSaga extends StateMachine<Ledger> {
        final State open = state("Open");
        final State settled = state("Settled");
        final Event<Entry> entry = event(Entry.class, Entry::accountId);

        LedgerSaga() {
            super(Ledger.class);
            initially(when(entry).then(LedgerSaga::apply).transitionTo(open));
            during(open, when(entry).then(LedgerSaga::apply)
                    .ifThen(ctx -> ctx.instance().applied.size() == ENTRIES, b -> b
                            .publish(ctx -> new AccountSettled(ctx.id(), ctx.instance().balance))
                            .transitionTo(settled)));
            during(settled, when(entry).then(LedgerSaga::apply)); // would show up as an 11th entry
        }

        private static void apply(BehaviorContext<Ledger, Entry> ctx) {
            ctx.instance().applied.add(ctx.message().seq());
            ctx.instance().balance += ctx.message().amount();
        }
    }

    @Test
    void everyInstanceEndsInTheStateItsEventsImplyAndNoEffectIsLost() throws Exception {
        DataSource ds = Databases.postgres();
        String sagaType = "Ledger-" + UUID.randomUUID();
        JdbcSagaRepository jdbc = JdbcSagaRepository.builder(ds, sagaType).build();
        jdbc.createSchema();
        AtomicInteger conflicts = new AtomicInteger();
        SagaRepository repository = new SagaRepository() { // counts the races the runtime had to retry
            public java.util.Optional<SagaRecord> find(UUID id) {
                return jdbc.find(id);
            }

            public void insert(SagaRecord r) {
                counted(() -> jdbc.insert(r));
            }

            public void update(SagaRecord r) {
                counted(() -> jdbc.update(r));
            }

            public void delete(UUID id, long version) {
                counted(() -> jdbc.delete(id, version));
            }

            private void counted(Runnable write) {
                try {
                    write.run();
                } catch (dev.omnibus.ConcurrencyException e) {
                    conflicts.incrementAndGet();
                    throw e;
                }
            }
        };
        LedgerSaga saga = new LedgerSaga();
        InMemoryBroker broker = InMemoryBroker.create();
        Map<UUID, AtomicInteger> announced = new ConcurrentHashMap<>();

        List<UUID> ids = IntStream.range(0, ACCOUNTS).mapToObj(i -> UUID.randomUUID()).toList();
        Random random = new Random(42);
        Map<UUID, Integer> expected = new ConcurrentHashMap<>();
        List<Entry> events = new ArrayList<>();
        for (UUID id : ids) {
            for (int seq = 0; seq < ENTRIES; seq++) {
                int amount = 1 + random.nextInt(100);
                events.add(new Entry(id, seq, amount));
                expected.merge(id, amount, Integer::sum);
            }
        }
        Collections.shuffle(events, random);

        long started = System.nanoTime();
        try (Bus a = bus("a", broker, saga, repository, announced);
             Bus b = bus("b", broker, saga, repository, announced)) {
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < events.size(); i++) {
                sent.add((i % 2 == 0 ? a : b).publish(events.get(i)));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();

            Await.atMost(Duration.ofSeconds(90)).until("all " + ACCOUNTS + " ledgers settled and announced",
                    () -> announced.size() == ACCOUNTS && countIn(ds, sagaType, "Settled") == ACCOUNTS && broker.isIdle());
        }
        long ms = (System.nanoTime() - started) / 1_000_000;

        for (UUID id : ids) {
            SagaInstance<Ledger> i = saga.find(repository, id).orElseThrow();
            assertThat(i.state()).isEqualTo(saga.settled);
            assertThat(i.data().applied).as("entries of %s", id).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            assertThat(i.data().balance).isEqualTo(expected.get(id));
            assertThat(i.version()).isEqualTo(ENTRIES);
            assertThat(announced.get(id)).as("announcements of %s", id).hasValue(1);
        }
        assertThat(broker.depth("ledger_error")).isZero();
        System.out.printf("PostgreSQL saga concurrency: %d events over %d instances, 2 buses x 4 threads, %d ms, %d conflicts retried%n",
                events.size(), ACCOUNTS, ms, conflicts.get());
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM omnibus_saga WHERE saga_type = ?")) {
            ps.setString(1, sagaType);
            ps.executeUpdate();
        }
    }

    private static Bus bus(String name, InMemoryBroker broker, LedgerSaga saga, SagaRepository repository,
            Map<UUID, AtomicInteger> announced) {
        return Bus.builder()
                .name("ledger-" + name)
                .transport(InMemoryTransport.connect(broker))
                .receiveEndpoint("ledger", e -> SagaEndpoint.configure(e.concurrency(4), saga, repository))
                .receiveEndpoint("settlements", e -> e.handler(AccountSettled.class,
                        ctx -> announced.computeIfAbsent(ctx.message().accountId(), k -> new AtomicInteger()).incrementAndGet()))
                .start();
    }

    private static int countIn(DataSource ds, String sagaType, String state) {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT count(*) FROM omnibus_saga WHERE saga_type = ? AND current_state = ?")) {
            ps.setString(1, sagaType);
            ps.setString(2, state);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
