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
 * queue through the bus's scheduler, and lets the original be acknowledged. A delivery whose requeue
 * keeps its place ({@link Delivery#requeueKeepsOrder()}: an SQS FIFO group) is instead requeued with
 * the delay when the broker's native delay covers it, so later messages of its key never overtake it.
 */
final class RedeliveryFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(RedeliveryFilter.class);

    private final Retry policy;
    private final BusSpec spec;
    private final String endpoint;
    /** Null unless the endpoint keeps order across redelivery ({@code redeliveryHoldsKey()}). */
    private final KeyHolds holds;

    /**
     * Redeliveries done in place (the broker's own delivery, so {@code MT-Redelivery-Count} cannot be
     * raised): counted here by message id. Bounded; a count lost (evicted, or the process restarted)
     * only allows that message its redeliveries again.
     */
    private final InPlaceCounts inPlaceCounts = new InPlaceCounts(10_000);

    RedeliveryFilter(Retry policy, BusSpec spec, String endpoint, KeyHolds holds) {
        this.policy = policy;
        this.spec = spec;
        this.endpoint = endpoint;
        this.holds = holds;
    }

    @Override
    public void filter(ConsumeContext<?> context, Next next) throws Exception {
        DefaultConsumeContext ctx = (DefaultConsumeContext) context;
        Delivery d = ctx.delivery();
        boolean inPlace = d.requeueKeepsOrder() && d.orderingKey() != null;
        if (inPlace) {
            ctx.redeliveryCount(Math.max(ctx.redeliveryCount(), inPlaceCounts.get(ctx.messageId())));
        }
        try {
            next.proceed(context);
            if (inPlace) {
                inPlaceCounts.forget(ctx.messageId());
            }
        } catch (RetryFilter.RequeueOnStop | RequeueDelivery e) {
            throw e;
        } catch (Exception e) {
            int count = ctx.redeliveryCount();
            Optional<Duration> delay = policy.delayBefore(count + 1, e);
            if (delay.isEmpty()) {
                if (inPlace) {
                    inPlaceCounts.forget(ctx.messageId());
                }
                throw e;
            }
            if (inPlace && delay.get().compareTo(spec.transport().capabilities().maxNativeDelay()) <= 0) {
                inPlaceCounts.put(ctx.messageId(), count + 1);
                LOG.info("Message {} failed ({}); redelivery {} in {}, in place: later messages of its key wait",
                        ctx.messageId(), e.toString(), count + 1, delay.get());
                throw new RequeueDelivery("redelivery " + (count + 1) + " in place", delay.get(), e);
            }
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

    /** Message id to redeliveries done in place; least recently used dropped past the bound. */
    static final class InPlaceCounts {
        private final java.util.LinkedHashMap<java.util.UUID, Integer> counts;

        InPlaceCounts(int bound) {
            this.counts = new java.util.LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<java.util.UUID, Integer> eldest) {
                    return size() > bound;
                }
            };
        }

        synchronized int get(java.util.UUID id) {
            Integer n = id == null ? null : counts.get(id);
            return n == null ? 0 : n;
        }

        synchronized void put(java.util.UUID id, int n) {
            if (id != null) {
                counts.put(id, n);
            }
        }

        synchronized void forget(java.util.UUID id) {
            if (id != null && !counts.isEmpty()) {
                counts.remove(id);
            }
        }
    }
}
