package dev.omnibus.sqs;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which endpoints a published message type reaches, until SNS carries publishing (the design:
 * a topic per message type, subscribed by the endpoints' queues). In this first version the bus's
 * transports route themselves ({@code Routing.BUS}): every durable endpoint declared in this JVM
 * subscribes to the concrete types it consumes, in a table shared by the transports of one SQS
 * server (endpoint or region) and queue prefix, and a publish sends a copy to each subscribed queue.
 * A process that did not declare (or share a JVM with) an endpoint does not know of it: publishing
 * across processes needs the SNS part. Subscriptions stay for the JVM's life, as a queue's binding
 * outlives its consumer. Bounded by the endpoints and types declared. Thread-safe.
 */
final class PublishRoutes {
    private static final Map<String, PublishRoutes> TABLES = new ConcurrentHashMap<>();

    private final Map<String, Set<String>> endpointsByUrn = new ConcurrentHashMap<>();

    private PublishRoutes() {
    }

    /** The table of one SQS server and queue prefix. */
    static PublishRoutes of(String server, String prefix) {
        return TABLES.computeIfAbsent(server + "|" + prefix, k -> new PublishRoutes());
    }

    void subscribe(String endpoint, List<String> concreteUrns) {
        for (String urn : concreteUrns) {
            endpointsByUrn.computeIfAbsent(urn, u -> ConcurrentHashMap.newKeySet()).add(endpoint);
        }
    }

    /** The endpoints subscribed to {@code urn}, each once. */
    Set<String> endpointsOf(String urn) {
        Set<String> s = endpointsByUrn.get(urn);
        return s == null ? Set.of() : Set.copyOf(s);
    }
}
