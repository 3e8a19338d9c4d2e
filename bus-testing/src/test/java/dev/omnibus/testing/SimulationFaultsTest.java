package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.BusBuilder;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import dev.omnibus.TransportException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Each fault of the plan: its trace in the timeline and its effect, counted. */
class SimulationFaultsTest {
    record Work(int n) {
    }

    record Done(int n) {
    }

    /** Stands for a database: state outside the bus, which a crash does not touch. */
    static final class Db {
        final AtomicInteger writes = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
    }

    static Consumer<BusBuilder> service(Db db) {
        return bus -> bus
                .receiveEndpoint("work", e -> e.concurrency(2).consumer(Work.class, ctx -> {
                    db.writes.incrementAndGet();
                    ctx.publish(new Done(ctx.message().n()));
                }))
                .receiveEndpoint("done", e -> e.consumer(Done.class, ctx -> db.done.incrementAndGet()));
    }

    static long injected(TestHarness h, String text) {
        return h.events().stream().filter(e -> e.kind() == HarnessEvent.Kind.INJECTED && e.detail().contains(text)).count();
    }

    @Test
    void aCrashLosesWorkInFlightAndTheBrokerRedeliversIt() {
        int seen = 0;
        for (long seed = 0; seed < 50; seed++) {
            Db db = new Db();
            try (TestHarness h = TestHarness.builder().deterministic(seed).faults(FaultPlan.none().crashProcess(0.3))
                    .configure(service(db)).start()) {
                for (int i = 0; i < 3; i++) {
                    h.publish(new Work(i));
                }
                h.assertIdle();
                long crashes = injected(h, "the process lost");
                if (crashes == 0) {
                    continue;
                }
                seen++;
                assertThat(h.timeline()).contains("crash 1: the process lost");
                // at least once: every work item reached the database; a crash after the write re-runs it
                assertThat(db.writes.get()).isGreaterThanOrEqualTo(3);
                assertThat(h.messages(HarnessEvent.Kind.CONSUMED, Work.class)).hasSizeGreaterThanOrEqualTo(3);
                assertThat(db.writes.get()).as("writes = consumer calls that got past the write").isGreaterThan(
                        h.messages(HarnessEvent.Kind.CONSUMED, Work.class).size() - 1);
                assertThat(h.depth("work")).isZero();
            }
        }
        assertThat(seen).as("seeds of 50 with a crash").isGreaterThan(5);
    }

    @Test
    void aCrashLosesTheTimersOfTheInMemoryScheduler() {
        for (boolean crash : new boolean[] {false, true}) {
            Db db = new Db();
            try (TestHarness h = TestHarness.builder().deterministic(1).configure(service(db)).start()) {
                h.send(Address.queue("done"), new Done(1), SendOptions.defaults().withDelay(Duration.ofHours(1)));
                if (crash) {
                    h.crash();
                    assertThat(h.timeline()).contains("crash 1: the process lost 0 delivery(ies) in flight and 1 timer(s)");
                }
                h.advance(Duration.ofHours(2));
                assertThat(db.done.get()).as("scheduled message consumed, crash=%s", crash).isEqualTo(crash ? 0 : 1);
            }
        }
    }

    @Test
    void aRefusedPublishFailsTheDeliveryWhichEndsInTheErrorQueue() {
        Db db = new Db();
        try (TestHarness h = TestHarness.builder().deterministic(2).faults(FaultPlan.none().failProduce(1.0))
                .configure(service(db)).start()) {
            h.publish(new Work(1));
            h.assertIdle();
            // the consumer returned; its Done was refused, so the delivery fails after it and moves to _error
            // (and the Fault<Work> the bus publishes for it is refused too)
            assertThat(h.events()).filteredOn(e -> e.kind() == HarnessEvent.Kind.FAULTED)
                    .singleElement().satisfies(e -> assertThat(e.detail()).contains(TransportException.class.getName(),
                            "the simulated broker refused"));
            assertThat(injected(h, "produce refused")).isEqualTo(2);
            assertThat(db.done.get()).isZero();
            assertThat(h.depth("work_error")).isEqualTo(1);
        }
    }

    @Test
    void aSlowConfirmHoldsTheAckUntilALaterStepAndLosesNothing() {
        Db db = new Db();
        try (TestHarness h = TestHarness.builder().deterministic(3).faults(FaultPlan.none().slowProduce(1.0))
                .configure(service(db)).start()) {
            for (int i = 0; i < 4; i++) {
                h.publish(new Work(i));
            }
            h.assertIdle();
            assertThat(injected(h, "confirmed late")).isEqualTo(4);
            assertThat(db.done.get()).isEqualTo(4);
            assertThat(String.join("\n", h.schedule())).contains("at confirm");
        }
    }

    @Test
    void aFailedSettlementBringsTheMessageBackOnceForEachFailure() {
        int seen = 0;
        for (long seed = 0; seed < 20; seed++) {
            Db db = new Db();
            try (TestHarness h = TestHarness.builder().deterministic(seed).faults(FaultPlan.none().failSettlement(0.3))
                    .configure(service(db)).start()) {
                h.publish(new Work(1));
                h.assertIdle();
                long failedOnWork = h.events().stream().filter(e -> e.kind() == HarnessEvent.Kind.INJECTED
                        && e.detail().contains("settlement failed: the ack on work")).count();
                seen += failedOnWork > 0 ? 1 : 0;
                assertThat(db.writes.get()).as("seed %d", seed).isEqualTo(1 + failedOnWork);
            }
        }
        assertThat(seen).isGreaterThan(2);
    }

    @Test
    void aClockJumpFiresATimerWithoutAdvance() {
        Db db = new Db();
        try (TestHarness h = TestHarness.builder().deterministic(4).faults(FaultPlan.none().jumpClock(1.0, Duration.ofHours(2)))
                .configure(service(db)).start()) {
            h.send(Address.queue("done"), new Done(1), SendOptions.defaults().withDelay(Duration.ofHours(1)));
            h.publish(new Work(1)); // work to do: a step at which the clock may jump
            h.runUntilIdle();
            assertThat(injected(h, "clock jump: the clock leaps 2h ahead")).isGreaterThanOrEqualTo(1);
            assertThat(db.done.get()).as("the work's Done and the hour-ahead message").isEqualTo(2);
            assertThat(h.clock().elapsed()).isGreaterThanOrEqualTo(Duration.ofHours(2));
        }
    }

    @Test
    void anInjectedConsumerFailureIsInTheTimelineAndRetried() {
        AtomicInteger calls = new AtomicInteger();
        try (TestHarness h = TestHarness.builder().deterministic(5).faults(FaultPlan.none().failConsumer(Work.class, 1))
                .configure(bus -> bus.receiveEndpoint("work", e -> e.retry(Retry.immediate(1))
                        .consumer(Work.class, ctx -> calls.incrementAndGet())))
                .start()) {
            h.publish(new Work(1));
            h.assertConsumed(Work.class);
            List<HarnessEvent> injected = h.events().stream().filter(e -> e.kind() == HarnessEvent.Kind.INJECTED).toList();
            assertThat(injected).hasSize(1);
            assertThat(injected.get(0).detail()).isEqualTo("consumer failure: call 1 of Work on work throws InjectedFault");
            assertThat(h.timeline()).contains("#1 injected: consumer failure: call 1 of Work");
            assertThat(calls.get()).isEqualTo(1); // the failed call never reached the consumer; the retry did
        }
    }

    @Test
    void aDuplicatedSettlementClosesTheChannelAndItsOtherDeliveriesComeBackOnceEach() {
        int returned = 0;
        java.util.regex.Pattern others = java.util.regex.Pattern.compile("closed the channel and (\\d+) other");
        for (long seed = 0; seed < 20; seed++) {
            Db db = new Db();
            try (TestHarness h = TestHarness.builder().deterministic(seed)
                    .faults(FaultPlan.none().duplicateSettlement(0.3))
                    .configure(bus -> bus.receiveEndpoint("work", e -> e.concurrency(4)
                            .consumer(Work.class, ctx -> db.writes.incrementAndGet())))
                    .start()) {
                for (int i = 0; i < 4; i++) {
                    h.publish(new Work(i));
                }
                h.assertIdle();
                int back = 0;
                for (HarnessEvent e : h.events()) {
                    if (e.kind() == HarnessEvent.Kind.INJECTED) {
                        java.util.regex.Matcher m = others.matcher(e.detail());
                        assertThat(m.find()).as(e.detail()).isTrue();
                        back += Integer.parseInt(m.group(1));
                    }
                }
                returned += back;
                // each delivery the closed channel returned runs once more; nothing is lost
                assertThat(db.writes.get()).as("seed %d", seed).isEqualTo(4 + back);
                assertThat(h.depth("work")).isZero();
            }
        }
        assertThat(returned).as("deliveries returned by closed channels over 20 seeds").isPositive();
    }
}
