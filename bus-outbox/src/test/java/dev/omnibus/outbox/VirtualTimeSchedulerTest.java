package dev.omnibus.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.SendOptions;
import dev.omnibus.outbox.kit.Databases;
import dev.omnibus.testing.Await;
import dev.omnibus.testing.TestHarness;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The durable scheduler under the test harness: due times on the harness's virtual clock. */
class VirtualTimeSchedulerTest {
    record Reminder(UUID id) {
    }

    @Test
    void aScheduledMessageFiresAtItsVirtualDueTimeAndACancelledOneNever() throws Exception {
        try (Databases.Db db = Databases.h2()) {
            JdbcOutbox outbox = JdbcOutbox.builder(db.dataSource()).pollInterval(Duration.ofMillis(50)).build();
            outbox.migrate();
            List<UUID> consumed = new CopyOnWriteArrayList<>();
            try (TestHarness harness = TestHarness.builder()
                    .configure(bus -> bus
                            .scheduler(outbox.scheduler())
                            .receiveEndpoint("reminders", e -> e.consumer(Reminder.class, ctx -> consumed.add(ctx.message().id()))))
                    .start()) {
                UUID kept = UUID.randomUUID();
                UUID cancelled = UUID.randomUUID();
                harness.send(Address.queue("reminders"), new Reminder(kept), SendOptions.defaults().withDelay(Duration.ofHours(1)));
                UUID[] token = new UUID[1];
                outbox.inTransaction(harness.bus(), (c, p) -> token[0] = p.send(Address.queue("reminders"),
                        new Reminder(cancelled), SendOptions.defaults().withDelay(Duration.ofHours(1))));
                assertThat(outbox.cancel(token[0])).isTrue();

                harness.advance(Duration.ofMinutes(59));
                harness.assertIdle();
                assertThat(consumed).isEmpty();
                assertThat(outbox.pending()).isEqualTo(1);

                harness.advance(Duration.ofMinutes(1));
                harness.assertConsumed(Reminder.class, r -> r.id().equals(kept));
                Await.atMost(Duration.ofSeconds(10)).until("the outbox drained", () -> pending(outbox) == 0);
                harness.advance(Duration.ofHours(2));
                harness.assertIdle();
                assertThat(consumed).containsExactly(kept);
            }
        }
    }

    private static long pending(JdbcOutbox outbox) {
        try {
            return outbox.pending();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
