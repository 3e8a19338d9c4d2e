package dev.omnibus.internal;

import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Filter;
import dev.omnibus.spi.Scheduler;
import dev.omnibus.spi.Serializer;
import dev.omnibus.spi.Transport;
import java.time.Duration;
import java.util.List;

/** A validated bus configuration. Internal: not API. */
public record BusSpec(
        String name,
        Transport transport,
        Serializer serializer,
        List<Serializer> deserializers,
        BusClock clock,
        Scheduler scheduler,
        MessageTypeRegistry registry,
        List<EndpointSpec> endpoints,
        List<Filter> filters,
        Duration stopTimeout,
        int maxMessageSize,
        List<dev.omnibus.spi.BusObserver> observers,
        io.opentelemetry.api.OpenTelemetry openTelemetry,
        boolean includeStackTraces,
        dev.omnibus.spi.Interleaving.Control executionControl) {
    public BusSpec {
        deserializers = List.copyOf(deserializers);
        endpoints = List.copyOf(endpoints);
        filters = List.copyOf(filters);
        observers = List.copyOf(observers);
    }
}
