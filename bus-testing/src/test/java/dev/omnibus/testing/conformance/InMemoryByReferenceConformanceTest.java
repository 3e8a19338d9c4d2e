package dev.omnibus.testing.conformance;

import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.spi.Transport;

/**
 * The whole kit with messages passed by reference ({@code InMemoryTransport.builder().byReference(true)}):
 * routing, faults, dead letters, delays, requests, stop and headers behave as when serializing, and a
 * message moved to {@code _error} or {@code _skipped} has the bytes the serializer writes, so whatever
 * reads those queues (the kit's probes, a tool, another bus) sees an ordinary message.
 */
class InMemoryByReferenceConformanceTest extends TransportConformanceKit {
    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected Transport newTransport() {
        return InMemoryTransport.builder().broker(broker).byReference(true).build();
    }
}
