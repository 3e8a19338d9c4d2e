package dev.omnibus.internal;

import dev.omnibus.Address;
import dev.omnibus.ConsumeContext;
import dev.omnibus.Retry;
import dev.omnibus.spi.Delivery;
import dev.omnibus.spi.Filter;
import dev.omnibus.spi.OutgoingMessage;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delayed redelivery (second-level retry): when everything inside has failed, schedules a copy of
 * the delivery (same body, same headers, {@code MT-Redelivery-Count} raised) back to the endpoint's
 * queue through the bus's scheduler, and lets the original be acknowledged.
 */
final class RedeliveryFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(RedeliveryFilter.class);

    private final Retry policy;
    private final BusSpec spec;
    private final String endpoint;
    /** Null unless the endpoint keeps order across redelivery ({@code redeliveryHoldsKey()}). */
    private final KeyHolds holds;

    RedeliveryFilter(Retry policy, BusSpec spec, String endpoint, KeyHolds holds) {
        this.policy = policy;
        this.spec = spec;
        this.endpoint = endpoint;
        this.holds = holds;
    }

    @Override
    public void filter(ConsumeContext<?> context, Next next) throws Exception {
        DefaultConsumeContext ctx = (DefaultConsumeContext) context;
        try {
            next.proceed(context);
        } catch (RetryFilter.RequeueOnStop e) {
            throw e;
        } catch (Exception e) {
            int count = ctx.redeliveryCount();
            Optional<Duration> delay = policy.delayBefore(count + 1, e);
            if (delay.isEmpty()) {
                throw e;
            }
            Delivery d = ctx.delivery();
            String key = d.orderingKey();
            dev.omnibus.Headers headers = d.headers().with(FaultHeaders.REDELIVERY_COUNT, count + 1);
            if (holds != null && key != null) {
                headers = headers.with(KeyHolds.TOKEN, holds.hold(key, delay.get(), ctx.messageId()));
            }
            OutgoingMessage copy = new OutgoingMessage(body(ctx, d, count + 1), headers, key, null);
            spec.scheduler().schedule(spec.clock().now().plus(delay.get()), Address.queue(endpoint), copy);
            LOG.info("Message {} failed ({}); redelivery {} scheduled in {}", ctx.messageId(), e.toString(), count + 1,
                    delay.get());
        }
    }

    /**
     * The copy's body: in the bus's own envelope format, re-encoded with {@code MT-Redelivery-Count} in
     * the envelope's headers too, as MassTransit's redelivery (a new send from the consume context)
     * writes it; any other format unchanged, the count in the transport header only.
     */
    private byte[] body(DefaultConsumeContext ctx, Delivery d, int count) {
        Object contentType = d.headers().get(OutgoingMessage.CONTENT_TYPE);
        dev.omnibus.spi.Serializer serializer = spec.serializer();
        if (contentType == null || !serializer.contentType().equals(contentType.toString())) {
            return d.body();
        }
        dev.omnibus.Envelope env = ctx.envelope();
        try {
            return serializer.serialize(env.withHeaders(env.headers().with(FaultHeaders.REDELIVERY_COUNT, count)),
                    ctx.message()).body();
        } catch (RuntimeException e) {
            LOG.warn("Message {}: could not re-encode for redelivery ({}); the copy keeps its body", ctx.messageId(),
                    e.toString());
            return d.body();
        }
    }
}
