package dev.omnibus.spi;

import java.util.List;

/**
 * A receive endpoint to declare.
 *
 * @param name          the queue (and its topic) name
 * @param consumedUrns  the message type URNs the endpoint's consumers name, interfaces included: a
 *                      transport whose broker forwards between topics ({@link TransportCapabilities.Routing#BROKER})
 *                      binds the endpoint to these
 * @param concreteUrns  the record types behind them, as the registry knows them (each consumed record,
 *                      and every registered record implementing a consumed interface): a transport
 *                      whose endpoints subscribe to topics themselves ({@link TransportCapabilities.Routing#BUS})
 *                      subscribes to exactly these, so a message reaches the endpoint once
 * @param kind          a durable endpoint, or the bus instance's reply endpoint
 */
public record EndpointTopology(String name, List<String> consumedUrns, List<String> concreteUrns, Kind kind) {
    /** What an endpoint is for. */
    public enum Kind {
        /** A named receive endpoint: durable, shared by every bus instance that declares it. */
        DURABLE,
        /**
         * One bus instance's reply endpoint (responses to its requests, matched by request id). Where
         * the broker has temporary endpoints it is one (removed when the bus stops); elsewhere a durable
         * endpoint named after the instance, which the transport may expire.
         */
        REPLY
    }

    public EndpointTopology {
        consumedUrns = List.copyOf(consumedUrns);
        concreteUrns = List.copyOf(concreteUrns);
        java.util.Objects.requireNonNull(kind, "kind");
    }

    /** A durable endpoint whose consumed types are all records (concrete = consumed). */
    public EndpointTopology(String name, List<String> consumedUrns, boolean temporary) {
        this(name, consumedUrns, consumedUrns, temporary ? Kind.REPLY : Kind.DURABLE);
    }

    /** Whether this is a reply endpoint, removed with its bus where the broker can. */
    public boolean temporary() {
        return kind == Kind.REPLY;
    }

    /** The queue that receives messages that failed. */
    public String errorQueue() {
        return name + "_error";
    }

    /** The queue that receives messages of types the endpoint does not consume. */
    public String skippedQueue() {
        return name + "_skipped";
    }
}
