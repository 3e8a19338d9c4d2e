package dev.omnibus.saga.benchmark;

import dev.omnibus.Bus;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.saga.Databases;
import dev.omnibus.saga.Event;
import dev.omnibus.saga.InMemorySagaRepository;
import dev.omnibus.saga.SagaEndpoint;
import dev.omnibus.saga.State;
import dev.omnibus.saga.StateMachine;
import dev.omnibus.saga.jdbc.JdbcSagaRepository;
import dev.omnibus.saga.spi.SagaRepository;
import dev.omnibus.testing.Await;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Events per second through a saga, end to end on the in-memory transport: publish N events spread
 * over M instances (no correlation id on the envelope, so the saga's own per-instance turns do the
 * ordering), wait until every instance counted all of its events. A warm-up run first. Not a unit
 * test: it runs only with {@code -Domnibus.bench=true} and asserts nothing about speed.
 *
 * <pre>
 * mvn -o -q -pl bus-saga -am verify -Dtest=SagaThroughputBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Domnibus.bench=true
 * </pre>
 *
 * Kept in its own package so it can move to the {@code benchmarks} module (JMH) as is.
 */
@EnabledIfSystemProperty(named = "omnibus.bench", matches = "true")
class SagaThroughputBenchmark {
    record Tick(UUID id) {
    }

    static final class Count {
        long n;
    }

    static final class CountingSaga extends StateMachine<Count> {
        final AtomicLong done = new AtomicLong();
        final long per;
        final State counting = state("Counting");
        final Event<Tick> tick = event(Tick.class, Tick::id);

        CountingSaga(long per) {
            super(Count.class);
            this.per = per;
            initially(when(tick).then(this::count).transitionTo(counting));
            during(counting, when(tick).then(this::count));
        }

        private void count(dev.omnibus.saga.BehaviorContext<Count, Tick> ctx) {
            if (++ctx.instance().n == per) {
                done.incrementAndGet(); // one process, so no instance runs an event twice (no conflicts to retry)
            }
        }
    }

    @Test
    void inMemoryRepository() {
        run("in-memory repository", InMemorySagaRepository::create, 2_000, 100, 20_000, 1_000);
    }

    @Test
    void postgresRepository() throws Exception {
        DataSource ds = Databases.postgres();
        List<String> types = new ArrayList<>();
        run("PostgreSQL repository", () -> {
            String type = "Bench-" + UUID.randomUUID();
            types.add(type);
            JdbcSagaRepository r = JdbcSagaRepository.builder(ds, type).build();
            r.createSchema();
            return r;
        }, 1_000, 100, 5_000, 500);
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM omnibus_saga WHERE saga_type = ?")) {
            for (String t : types) {
                ps.setString(1, t);
                ps.executeUpdate();
            }
        }
    }

    interface Repositories {
        SagaRepository create() throws Exception;
    }

    private static void run(String name, Repositories repositories, int warmEvents, int warmInstances, int events,
            int instances) {
        try {
            measure(repositories.create(), warmEvents, warmInstances);
            for (int concurrency : new int[] {1, 4}) {
                double perSecond = measureAt(repositories.create(), events, instances, concurrency);
                System.out.printf("saga throughput, %s, concurrency %d: %d events over %d instances: %.0f events/s%n",
                        name, concurrency, events, instances, perSecond);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double measure(SagaRepository repository, int events, int instances) {
        return measureAt(repository, events, instances, 4);
    }

    private static double measureAt(SagaRepository repository, int events, int instances, int concurrency) {
        long per = events / instances;
        CountingSaga saga = new CountingSaga(per);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            ids.add(UUID.randomUUID());
        }
        try (Bus bus = Bus.builder().transport(InMemoryTransport.create())
                .receiveEndpoint("bench-saga", e -> SagaEndpoint.configure(e.concurrency(concurrency).prefetch(256), saga, repository))
                .start()) {
            long start = System.nanoTime();
            List<CompletableFuture<Void>> sent = new ArrayList<>(events);
            for (int i = 0; i < events; i++) {
                sent.add(bus.publish(new Tick(ids.get(i % instances))));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
            Await.atMost(Duration.ofMinutes(5)).pollingEvery(Duration.ofMillis(1)).until("every instance counted",
                    () -> saga.done.get() == instances);
            double seconds = (System.nanoTime() - start) / 1e9;
            Await.atMost(Duration.ofSeconds(30)).until("every instance saved with its count",
                    () -> ids.stream().allMatch(id -> saga.find(repository, id).map(i -> i.data().n == per).orElse(false)));
            return events / seconds;
        }
    }
}
