package dev.omnibus.internal;

import dev.omnibus.ConsumeContext;
import dev.omnibus.Retry;
import dev.omnibus.spi.BusClock;
import dev.omnibus.spi.Filter;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** In-process retry: runs the rest of the pipeline again as the policy allows, waiting on the bus's clock. */
final class RetryFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(RetryFilter.class);

    private final Retry policy;
    private final BusClock clock;
    private final DefaultBus bus;

    RetryFilter(Retry policy, BusClock clock, DefaultBus bus) {
        this.policy = policy;
        this.clock = clock;
        this.bus = bus;
    }

    @Override
    public void filter(ConsumeContext<?> context, Next next) throws Exception {
        DefaultConsumeContext ctx = (DefaultConsumeContext) context;
        while (true) {
            try {
                next.proceed(context);
                return;
            } catch (RequeueOnStop | RequeueDelivery e) {
                throw e;
            } catch (Exception e) {
                Optional<Duration> delay = policy.delayBefore(ctx.retryAttempt() + 1, e);
                if (delay.isEmpty()) {
                    throw e;
                }
                if (bus.isStopping()) {
                    throw new RequeueOnStop(e); // retries left, but no time: back to the queue, not to _error
                }
                lapsed(ctx, e);
                LOG.debug("Retry {} of message {} in {} after {}", ctx.retryAttempt() + 1, ctx.messageId(), delay.get(),
                        e.toString());
                ctx.takeProduced();
                clock.sleep(delay.get());
                lapsed(ctx, e);
                ctx.nextAttempt();
            }
        }
    }

    /**
     * A delivery the broker took back (its lease lapsed, its partition was revoked) is not retried: the
     * broker delivers it again, to this bus or another, and a retry here would run the consumer twice at
     * once. It goes back (the settlement stage then leaves it alone), with no {@code Fault<T>}.
     */
    private static void lapsed(DefaultConsumeContext ctx, Exception e) throws RequeueDelivery {
        if (!ctx.delivery().isValid()) {
            throw new RequeueDelivery("its delivery lapsed during retries, so it is not retried here (" + e + ")", null, e);
        }
    }

    /** Thrown when a retry is due but the bus is stopping: the delivery goes back to the queue. */
    static final class RequeueOnStop extends Exception {
        private static final long serialVersionUID = 1L;

        RequeueOnStop(Throwable cause) {
            super("bus stopping with retries left", cause, false, false);
        }
    }
}
