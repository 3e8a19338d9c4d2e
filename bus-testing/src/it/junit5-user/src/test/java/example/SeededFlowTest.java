package example;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omnibus.BusBuilder;
import dev.omnibus.testing.BusTest;
import dev.omnibus.testing.ConfigureBus;
import dev.omnibus.testing.TestHarness;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The deterministic harness through @BusTest(seed) on JUnit 5, with virtual time. */
@BusTest(seed = 42)
class SeededFlowTest {
    record Ping(int n) {
    }

    record Pong(int n) {
    }

    @ConfigureBus
    static void bus(BusBuilder bus) {
        bus.receiveEndpoint("ping", e -> e.consumer(Ping.class, ctx -> ctx.publish(new Pong(ctx.message().n()))));
    }

    @Test
    void pingIsAnsweredOnVirtualTime(TestHarness harness) {
        harness.publish(new Ping(7));
        assertEquals(7, harness.assertPublished(Pong.class).n());
        harness.advance(Duration.ofMinutes(5));
        assertEquals(Duration.ofMinutes(5), harness.clock().elapsed());
    }
}
