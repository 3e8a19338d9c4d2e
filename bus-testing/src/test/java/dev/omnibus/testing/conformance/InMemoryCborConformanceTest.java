package dev.omnibus.testing.conformance;

import dev.omnibus.BusBuilder;
import dev.omnibus.inmemory.InMemoryBroker;
import dev.omnibus.inmemory.InMemoryTransport;
import dev.omnibus.json.CborEnvelopeSerializer;
import dev.omnibus.json.JsonEnvelopeSerializer;
import dev.omnibus.spi.Serializer;
import dev.omnibus.spi.Transport;

/**
 * The whole kit once more with every bus writing the CBOR envelope: the binary codec carries
 * faults, requests, redeliveries, headers and trace context as the JSON envelope does. The buses
 * also read JSON envelopes, as a service moving from JSON to CBOR would, because the kit's
 * hand-written bad and unknown bodies are JSON envelopes.
 */
class InMemoryCborConformanceTest extends TransportConformanceKit {
    private final InMemoryBroker broker = InMemoryBroker.create();

    @Override
    protected Transport newTransport() {
        return InMemoryTransport.connect(broker);
    }

    @Override
    protected Serializer serializer() {
        return CborEnvelopeSerializer.create();
    }

    @Override
    protected BusBuilder configureBus(BusBuilder builder) {
        return builder.deserializer(JsonEnvelopeSerializer.create());
    }
}
