package dev.omnibus.spi;

import dev.omnibus.ConsumeContext;
import dev.omnibus.internal.RedirectedConsumeContext;
import java.util.List;

/**
 * Ways a {@link Filter} can change the context it passes on to the rest of the pipeline.
 *
 * <pre>{@code
 * Filter outboxFilter = (ctx, next) -> {
 *     try (Connection c = dataSource.getConnection()) {
 *         c.setAutoCommit(false);
 *         Outbound rows = new MyOutboxRows(c);
 *         next.proceed(ConsumeContexts.redirect(ctx, rows, List.of(c)));   // consumers write rows, not messages
 *         c.commit();
 *     }
 * };
 * }</pre>
 */
public final class ConsumeContexts {
    private ConsumeContexts() {
    }

    /**
     * A view of {@code context} whose {@code publish}, {@code send} and {@code respond} encode the
     * message as the bus would, carrying the flow forward as usual (correlation, conversation,
     * initiator, application headers, request id for a response), and hand it to
     * {@code outbound} instead of the transport. {@code attributes} are visible through
     * {@link ConsumeContext#attribute(Class)} (before those of {@code context}).
     * {@code cancelScheduledSend} asks {@link Outbound#cancelScheduled} first, then the bus's
     * scheduler.
     *
     * <p>The returned futures are already complete: done when the outbound stored the message,
     * failed with what it threw, and a failed one fails the delivery once the consumers return,
     * as a failed send would. {@code request} is not redirected (a request waits for its
     * response, which a row in an uncommitted transaction cannot produce): it goes to the
     * transport at once. Used by the filter's thread only, like every consume context.
     *
     * @param context a context the bus passed to the filter (or one this method returned)
     * @throws IllegalArgumentException if {@code context} was not made by the bus
     */
    public static <T> ConsumeContext<T> redirect(ConsumeContext<T> context, Outbound outbound, List<?> attributes) {
        return RedirectedConsumeContext.of(context, outbound, attributes);
    }
}
