package dev.omnibus;

import dev.omnibus.spi.Filter;
import java.util.concurrent.Semaphore;

/**
 * A filter that lets at most {@code limit} messages through at once. An endpoint's own
 * {@link ReceiveEndpointBuilder#concurrency(int)} already bounds that endpoint; share one
 * {@code ConcurrencyLimit} between endpoints (or add it with {@link BusBuilder#filter}) to bound
 * them together, for example to protect a database pool used by several consumers:
 *
 * <pre>{@code
 * ConcurrencyLimit db = ConcurrencyLimit.of(10);
 * builder.receiveEndpoint("orders", e -> e.filter(db)...)
 *        .receiveEndpoint("invoices", e -> e.filter(db)...);
 * }</pre>
 *
 * <p>A message waiting for a permit holds its endpoint thread; waiting is interruptible, so a stop
 * returns it to the queue. Thread-safe.
 */
public final class ConcurrencyLimit implements Filter {
    private final Semaphore permits;
    private final int limit;

    private ConcurrencyLimit(int limit) {
        this.limit = limit;
        this.permits = new Semaphore(limit, true);
    }

    /** A limit of {@code limit} messages at once. */
    public static ConcurrencyLimit of(int limit) {
        if (limit < 1) {
            throw new ConfigurationException("concurrency limit must be at least 1, was " + limit);
        }
        return new ConcurrencyLimit(limit);
    }

    @Override
    public void filter(ConsumeContext<?> context, Next next) throws Exception {
        permits.acquire();
        try {
            next.proceed(context);
        } finally {
            permits.release();
        }
    }

    /** Messages running now. */
    public int inUse() {
        return limit - permits.availablePermits();
    }

    @Override
    public String toString() {
        return "ConcurrencyLimit(" + limit + ")";
    }
}
