package dev.omnibus;

import java.time.Duration;

/** No response arrived within the request's timeout. Retryable: the responder may be back. */
public final class RequestTimeoutException extends BusException {
    private static final long serialVersionUID = 1L;

    public RequestTimeoutException(String requestType, Duration timeout) {
        super("No response to " + requestType + " within " + timeout, null, false);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
