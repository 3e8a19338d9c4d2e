package dev.omnibus;

/**
 * The responder's consumer failed and answered the request with a {@link Fault}.
 * Not retryable in general: the remote side already spent its retries.
 */
public final class RequestFaultException extends BusException {
    private static final long serialVersionUID = 1L;
    private final transient Fault<?> fault;

    public RequestFaultException(Fault<?> fault) {
        super("Request faulted remotely: " + describe(fault));
        this.fault = fault;
    }

    /** The fault the responder sent. */
    public Fault<?> fault() {
        return fault;
    }

    @Override
    public boolean isRetryable() {
        return false;
    }

    private static String describe(Fault<?> fault) {
        if (fault.exceptions() == null || fault.exceptions().isEmpty()) {
            return "(no exception information)";
        }
        ExceptionInfo e = fault.exceptions().get(0);
        return e.exceptionType() + ": " + e.message();
    }
}
