package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omnibus.BusBuilder;
import dev.omnibus.testing.BusTest;
import dev.omnibus.testing.ConfigureBus;
import dev.omnibus.testing.TestHarness;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** @BusTest on JUnit 5: the harness is injected, configured by static and instance methods, and closed. */
@BusTest(timeoutMillis = 5_000)
class OrderFlowTest {
    record OrderSubmitted(UUID orderId) {
    }

    record ProcessPayment(UUID orderId) {
    }

    record Audited(UUID orderId) {
    }

    @ConfigureBus
    static void orders(BusBuilder bus) {
        bus.receiveEndpoint("orders", e -> e.consumer(OrderSubmitted.class,
                ctx -> ctx.publish(new ProcessPayment(ctx.message().orderId()))));
    }

    @ConfigureBus
    void audit(BusBuilder bus) {
        bus.receiveEndpoint("audit", e -> e.consumer(ProcessPayment.class,
                ctx -> ctx.publish(new Audited(ctx.message().orderId()))));
    }

    @Test
    void submittedOrderIsPaidAndAudited(TestHarness harness) {
        UUID id = UUID.randomUUID();
        harness.publish(new OrderSubmitted(id));
        assertEquals(id, harness.assertPublished(ProcessPayment.class).orderId());
        assertEquals(id, harness.assertPublished(Audited.class).orderId());
    }
}
