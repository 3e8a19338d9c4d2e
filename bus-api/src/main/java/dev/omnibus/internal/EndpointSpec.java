package dev.omnibus.internal;

import dev.omnibus.Retry;
import dev.omnibus.spi.Filter;
import java.util.List;

/**
 * A validated receive endpoint configuration. Internal: not API.
 *
 * @param name               the queue name
 * @param bindings           the consumers
 * @param concurrency        how many messages run at once
 * @param prefetch           how many deliveries the transport hands over ahead
 * @param retry              in-process retry
 * @param redelivery         delayed redelivery through the scheduler
 * @param filters            user filters, outermost first
 * @param defaultContentType the content type assumed when a delivery has none
 * @param redeliveryHoldsKey later messages of a key wait for its delayed redelivery
 * @param inMemoryOutbox     what consumers produce leaves only when the delivery succeeded
 */
public record EndpointSpec(
        String name,
        List<ConsumerBinding> bindings,
        int concurrency,
        int prefetch,
        Retry retry,
        Retry redelivery,
        List<Filter> filters,
        String defaultContentType,
        boolean redeliveryHoldsKey,
        boolean inMemoryOutbox) {
    public EndpointSpec {
        bindings = List.copyOf(bindings);
        filters = List.copyOf(filters);
    }
}
