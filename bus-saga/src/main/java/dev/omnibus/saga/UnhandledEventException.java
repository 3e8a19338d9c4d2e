package dev.omnibus.saga;

/**
 * An event arrived in a state that does not handle it, under {@link UnhandledEventPolicy#FAULT}.
 * Retrying the same message in the same state cannot help, but the state may change meanwhile
 * (an earlier event still on its way), so an endpoint's retry or redelivery policy may still apply.
 */
public final class UnhandledEventException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnhandledEventException(String message) {
        super(message);
    }
}
