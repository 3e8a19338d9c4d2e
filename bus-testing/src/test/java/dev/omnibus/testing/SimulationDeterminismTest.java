package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.BusBuilder;
import dev.omnibus.RequestTimeoutException;
import dev.omnibus.Retry;
import dev.omnibus.SendOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Determinism as a property: one seed, one run, byte for byte, whatever the scenario throws at the bus. */
class SimulationDeterminismTest {
    record Order(int n, int amount) {
    }

    record Audit(int n) {
    }

    record Reminder(int n) {
    }

    record Stray(int n) {
    }

    record Ask(int n) {
    }

    record Answer(int n) {
    }

    /**
     * Orders on a concurrency-4 endpoint: every 5th fails through its retries (jittered waits) and is
     * dead-lettered; each order reads the clock, publishes an audit, schedules a reminder a minute later and asks a
     * queue nobody answers (the request times out on the virtual clock) and one that answers (the
     * continuation publishes). A stray type sent to the
     * orders queue is skipped.
     */
    static final Consumer<BusBuilder> SHOP = bus -> bus
            .receiveEndpoint("orders", e -> e.concurrency(4)
                    .retry(Retry.exponential(2, Duration.ofMillis(10), Duration.ofSeconds(1)))
                    .consumer(Order.class, ctx -> {
                        if (ctx.message().amount() % 5 == 0) {
                            throw new IllegalStateException("declined " + ctx.message().n());
                        }
                        if (ctx.clock().instant().isBefore(VirtualClock.EPOCH)) { // a clock read: an interleaving point
                            throw new IllegalStateException("time went back");
                        }
                        ctx.publish(new Audit(ctx.message().n()));
                        ctx.send(Address.queue("reminders"), new Reminder(ctx.message().n()),
                                SendOptions.defaults().withDelay(Duration.ofMinutes(1)));
                        ctx.request(Address.queue("prices"), new Ask(ctx.message().n()), Answer.class, Duration.ofSeconds(30))
                                .thenAccept(a -> ctx.publish(new Audit(100 + a.n()))); // on the response's completion
                        CompletableFuture<Answer> asked = ctx.request(Address.queue("nobody"), new Ask(ctx.message().n()),
                                Answer.class, Duration.ofSeconds(30));
                        asked.whenComplete((a, error) -> {
                            if (error instanceof RequestTimeoutException || error != null
                                    && error.getCause() instanceof RequestTimeoutException) {
                                ctx.publish(new Audit(-ctx.message().n())); // after the consumer: goes nowhere
                            }
                        });
                    }))
            .receiveEndpoint("prices", e -> e.consumer(Ask.class, ctx -> ctx.respond(new Answer(ctx.message().n()))))
            .receiveEndpoint("audit", e -> e.concurrency(2).consumer(Audit.class, ctx -> { }))
            .receiveEndpoint("reminders", e -> e.consumer(Reminder.class, ctx -> { }));

    static final FaultPlan FAULTS = FaultPlan.none().duplicateDeliveries(0.1).reorderDeliveries(0.2).dropAcks(0.05)
            .crashBeforeAck(0.05).failConsumer(Audit.class, 2).crashProcess(0.01).failProduce(0.02).slowProduce(0.05)
            .failSettlement(0.02).duplicateSettlement(0.02).jumpClock(0.01, Duration.ofSeconds(20));

    /** The same faults, on two replicas: a crash takes one of them, chosen by the seed, the other runs on. */
    static final FaultPlan REPLICA_FAULTS = FAULTS.crashProcess(0.03);

    /** One run: the events as text (kind, message number, endpoint, virtual time, detail, message id). */
    static List<String> run(long seed) {
        return run(seed, 1, FAULTS);
    }

    static List<String> run(long seed, int replicas, FaultPlan faults) {
        try (TestHarness h = TestHarness.builder().deterministic(seed).replicas(replicas).faults(faults).configure(SHOP)
                .start()) {
            for (int i = 1; i <= 6; i++) {
                h.publish(new Order(i, i * 5 % 7 == 0 ? 10 : i));
            }
            h.send(Address.queue("orders"), new Stray(1));
            CompletableFuture<Answer> unanswered = h.bus().request(Address.queue("nobody"), new Ask(0), Answer.class,
                    Duration.ofSeconds(10), SendOptions.defaults());
            h.runUntilIdle();
            h.advance(Duration.ofMinutes(2)); // request timeouts, scheduled reminders
            assertThat(unanswered).isCompletedExceptionally();
            List<String> out = new ArrayList<>();
            for (HarnessEvent e : h.events()) {
                out.add(e.kind() + " #" + e.number() + " " + e.typeName() + " on " + e.endpoint() + " @" + e.at()
                        + " " + e.detail() + " id=" + (e.envelope() == null ? null : e.envelope().messageId()));
            }
            return out;
        }
    }

    @Test
    void theSameSeedGivesTheSameEventsByteForByte() {
        Set<String> kinds = new HashSet<>();
        Set<String> injected = new HashSet<>();
        for (long seed = 0; seed < 100; seed++) {
            List<String> first = run(seed);
            for (int again = 0; again < 2; again++) {
                assertThat(run(seed)).as("seed %d, run %d", seed, again + 2).containsExactlyElementsOf(first);
            }
            for (String line : first) {
                kinds.add(line.substring(0, line.indexOf(' ')));
                if (line.startsWith("INJECTED")) {
                    injected.add(line);
                }
            }
        }
        // the scenario really exercises what it claims: dead letters, skips, failures, injected faults
        assertThat(kinds).contains("FAULTED", "SKIPPED", "CONSUME_FAILED", "INJECTED", "CONSUMED", "SENT", "PUBLISHED");
        for (String fault : List.of("crash 1", "produce refused", "confirmed late", "settlement failed", "settlement duplicated", "clock jump",
                "consumer failure", "duplicated", "reordered", "ack lost")) {
            assertThat(injected).as("some seed injected %s", fault).anyMatch(d -> d.contains(fault));
        }
    }

    @Test
    void withTwoReplicasAndCrashesOfOneTheSameSeedGivesTheSameEvents() {
        Set<String> crashed = new HashSet<>();
        for (long seed = 0; seed < 100; seed++) {
            List<String> first = run(seed, 2, REPLICA_FAULTS);
            for (int again = 0; again < 2; again++) {
                assertThat(run(seed, 2, REPLICA_FAULTS)).as("seed %d, run %d", seed, again + 2)
                        .containsExactlyElementsOf(first);
            }
            for (String line : first) {
                if (line.startsWith("INJECTED") && line.contains(") lost ")) {
                    crashed.add(line.substring(line.indexOf("replica "), line.indexOf(" (bus")));
                }
            }
        }
        assertThat(crashed).as("replicas crashed alone in some seed").containsExactlyInAnyOrder("replica 0", "replica 1");
    }

    @Test
    void differentSeedsGiveDifferentRuns() {
        Set<List<String>> runs = new HashSet<>();
        for (long seed = 0; seed < 10; seed++) {
            runs.add(run(seed));
        }
        assertThat(runs).hasSizeGreaterThan(5);
    }

    /** Prints the events of seeds {@code args[0]..args[1]-1}, one a line: the other JVM of the test below. */
    public static void main(String[] args) {
        for (long seed = Long.parseLong(args[0]); seed < Long.parseLong(args[1]); seed++) {
            for (String line : run(seed)) {
                System.out.println("EVENT " + seed + " " + line);
            }
        }
    }

    @Test
    void anotherJvmGivesTheSameEventsForTheSameSeeds() throws Exception {
        List<String> here = new ArrayList<>();
        for (long seed = 0; seed < 5; seed++) {
            for (String line : run(seed)) {
                here.add("EVENT " + seed + " " + line);
            }
        }
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                SimulationDeterminismTest.class.getName(), "0", "5").redirectErrorStream(true).start();
        List<String> there = new ArrayList<>();
        try (java.io.BufferedReader r = p.inputReader()) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("EVENT ")) {
                    there.add(line);
                }
            }
        }
        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the other JVM ended").isTrue();
        assertThat(there).hasSizeGreaterThan(100).containsExactlyElementsOf(here);
    }
}
