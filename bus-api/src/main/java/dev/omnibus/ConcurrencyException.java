package dev.omnibus;

/**
 * Optimistic concurrency lost a race: someone else changed the same state first (for example a
 * saga instance). Retryable: the operation can be re-run on the fresh state.
 */
public final class ConcurrencyException extends BusException {
    private static final long serialVersionUID = 1L;

    public ConcurrencyException(String message) {
        super(message);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
