package dev.omnibus.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.ConcurrencyException;
import dev.omnibus.saga.spi.SagaRepository;
import dev.omnibus.testing.Simulation;
import dev.omnibus.testing.TestHarness;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/** A saga hit by concurrent events, under the deterministic simulation's interleavings. */
class SagaSimulationTest {
    record Opened(UUID id) {
    }

    record Added(UUID id, int amount) {
    }

    record Noted(int n) {
    }

    /** The saga's state: a running total. */
    static final class Tally {
        public int total;
        public int count;
    }

    static final class TallySaga extends StateMachine<Tally> {
        final State open = state("Open");
        final Event<Opened> opened = event(Opened.class, Opened::id);
        final Event<Added> added = event(Added.class, Added::id);

        TallySaga() {
            super(Tally.class);
            initially(when(opened).transitionTo(open));
            during(open, when(added).then(ctx -> {
                ctx.instance().total += ctx.message().amount();
                ctx.instance().count++;
            }));
        }
    }

    /** A repository that forgets to check versions: the planted bug. Stands for a database: outlives buses. */
    static final class CarelessRepository implements SagaRepository {
        final Map<UUID, SagaRecord> rows = new ConcurrentHashMap<>();

        @Override
        public Optional<SagaRecord> find(UUID id) {
            return Optional.ofNullable(rows.get(id));
        }

        @Override
        public void insert(SagaRecord instance) {
            if (rows.putIfAbsent(instance.id(), instance) != null) {
                throw new ConcurrencyException("exists");
            }
        }

        @Override
        public void update(SagaRecord instance) {
            rows.put(instance.id(), instance); // no version check: a concurrent update is silently lost
        }

        @Override
        public void delete(UUID id, long version) {
            rows.remove(id);
        }
    }

    static final UUID A = new UUID(1, 1);
    static final UUID B = new UUID(2, 2);

    /** Two replicas of a tally service with a concurrency-4 saga endpoint; two additions to one instance. */
    static TestHarness tallies(long seed, SagaRepository repository, int replicas) {
        TallySaga saga = new TallySaga();
        return TestHarness.builder().deterministic(seed).replicas(replicas)
                .configure(bus -> bus
                        .receiveEndpoint("tally", e -> SagaEndpoint.configure(e.concurrency(4), saga, repository))
                        .receiveEndpoint("notes", e -> e.concurrency(4).consumer(Noted.class, ctx -> { })))
                .start();
    }

    static void addTwice(long seed, SagaRepository repository) {
        try (TestHarness h = tallies(seed, repository, 2)) {
            h.publish(new Opened(A));
            h.runUntilIdle();
            h.publish(new Added(A, 1));
            h.publish(new Added(A, 2));
            h.runUntilIdle();
            SagaRecord row = repository.find(A).orElseThrow();
            assertThat(row.json()).as("the tally after adding 1 and 2").contains("\"total\":3");
        }
    }

    @Test
    void aRepositoryThatSkipsItsVersionCheckLosesAnUpdateAndTheSimulationFindsIt() {
        // found within 100 seeds (the first failing seed is named in the message); shrunk and printed
        assertThatThrownBy(() -> Simulation.explore(100, seed -> addTwice(seed, new CarelessRepository())))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Scenario failed with seed")
                .hasMessageContaining("the tally after adding 1 and 2")
                .hasMessageContaining("Shortest failing schedule found")
                .hasMessageContaining("at saga-load")
                .satisfies(e -> System.out.println("Planted lost update: " + e.getMessage()));
    }

    @Test
    void theSameTwoReplicasWithVersionedSavesKeepEveryUpdate() {
        Simulation.explore(100, seed -> addTwice(seed, InMemorySagaRepository.create()));
    }

    @Test
    void seedsExploreDistinctSchedulesOfAConcurrencyFourEndpointAndASagaHitByTwoEvents() {
        Set<List<String>> schedules = new HashSet<>();
        for (long seed = 0; seed < 100; seed++) {
            try (TestHarness h = tallies(seed, InMemorySagaRepository.create(), 1)) {
                h.publish(new Opened(A));
                h.publish(new Opened(B));
                h.publish(new Added(A, 1));
                h.publish(new Added(A, 2));
                h.publish(new Added(B, 3));
                for (int i = 0; i < 4; i++) {
                    h.publish(new Noted(i));
                }
                h.runUntilIdle();
                schedules.add(h.schedule());
            }
        }
        System.out.println("Distinct schedules per 100 seeds (concurrency-4 endpoint, saga hit by two events): "
                + schedules.size());
        assertThat(schedules.size()).isGreaterThanOrEqualTo(50);
    }

    /** A saga state stamped with when the instance opened. */
    static final class Stamp {
        public String openedAt;
    }

    /** Stamps the opening time from the delivery's clock ({@code ConsumeContext.clock()}). */
    static final class StampSaga extends StateMachine<Stamp> {
        final State open = state("Open");
        final Event<Opened> opened = event(Opened.class, Opened::id);

        StampSaga() {
            super(Stamp.class);
            initially(when(opened)
                    .then(ctx -> ctx.instance().openedAt = ctx.consumeContext().clock().instant().toString())
                    .transitionTo(open));
        }
    }

    @Test
    void aSagaReadsTheBusClockThroughItsConsumeContextAndEachReadIsAnInterleavingPoint() {
        List<String> labels = new java.util.ArrayList<>();
        for (long seed = 0; seed < 20; seed++) {
            InMemorySagaRepository repository = InMemorySagaRepository.create();
            try (TestHarness h = TestHarness.builder().deterministic(seed)
                    .configure(bus -> bus.receiveEndpoint("stamps",
                            e -> SagaEndpoint.configure(e.concurrency(2), new StampSaga(), repository)))
                    .start()) {
                h.advance(java.time.Duration.ofMinutes(5));
                h.publish(new Opened(A));
                h.publish(new Opened(B));
                h.runUntilIdle();
                for (UUID id : List.of(A, B)) {
                    assertThat(repository.find(id).orElseThrow().json()).as("seed %d, instance %s", seed, id)
                            .contains("\"openedAt\":\"2030-01-01T00:05:00Z\"");
                }
                labels.addAll(h.schedule());
            }
        }
        assertThat(labels).anyMatch(l -> l.startsWith("resume stamps task") && l.contains(" at clock"));
    }
}
