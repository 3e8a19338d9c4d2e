package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.omnibus.Address;
import dev.omnibus.BusBuilder;
import dev.omnibus.SendOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** A crash of one replica while the others run on, as one instance of a deployed service fails. */
class ReplicaCrashTest {
    record Work(int n) {
    }

    record Done(int n) {
    }

    /** Stands for a database: what each replica wrote, and what was done, outliving every crash. */
    static final class Db {
        final AtomicInteger[] writes = {new AtomicInteger(), new AtomicInteger()};
        final AtomicInteger[] finished = {new AtomicInteger(), new AtomicInteger()};
        final AtomicInteger redelivered = new AtomicInteger();
        final List<Integer> done = new ArrayList<>();

        synchronized List<Integer> done() {
            return List.copyOf(done);
        }
    }

    /** The replica a simulated task belongs to: its thread is named after its endpoint ({@code work#1} for replica 1). */
    static int replica() {
        return Thread.currentThread().getName().startsWith("omnibus-sim-work#1-") ? 1 : 0;
    }

    /** A concurrency-1 endpoint per replica: the consumer writes, then publishes (where its task parks). */
    static Consumer<BusBuilder> service(Db db) {
        return bus -> bus
                .receiveEndpoint("work", e -> e.concurrency(1).consumer(Work.class, ctx -> {
                    db.writes[replica()].incrementAndGet();
                    if (ctx.redelivered()) {
                        db.redelivered.incrementAndGet();
                    }
                    ctx.publish(new Done(ctx.message().n())); // an interleaving point: in flight here, the write made
                    db.finished[replica()].incrementAndGet();
                }))
                .receiveEndpoint("done", e -> e.consumer(Done.class, ctx -> {
                    synchronized (db) {
                        db.done.add(ctx.message().n());
                    }
                }));
    }

    @Test
    void oneReplicaCrashesWithWorkInFlightOnBothAndTheOtherFinishesItsWorkAndKeepsItsTimers() throws Exception {
        int crashedWithBothBusy = 0;
        for (long seed = 0; seed < 20; seed++) {
            Db db = new Db();
            try (TestHarness h = TestHarness.builder().deterministic(seed).replicas(2).configure(service(db)).start()) {
                // a timer armed by each replica's scheduler: a reminder due in an hour
                h.bus(0).send(Address.queue("done"), new Done(100), SendOptions.defaults().withDelay(Duration.ofHours(1)))
                        .get(5, TimeUnit.SECONDS);
                h.bus(1).send(Address.queue("done"), new Done(200), SendOptions.defaults().withDelay(Duration.ofHours(1)))
                        .get(5, TimeUnit.SECONDS);
                h.publish(new Work(1));
                h.publish(new Work(2));
                if (!h.stepUntil(() -> db.writes[0].get() == 1 && db.writes[1].get() == 1
                        && db.finished[0].get() == 0 && db.finished[1].get() == 0)) {
                    continue; // this seed let one replica take both: nothing in flight on both at once
                }
                crashedWithBothBusy++;
                assertThat(h.clock().pendingTimers()).isEqualTo(2);
                h.crash(1);
                assertThat(h.clock().pendingTimers()).as("timers left: replica 0's alone").isEqualTo(1);
                h.advance(Duration.ofHours(2));
                // replica 0's delivery went on from where it was parked and was acked: it ran once, no redelivery;
                // replica 1's was lost at its publish and redelivered once, to whichever replica took it
                assertThat(db.writes[0].get() + db.writes[1].get()).as("consumer runs, seed %d", seed).isEqualTo(3);
                assertThat(db.redelivered.get()).as("redeliveries, seed %d", seed).isEqualTo(1);
                assertThat(h.messages(HarnessEvent.Kind.CONSUMED, Work.class)).as("completed runs").hasSize(2);
                // each work item done once (the lost run never published); replica 0's timer fired, replica 1's died
                assertThat(db.done()).as("done, seed %d", seed).containsExactlyInAnyOrder(1, 2, 100);
                assertThat(h.depth("work")).isZero();
                assertThat(h.depth("work_error")).isZero();
                assertThat(h.timeline()).contains("crash 1: replica 1 (bus harness-2) lost 1 delivery(ies) in flight "
                        + "and 1 timer(s), 1 unsettled delivery(ies) went back to their queues");
            }
        }
        assertThat(crashedWithBothBusy).as("seeds of 20 with work in flight on both replicas").isGreaterThan(3);
    }

    @Test
    void theWholeProcessCrashStillTakesEveryReplicaAndEveryTimer() throws Exception {
        Db db = new Db();
        try (TestHarness h = TestHarness.builder().deterministic(1).replicas(2).configure(service(db)).start()) {
            h.bus(0).send(Address.queue("done"), new Done(100), SendOptions.defaults().withDelay(Duration.ofHours(1)))
                    .get(5, TimeUnit.SECONDS);
            h.bus(1).send(Address.queue("done"), new Done(200), SendOptions.defaults().withDelay(Duration.ofHours(1)))
                    .get(5, TimeUnit.SECONDS);
            h.crash();
            assertThat(h.timeline()).contains("crash 1: the process lost 0 delivery(ies) in flight and 2 timer(s)");
            h.advance(Duration.ofHours(2));
            assertThat(db.done()).isEmpty();
        }
    }

    @Test
    void theCrashProcessFaultChoosesTheReplicaAsADecisionAndNamesItInTheTimeline() {
        boolean[] crashed = new boolean[2];
        for (long seed = 0; seed < 30; seed++) {
            Db db = new Db();
            try (TestHarness h = TestHarness.builder().deterministic(seed).replicas(2)
                    .faults(FaultPlan.none().crashProcess(0.2)).configure(service(db)).start()) {
                for (int i = 1; i <= 4; i++) {
                    h.publish(new Work(i));
                }
                h.assertIdle();
                for (int r = 0; r < 2; r++) {
                    if (h.timeline().contains("replica " + r + " (bus " + (r == 0 ? "harness" : "harness-2") + ") lost")) {
                        crashed[r] = true;
                        String decision = "crash replica " + r;
                        assertThat(h.schedule()).anyMatch(d -> d.contains(decision));
                    }
                }
                assertThat(h.timeline()).doesNotContain("the process lost"); // with replicas, one crashes at a time
                assertThat(db.done()).as("every work item done at least once, seed %d", seed).contains(1, 2, 3, 4);
                assertThat(h.depth("work")).isZero();
            }
        }
        assertThat(crashed).as("some seed crashed replica 0, some replica 1").containsExactly(true, true);
    }

    @Test
    void aReplicaCrashEndsItsOwnBackgroundLoopsAndNoOtherReplicas() {
        VirtualClock clock = new VirtualClock();
        Decisions decisions = new Decisions(1, null);
        Simulator simulator = new Simulator(1, decisions, clock, 5_000);
        simulator.transport(new SimulatedTransport(decisions, FaultPlan.none(), (detail, headers) -> { }));
        int[] passes = new int[2];
        for (int r = 0; r < 2; r++) { // each replica's outbox relay, as OutboxDispatcher adopts it
            int replica = r;
            simulator.process(r).adoptBackground("relay", () -> passes[replica] < 3, () -> passes[replica]++);
        }
        simulator.unwind(1);
        while (simulator.step()) {
            // the surviving relay's turns
        }
        assertThat(passes).as("relay passes of replica 0, replica 1").containsExactly(3, 0);
    }

    @Test
    void aReplicaThatDoesNotExistCannotCrash() {
        try (TestHarness h = TestHarness.builder().deterministic(1).replicas(2).configure(service(new Db())).start()) {
            assertThatThrownBy(() -> h.crash(2)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no replica 2");
        }
    }
}
