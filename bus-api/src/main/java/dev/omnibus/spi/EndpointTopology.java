package dev.omnibus.spi;

import java.util.List;

/**
 * A receive endpoint to declare.
 *
 * @param name         the queue (and its topic) name
 * @param consumedUrns the message type URNs whose topics bind to the endpoint
 * @param temporary    true for a per-process queue removed when its bus stops (the request
 *                     client's response queue)
 */
public record EndpointTopology(String name, List<String> consumedUrns, boolean temporary) {
    public EndpointTopology {
        consumedUrns = List.copyOf(consumedUrns);
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
