package dev.omnibus;

/**
 * A message could not be written or read: the body is not valid, names no known message type,
 * or is larger than the configured limit. Never retryable: the same bytes fail the same way.
 */
public final class SerializationException extends BusException {
    private static final long serialVersionUID = 1L;

    public SerializationException(String message) {
        super(message);
    }

    public SerializationException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return false;
    }
}
