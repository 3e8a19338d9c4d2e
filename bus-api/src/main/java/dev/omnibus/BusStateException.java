package dev.omnibus;

/**
 * An operation does not fit the bus's life cycle: starting twice, stopping twice, publishing
 * after stop. Not retryable.
 */
public final class BusStateException extends BusException {
    private static final long serialVersionUID = 1L;

    public BusStateException(String message) {
        super(message);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
