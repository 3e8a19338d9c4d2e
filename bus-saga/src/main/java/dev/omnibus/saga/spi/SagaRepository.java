package dev.omnibus.saga.spi;

import dev.omnibus.ConcurrencyException;
import dev.omnibus.ConsumeContext;
import dev.omnibus.saga.SagaRecord;
import java.util.Optional;
import java.util.UUID;

/**
 * Stores the instances of one saga (one {@link dev.omnibus.saga.StateMachine}) with optimistic
 * concurrency: every write states the version it read, and fails with {@link ConcurrencyException}
 * (retryable) when someone else wrote first. The saga runtime then reloads the instance and runs
 * the event again, so no update is lost, across threads and across processes.
 *
 * <p>Implementations: {@link dev.omnibus.saga.InMemorySagaRepository},
 * {@link dev.omnibus.saga.jdbc.JdbcSagaRepository} (PostgreSQL, H2). Thread-safe. Failures of the
 * store itself are unchecked exceptions other than {@code ConcurrencyException}; the message then
 * fails and the endpoint's retry policy applies.
 */
public interface SagaRepository {
    /**
     * The repository as used while handling {@code delivery}: the runtime calls the four methods
     * below on what this returns, once per message. The default is this repository; one that can
     * join a transaction the delivery's filters opened (the outbox's) returns a view bound to it,
     * so the instance's change commits with the messages the saga produced.
     */
    default SagaRepository during(ConsumeContext<?> delivery) {
        return this;
    }

    /** The instance with this id, if any. */
    Optional<SagaRecord> find(UUID id);

    /**
     * Stores a new instance (its version is 1).
     *
     * @throws ConcurrencyException when an instance with this id exists
     */
    void insert(SagaRecord instance);

    /**
     * Replaces the instance whose version is {@code instance.version() - 1} by {@code instance}.
     *
     * @throws ConcurrencyException when the stored version differs or the instance is gone
     */
    void update(SagaRecord instance);

    /**
     * Removes the instance if its stored version is {@code version}.
     *
     * @throws ConcurrencyException when the stored version differs or the instance is gone
     */
    void delete(UUID id, long version);
}
