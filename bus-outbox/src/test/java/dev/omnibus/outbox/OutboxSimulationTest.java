package dev.omnibus.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.testing.FaultPlan;
import dev.omnibus.testing.HarnessEvent;
import dev.omnibus.testing.TestHarness;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The outbox under the deterministic harness: its relay runs as turns of the simulation, not on a
 * thread, so a seed still gives one run, with the inbox and the relay in it (H2, one database per run).
 */
class OutboxSimulationTest {
    record Order(int n) {
    }

    record Shipped(int n) {
    }

    /** One run: the events as text, and the orders whose Shipped was consumed. */
    static List<String> run(long seed, Set<Integer> shipped) throws Exception {
        try (Databases.Db db = Databases.h2()) {
            JdbcOutbox outbox = JdbcOutbox.builder(db.dataSource()).build();
            outbox.migrate();
            try (TestHarness h = TestHarness.builder().deterministic(seed)
                    .faults(FaultPlan.none().duplicateDeliveries(0.2).dropAcks(0.1).reorderDeliveries(0.2))
                    .configure(bus -> bus.scheduler(outbox.scheduler())
                            // one delivery at a time here: a parked task's open transaction would hold the
                            // inbox row a duplicate's insert waits for (real I/O is not simulated)
                            .receiveEndpoint("orders", e -> e.filter(outbox.inbox()).consumer(Order.class,
                                    ctx -> ctx.publish(new Shipped(ctx.message().n()))))
                            .receiveEndpoint("shipping", e -> e.concurrency(2).consumer(Shipped.class,
                                    ctx -> shipped.add(ctx.message().n()))))
                    .start()) {
                for (int i = 1; i <= 4; i++) {
                    h.publish(new Order(i));
                }
                h.assertIdle();
                assertThat(outbox.pending()).as("rows left in the outbox").isZero();
                List<String> out = new ArrayList<>();
                for (HarnessEvent e : h.events()) {
                    out.add(e.kind() + " #" + e.number() + " " + e.typeName() + " on " + e.endpoint() + " @" + e.at()
                            + " " + e.detail() + " id=" + (e.envelope() == null ? null : e.envelope().messageId()));
                }
                out.add("schedule " + h.schedule());
                return out;
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameRunWithTheRelayAndTheInbox() throws Exception {
        boolean relayRan = false;
        for (long seed = 0; seed < 30; seed++) {
            Set<Integer> shipped = new TreeSet<>();
            List<String> first = run(seed, shipped);
            assertThat(shipped).as("seed %d: every order shipped", seed).containsExactly(1, 2, 3, 4);
            for (int again = 0; again < 2; again++) {
                assertThat(run(seed, new TreeSet<>())).as("seed %d, run %d", seed, again + 2).containsExactlyElementsOf(first);
            }
            relayRan |= first.get(first.size() - 1).contains("run outbox-relay");
        }
        assertThat(relayRan).as("the relay ran as a turn of the simulation").isTrue();
    }
}
