package dev.omnibus.examples.reminders;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.Address;
import dev.omnibus.SendOptions;
import dev.omnibus.testing.TestHarness;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A message scheduled an hour ahead, delivered by moving virtual time: the test takes milliseconds. */
class PaymentReminderTest {
    record InvoiceIssued(UUID invoiceId) {
    }

    record RemindCustomer(UUID invoiceId) {
    }

    @Test
    void aReminderScheduledAnHourAheadIsDeliveredAfterAdvancingOneHour() {
        try (TestHarness harness = TestHarness.builder()
                .configure(bus -> bus
                        .receiveEndpoint("invoices", e -> e.consumer(InvoiceIssued.class, ctx ->
                                ctx.send(Address.queue("reminders"), new RemindCustomer(ctx.message().invoiceId()),
                                        SendOptions.defaults().withDelay(Duration.ofHours(1)))))
                        .receiveEndpoint("reminders", e -> e.consumer(RemindCustomer.class, ctx -> { })))
                .timeout(Duration.ofMillis(500))
                .start()) {
            long realStart = System.nanoTime();
            UUID invoice = UUID.randomUUID();
            harness.publish(new InvoiceIssued(invoice));
            harness.assertSent(RemindCustomer.class, r -> r.invoiceId().equals(invoice));
            harness.assertIdle();
            assertThat(harness.messages(dev.omnibus.testing.HarnessEvent.Kind.CONSUMED, RemindCustomer.class)).isEmpty();

            harness.advance(Duration.ofMinutes(59));
            assertThat(harness.messages(dev.omnibus.testing.HarnessEvent.Kind.CONSUMED, RemindCustomer.class)).isEmpty();

            harness.advance(Duration.ofMinutes(1));
            harness.assertConsumed(RemindCustomer.class, r -> r.invoiceId().equals(invoice));
            assertThat(harness.clock().elapsed()).isEqualTo(Duration.ofHours(1));
            assertThat(Duration.ofNanos(System.nanoTime() - realStart)).as("real time taken").isLessThan(Duration.ofSeconds(30));
        }
    }
}
