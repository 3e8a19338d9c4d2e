package dev.omnibus.examples.orders;

/**
 * The stock service as the orders consumer sees it: ask a question, get an answer or an exception,
 * never wait longer than a timeout. MassTransit users know this as {@code IRequestClient<CheckStock>};
 * {@link OrderFlow} backs it with {@code bus.request(...)}.
 */
@FunctionalInterface
public interface StockClient {
    /**
     * Asks the stock service and waits for its answer.
     *
     * @throws dev.omnibus.RequestTimeoutException when no answer came within the timeout (retryable)
     * @throws dev.omnibus.RequestFaultException   when the stock service's consumer failed
     */
    StockStatus check(CheckStock question);
}
