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
            } catch (Exception e) {
                Optional<Duration> delay = bus.isStopping() ? Optional.empty()
                        : policy.delayBefore(ctx.retryAttempt() + 1, e);
                if (delay.isEmpty()) {
                    throw e;
                }
                LOG.debug("Retry {} of message {} in {} after {}", ctx.retryAttempt() + 1, ctx.messageId(), delay.get(),
                        e.toString());
                ctx.takeProduced();
                clock.sleep(delay.get());
                ctx.nextAttempt();
            }
        }
    }
}
