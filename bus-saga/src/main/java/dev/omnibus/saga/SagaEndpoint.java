package dev.omnibus.saga;

import dev.omnibus.ConsumeContext;
import dev.omnibus.MessageConsumer;
import dev.omnibus.ReceiveEndpointBuilder;
import dev.omnibus.saga.internal.SagaRuntime;
import dev.omnibus.saga.spi.SagaRepository;
import java.util.Objects;

/**
 * Runs a {@link StateMachine} on a receive endpoint: one consumer per event's message type, all
 * executing the machine against one {@link SagaRepository}.
 *
 * <pre>{@code
 * OrderSaga saga = new OrderSaga();
 * SagaRepository orders = JdbcSagaRepository.builder(dataSource, saga.name()).build();
 * Bus.builder()
 *     .receiveEndpoint("order-saga", e -> SagaEndpoint.configure(e.concurrency(8), saga, orders))
 *     .start();
 * }</pre>
 *
 * <h2>Concurrency</h2>
 * Each instance handles one message at a time within the process, whatever the endpoint's
 * concurrency (and whether or not senders set a correlation id the bus could order by); between
 * processes, the repository's version check makes the losing side reload and run the event again
 * (up to {@link Options#maxAttempts()} times, then the message fails with a retryable
 * {@link dev.omnibus.ConcurrencyException} and the endpoint's retry policy applies).
 *
 * <h2>Failures</h2>
 * An activity that throws fails the message: nothing is saved and nothing is produced, and the
 * endpoint's retry and redelivery apply. An unhandled event faults or is dropped by the machine's
 * {@link UnhandledEventPolicy}. Scheduled timeouts are sent to this endpoint's own queue.
 */
public final class SagaEndpoint {
    /**
     * Options of a saga endpoint.
     *
     * @param maxAttempts how many times one message runs against a changing instance before it
     *                    fails (default 20)
     */
    public record Options(int maxAttempts) {
        public Options {
            if (maxAttempts < 1) {
                throw new dev.omnibus.ConfigurationException("maxAttempts must be at least 1, was " + maxAttempts);
            }
        }

        /** The defaults: 20 attempts. */
        public static Options defaults() {
            return new Options(20);
        }

        public Options withMaxAttempts(int n) {
            return new Options(n);
        }
    }

    private SagaEndpoint() {
    }

    /** Adds a consumer per event of {@code machine} to {@code endpoint}, with default options. */
    public static <S> ReceiveEndpointBuilder configure(ReceiveEndpointBuilder endpoint, StateMachine<S> machine,
            SagaRepository repository) {
        return configure(endpoint, machine, repository, Options.defaults());
    }

    /**
     * Adds a consumer per event of {@code machine} to {@code endpoint}.
     *
     * @throws dev.omnibus.ConfigurationException when the machine's declarations are wrong
     */
    public static <S> ReceiveEndpointBuilder configure(ReceiveEndpointBuilder endpoint, StateMachine<S> machine,
            SagaRepository repository, Options options) {
        Objects.requireNonNull(endpoint, "endpoint");
        SagaRuntime<S> runtime = new SagaRuntime<>(machine.model(), machine.codec(),
                Objects.requireNonNull(repository, "repository"), options.maxAttempts());
        for (Event<?> e : runtime.model().events()) {
            if (e.messageType() != null) {
                bind(endpoint, runtime, e);
            }
        }
        return endpoint;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static <T> void bind(ReceiveEndpointBuilder endpoint, SagaRuntime<?> runtime, Event<T> event) {
        if (event.faultedType() != null) {
            endpoint.faultConsumer((Class) event.faultedType(), (MessageConsumer) new EventConsumer<>(runtime, event));
        } else {
            endpoint.consumer(event.messageType(), new EventConsumer<>(runtime, event));
        }
    }

    /** The consumer of one event's messages; named after the machine in logs and harness records. */
    static final class EventConsumer<T> implements MessageConsumer<T> {
        private final SagaRuntime<?> runtime;
        private final Event<T> event;

        EventConsumer(SagaRuntime<?> runtime, Event<T> event) {
            this.runtime = runtime;
            this.event = event;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void consume(ConsumeContext<T> context) {
            runtime.handle(event, context);
        }

        @Override
        public String toString() {
            return runtime.model().name() + "." + event.name();
        }
    }
}
