package dev.omnibus.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.omnibus.BusBuilder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@BusTest(timeoutMillis = 2_000)
class BusTestExtensionTest {
    record Hello(String name) {
    }

    record Greeted(String name) {
    }

    @ConfigureBus
    static void bus(BusBuilder bus) {
        bus.receiveEndpoint("greeter", e -> e.consumer(Hello.class, ctx -> ctx.publish(new Greeted(ctx.message().name()))));
    }

    @Test
    void theHarnessIsInjectedStartedAndConfigured(TestHarness harness) {
        harness.publish(new Hello("ada"));
        assertThat(harness.assertPublished(Greeted.class).name()).isEqualTo("ada");
    }

    @Test
    void eachTestGetsAFreshHarness(TestHarness harness) {
        assertThat(harness.events()).isEmpty();
        assertThat(harness.clock().elapsed()).isEqualTo(Duration.ZERO);
    }
}
