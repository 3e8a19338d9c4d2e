package example;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.Transport;
import dev.omnibus.testing.conformance.TransportConformanceKit;

/** The conformance kit (plain and parameterized tests) runs on the user's JUnit 5. */
class InMemoryConformanceTest extends TransportConformanceKit {
    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected Transport newTransport() {
        return InMemoryTransport.connect(broker);
    }
}
