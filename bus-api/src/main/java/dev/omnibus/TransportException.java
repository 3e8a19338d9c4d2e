package dev.omnibus;

/** The broker or the connection to it failed. Usually retryable: the broker may come back. */
public final class TransportException extends BusException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    public TransportException(String message, Throwable cause) {
        this(message, cause, true);
    }

    public TransportException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    @Override
    public boolean isRetryable() {
        return retryable;
    }
}
