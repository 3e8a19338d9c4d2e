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

    /**
     * The broker's connections whose client-provided name is {@code omnibus:<busName>:…} (the
     * transport's default names), one line each in {@code rabbitmqctl list_connections
     * client_properties}; -1 (not checked) where rabbitmqctl cannot list the local node.
     */
    @Override
    protected int openConnections(String busName) {
        RabbitCtl.Result r = RabbitCtl.run(Duration.ofSeconds(30), "-q", "list_connections", "--no-table-headers",
                "client_properties");
        if (r.exitCode() != 0) {
            return -1;
        }
        String prefix = "omnibus:" + busName + ":";
        return (int) r.output().lines().filter(l -> l.contains("\"" + prefix)).count(); // <<"omnibus:…:publish">>
    }
}
