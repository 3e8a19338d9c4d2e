package dev.omnibus.examples.saga;

import dev.omnibus.BusBuilder;
import dev.omnibus.saga.SagaEndpoint;
import dev.omnibus.saga.spi.SagaRepository;

/** Wires the order saga onto a bus: one endpoint, {@code order-saga}, running the machine. */
public final class OrderSagaEndpoint {
    /** The endpoint's name. */
    public static final String NAME = "order-saga";

    private OrderSagaEndpoint() {
    }

    /** Adds the saga's endpoint to {@code bus}, storing instances in {@code repository}; returns {@code bus}. */
    public static BusBuilder configure(BusBuilder bus, OrderSaga saga, SagaRepository repository) {
        return bus.receiveEndpoint(NAME, e -> SagaEndpoint.configure(e.concurrency(4), saga, repository));
    }
}
