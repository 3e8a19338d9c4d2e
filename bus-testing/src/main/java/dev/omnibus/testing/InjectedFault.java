package dev.omnibus.testing;

/**
 * Thrown into a consumer by a {@link FaultPlan#failConsumer(Class, int)} rule: the consumer's Nth
 * call fails as if the consumer had thrown. Retry and fault handling treat it like any exception.
 */
public final class InjectedFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InjectedFault(String message) {
        super(message, null, false, false);
    }
}
