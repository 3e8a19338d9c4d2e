package dev.omnibus.spi;

import dev.omnibus.ConsumeContext;

/**
 * One step of the consume pipeline, around everything after it. Retry, delayed redelivery and
 * concurrency limits are filters; users add their own with
 * {@code ReceiveEndpointBuilder.filter(...)} or {@code BusBuilder.filter(...)}.
 *
 * <pre>{@code
 * Filter timing = (ctx, next) -> {
 *     long start = System.nanoTime();
 *     try {
 *         next.proceed(ctx);
 *     } finally {
 *         log.info("{} took {} µs", ctx.messageId(), (System.nanoTime() - start) / 1000);
 *     }
 * };
 * }</pre>
 *
 * <p>A filter that throws fails the message (it is retried per the endpoint's policy, then moved
 * to the error queue); a filter that returns without calling {@code next} consumes the message
 * without running the consumers. Filters are called concurrently and must be thread-safe.
 */
@FunctionalInterface
public interface Filter {
    void filter(ConsumeContext<?> context, Next next) throws Exception;

    /** The rest of the pipeline. */
    @FunctionalInterface
    interface Next {
        void proceed(ConsumeContext<?> context) throws Exception;
    }
}
