package dev.omnibus.rabbitmq;

import dev.omnibus.spi.Transport;
import dev.omnibus.testing.conformance.TransportConformanceKit;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;

/** The whole transport conformance kit against the real broker (see {@link RabbitFixture}). */
class RabbitMqConformanceTest extends TransportConformanceKit {
    @BeforeAll
    static void broker() {
        RabbitFixture.uri();
    }

    @Override
    protected Transport newTransport() {
        return RabbitFixture.transport();
    }

    @Override
    protected Duration timeout() {
        return Duration.ofSeconds(30);
    }
}
