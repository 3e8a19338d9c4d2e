package dev.omnibus.internal;

import dev.omnibus.MessageType;
import dev.omnibus.MessageTypeRegistry;
import dev.omnibus.spi.TransportCapabilities;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The configuration checked against what the transport can do, at {@code build()}: one problem,
 * saying what to change, per mismatch. Internal: not API.
 */
public final class CapabilityChecks {
    private CapabilityChecks() {
    }

    /**
     * @param maxMessageSize         the bus's limit
     * @param maxMessageSizeExplicit whether the application set it (else it was lowered to the transport's)
     * @return the problems found, empty when none
     */
    public static List<String> check(TransportCapabilities caps, List<EndpointSpec> endpoints, MessageTypeRegistry registry,
            ComposedScheduler scheduler, boolean inMemorySchedulingAllowed, int maxMessageSize,
            boolean maxMessageSizeExplicit) {
        List<String> problems = new ArrayList<>();
        String t = "transport '" + caps.name() + "'";
        if (maxMessageSizeExplicit && maxMessageSize > caps.maxMessageSize()) {
            problems.add("maxMessageSize " + maxMessageSize + " is above the " + caps.maxMessageSize()
                    + " bytes " + t + " accepts: set BusBuilder.maxMessageSize(" + caps.maxMessageSize() + ") or less");
        }
        for (EndpointSpec e : endpoints) {
            if (caps.routing() == TransportCapabilities.Routing.BUS) {
                for (ConsumerBinding b : e.bindings()) {
                    MessageType type = b.type();
                    if (type.rawType().isInterface() && registry.concreteTypesOf(type).isEmpty()) {
                        problems.add("endpoint '" + e.name() + "' consumes interface " + type.javaType().getTypeName()
                                + ", but no registered record implements it, and on " + t
                                + " an endpoint subscribes to each record's topic: register the records with "
                                + "BusBuilder.messageType(Record.class)");
                    }
                }
            }
            if (e.redelivery().limit() > 0) {
                Duration longest = e.redelivery().longestDelay();
                if (scheduler.forDelay(longest) == null) {
                    problems.add("endpoint '" + e.name() + "' has delayed redelivery (up to " + longest + "), but "
                            + scheduler.noSchedulerFor(longest));
                } else if (caps.durable() && !inMemorySchedulingAllowed && scheduler.volatileFor(longest)) {
                    problems.add("endpoint '" + e.name() + "' has delayed redelivery, but on " + t
                            + " its copy would wait only in this process's memory while the original is acknowledged, "
                            + "so a crash loses it: configure a durable scheduler (BusBuilder.scheduler, e.g. the "
                            + "outbox's) or accept the loss with BusBuilder.allowInMemoryScheduling()");
                }
            }
        }
        return problems;
    }
}
