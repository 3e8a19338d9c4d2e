package dev.omnibus;

import java.util.List;

/**
 * The health of a bus ({@link Bus#health()}), for a readiness probe or a health endpoint of any
 * framework: healthy only when the bus runs and every endpoint receives.
 *
 * <pre>{@code
 * BusHealth h = bus.health();
 * return h.healthy() ? ok() : unavailable(h.unhealthy());
 * }</pre>
 *
 * @param running   whether the bus is started and not stopping
 * @param endpoints each receive endpoint's health, in the order they were configured
 */
public record BusHealth(boolean running, List<EndpointHealth> endpoints) {
    public BusHealth {
        endpoints = List.copyOf(endpoints);
    }

    /** Whether the bus runs and every endpoint is {@link EndpointHealth.Status#RUNNING}. */
    public boolean healthy() {
        return running && endpoints.stream().allMatch(EndpointHealth::healthy);
    }

    /** The endpoints that are not running. */
    public List<EndpointHealth> unhealthy() {
        return endpoints.stream().filter(e -> !e.healthy()).toList();
    }
}
