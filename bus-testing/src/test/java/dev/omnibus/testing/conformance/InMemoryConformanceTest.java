package dev.omnibus.testing.conformance;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.Transport;

/** The in-memory transport passes the whole kit; each test gets a broker of its own. */
class InMemoryConformanceTest extends TransportConformanceKit {
    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected Transport newTransport() {
        return InMemoryTransport.connect(broker);
    }
}
