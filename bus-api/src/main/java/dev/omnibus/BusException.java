package dev.omnibus;

/**
 * The root of every exception Omnibus throws. It is unchecked, and each subtype says through
 * {@link #isRetryable()} whether trying the same operation again can help.
 *
 * <p>The hierarchy is sealed: a caller can switch over the subtypes and know the list is complete.
 */
public abstract sealed class BusException extends RuntimeException
        permits TransportException, SerializationException, ConfigurationException,
                RequestTimeoutException, RequestFaultException, ConcurrencyException, BusStateException {

    private static final long serialVersionUID = 1L;

    protected BusException(String message) {
        super(message);
    }

    protected BusException(String message, Throwable cause) {
        super(message, cause);
    }

    protected BusException(String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, true, writableStackTrace);
    }

    /** Whether repeating the failed operation unchanged may succeed. */
    public abstract boolean isRetryable();
}
